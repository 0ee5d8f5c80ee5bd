/**
 * In-process breakdown of `evt generate` on a proto root: where the time goes (buf build,
 * catalog, protoc-gen-es, contract modules, warehouse outputs, catalog.json, hashing), plus the
 * former ts-morph contract emitter measured on the same modules and checked byte for byte
 * against the printer (decision D14).
 * Usage: npx tsx bench/generate/stages.ts DIR [--no-ts-morph]
 */
import { buildDescriptorSet } from "../../compiler/load/buf-build.js";
import { catalogFromDescriptorSet } from "../../compiler/model/build-catalog.js";
import { canonicalFileOrder } from "../../compiler/emit/descriptor-order.js";
import { resolveSinkTables, PROTOC_GEN_ES_PARAMETER } from "../../compiler/emit/generate.js";
import { runProtocGenEs } from "../../compiler/emit/ts/protoc-gen-es.js";
import { contractNames, emitContractModule, type ContractModuleInput } from "../../compiler/emit/ts/contracts.js";
import { emitTableDdl } from "../../compiler/emit/snowflake/table-ddl.js";
import { emitSinkConfig } from "../../compiler/emit/sinks/sink-config.js";
import { emitCatalogJson } from "../../compiler/emit/catalog-json.js";
import { sha256 } from "../../compiler/emit/write-output.js";

export interface StageTimes {
  readonly [stage: string]: number;
}

export async function measureStages(root: string, withTsMorph = true): Promise<StageTimes> {
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
  const es = runProtocGenEs(loaded.set, files, PROTOC_GEN_ES_PARAMETER);
  lap("protoc-gen-es");
  const names = contractNames(loaded.catalog);
  const byFile = new Map<string, (typeof loaded.catalog.events)[number][]>();
  for (const e of loaded.catalog.events) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const modules: ContractModuleInput[] = [...byFile].map(([file, events]) => ({ file, package: events[0]!.message.package, events }));
  const emitOptions = { runtimeImport: "@evt/runtime", names, sinkTables: new Map() };
  const printed = modules.map((m) => emitContractModule(m, loaded.catalog, emitOptions));
  lap("contract modules (printer)");
  const tables = resolveSinkTables(loaded.catalog, { schemaPrefix: "" });
  const warehouse = tables.map((table) => emitTableDdl(table));
  warehouse.push(emitSinkConfig(tables, { batch: { rows: 10_000, bytes: 16 << 20, ms: 5_000 } }));
  lap("warehouse (DDL, sink config)");
  const catalogJson = emitCatalogJson(loaded.catalog);
  lap("catalog.json");
  for (const text of [...es.map((f) => f.content), ...printed, ...warehouse, catalogJson]) sha256(text);
  lap("sha256 of every output");
  if (withTsMorph) {
    const tm = await import("./ts-morph-contracts.js");
    lap("load ts-morph (former emitter)");
    const project = tm.createTsMorphPrinter();
    const viaTsMorph = modules.map((m) => tm.emitContractModuleTsMorph(project, m, loaded.catalog, emitOptions));
    lap("contract modules (ts-morph, former)");
    const differing = modules.filter((_, i) => viaTsMorph[i] !== printed[i]).map((m) => m.file);
    if (differing.length > 0) throw new Error(`printer and ts-morph differ on ${differing.length} module(s): ${differing.slice(0, 5).join(", ")}`);
    t["modules compared byte for byte"] = modules.length;
  }
  return t;
}

if (process.argv[1]?.endsWith("stages.ts")) {
  const root = process.argv[2];
  if (!root) throw new Error("usage: stages.ts DIR [--no-ts-morph]");
  console.log(await measureStages(root, !process.argv.includes("--no-ts-morph")));
}
