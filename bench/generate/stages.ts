/**
 * In-process breakdown of `evt generate` on a proto root: where the time goes (buf build,
 * catalog, protoc-gen-es, ts-morph contract modules, warehouse outputs, catalog.json).
 * Usage: npx tsx bench/generate/stages.ts DIR
 */
import { buildDescriptorSet } from "../../compiler/load/buf-build.js";
import { catalogFromDescriptorSet } from "../../compiler/model/build-catalog.js";
import { canonicalFileOrder } from "../../compiler/emit/descriptor-order.js";
import { resolveSinkTables, PROTOC_GEN_ES_PARAMETER } from "../../compiler/emit/generate.js";
import { runProtocGenEs } from "../../compiler/emit/ts/protoc-gen-es.js";
import { emitTableDdl } from "../../compiler/emit/snowflake/table-ddl.js";
import { emitSinkConfig } from "../../compiler/emit/sinks/sink-config.js";
import { emitCatalogJson } from "../../compiler/emit/catalog-json.js";

export interface StageTimes {
  readonly [stage: string]: number;
}

export async function measureStages(root: string): Promise<StageTimes> {
  const t: Record<string, number> = {};
  let last = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    t[name] = Math.round(now - last);
    last = now;
  };
  const { set } = await buildDescriptorSet(root);
  lap("buf build");
  const loaded = catalogFromDescriptorSet(canonicalFileOrder(set), "");
  lap("catalog model");
  const files = set.file.map((f) => f.name ?? "").filter((n) => !n.startsWith("google/protobuf/"));
  runProtocGenEs(loaded.set, files, PROTOC_GEN_ES_PARAMETER);
  lap("protoc-gen-es");
  const ts = await import("../../compiler/emit/ts/contracts.js");
  lap("load ts-morph");
  const names = ts.contractNames(loaded.catalog);
  const project = ts.createPrinter();
  const byFile = new Map<string, typeof loaded.catalog.events[number][]>();
  for (const e of loaded.catalog.events) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  for (const [file, events] of byFile) {
    ts.emitContractModule(project, { file, package: events[0]!.message.package, events }, loaded.catalog, { runtimeImport: "evt/runtime", names, sinkTables: new Map() });
  }
  lap("ts-morph contracts");
  const tables = resolveSinkTables(loaded.catalog, { schemaPrefix: "" });
  for (const table of tables) emitTableDdl(table);
  emitSinkConfig(tables, { batch: { rows: 10_000, bytes: 16 << 20, ms: 5_000 } });
  lap("warehouse (DDL, sink config)");
  emitCatalogJson(loaded.catalog);
  lap("catalog.json");
  return t;
}

if (process.argv[1]?.endsWith("stages.ts")) {
  const root = process.argv[2];
  if (!root) throw new Error("usage: stages.ts DIR");
  console.log(await measureStages(root));
}
