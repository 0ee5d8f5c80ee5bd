/**
 * `evt generate` as a pure function: compiled contracts in, the complete list of output files
 * out (paths relative to the output directory, sorted, LF, no timestamps). Writing, checking and
 * caching are elsewhere (write-output.ts, generate-project.ts).
 *
 * Output layout (relative to `generated/`):
 *   ts/<dir>/<file>_pb.ts                    protobuf-es message types (protoc-gen-es, in-process)
 *   ts/<dir>/<file>_evt.ts                   typed contracts, producers and processors
 *   ts/index.ts                              every contract module + `catalog`
 *   snowflake/tables/<SCHEMA>.<TABLE>.sql    CREATE TABLE IF NOT EXISTS per sink
 *   snowflake/governance/pii_tags.sql        optional PII object tags
 *   duckdb/tables/<SCHEMA>.<TABLE>.sql       the same tables in DuckDB's dialect (local warehouse)
 *   sinks/evt-sinks.json                     runtime sink config (version 1)
 *   sinks/kafka-connect/<SCHEMA>.<TABLE>.json  Snowflake Kafka connector per sink
 *   ingest/routes.json                       the collector's route table (public events; only when there are any)
 *   web/{tracker,events,index}.ts            typed web tracker of the public events (only when there are any)
 *   monitoring/evt-alerts.yaml               Prometheus alerting rules from the contracts' SLOs
 *   flink/tables/<package>.<Message>.sql     Flink SQL source table per event (Kafka, protobuf format)
 *   java/pom.xml                             (opt-in) Maven module of the JVM message classes (protoc)
 *   catalog.json                             the catalog model (formatVersion 1)
 */
import path from "node:path";
import { DEFAULTS, type BatchConfig } from "../config/schema.js";
import { EvtError, type Diagnostic } from "../errors.js";
import type { LoadedContracts } from "../model/build-catalog.js";
import type { Catalog, EventModel } from "../model/catalog.js";
import { LintRefusalError, refuseLintErrors } from "../rules/lint/refuse.js";
import { keyProblem } from "../model/key-path.js";
import { sinkTableName, sinkTables, type SinkTable } from "../warehouse/sink-table.js";
import { CATALOG_JSON_PATH, emitCatalogJson } from "./catalog-json.js";
import { emitKafkaConnect, kafkaConnectPath } from "./sinks/kafka-connect.js";
import { emitSinkConfig, SINK_CONFIG_PATH } from "./sinks/sink-config.js";
import { ALERT_RULES_PATH, emitAlertRules } from "./monitoring/alert-rules.js";
import { emitPiiTags } from "./snowflake/pii.js";
import { emitTableDdl, tableDdlPath } from "./snowflake/table-ddl.js";
import { duckdbTableDdlPath, emitDuckdbTableDdl } from "./duckdb/table-ddl.js";
import { contractModulePath, contractNames, emitContractModule } from "./ts/contracts.js";
import { emitIndexModule, INDEX_MODULE_PATH } from "./ts/index-module.js";
import type { GeneratedFile } from "./ts/protoc-gen-es.js";
import { PROTOC_GEN_ES_PARAMETER } from "./ts/protoc-gen-es-thread.js";
import { emitIngestRoutes, INGEST_ROUTES_PATH } from "./ingest/routes.js";
import { emitWebEvents, emitWebIndex, emitWebTracker, publicEvents, WEB_EVENTS_PATH, WEB_INDEX_PATH, WEB_TRACKER_PATH } from "./web/tracker-module.js";

import { emitFlinkTable, flinkTablePath } from "./flink/tables.js";
import { emitJavaModule, JAVA_MODULE_PATH } from "./java/module.js";


export type OutputKind =
  | "ts-messages" | "ts-contracts" | "snowflake-ddl" | "snowflake-tags" | "duckdb-ddl" | "sink-config" | "kafka-connect" | "catalog"
  | "ingest-routes" | "web-tracker" | "alert-rules" | "flink-tables" | "java-module";

export interface OutputFile {
  /** Relative to the output directory, `/`-separated. */
  readonly path: string;
  readonly content: string;
  readonly kind: OutputKind;
}

export interface GenerateOptions {
  /** Module specifier of the runtime in generated TypeScript (evt.yaml `runtimeImport`). */
  readonly runtimeImport: string;
  readonly schemaPrefix: string;
  readonly batch: BatchConfig;
  readonly database?: string;
  /** Prefix for file names in error diagnostics (the proto root as the user wrote it). */
  readonly displayRoot?: string;
  /** Kafka bootstrap servers written into the Flink tables (evt.yaml `kafka.brokers`). */
  readonly bootstrapServers?: string;
  /** Set (the proto root relative to `<out>/java`) → emit the Java module (evt.yaml `flink.java`). */
  readonly javaProtoRoot?: string;
}

export const PII_TAGS_PATH = "snowflake/governance/pii_tags.sql";
export { PROTOC_GEN_ES_PARAMETER };

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Events grouped by .proto file, files sorted. */
function eventsByFile(catalog: Catalog): { file: string; package: string; events: EventModel[] }[] {
  const map = new Map<string, EventModel[]>();
  for (const e of catalog.events) {
    const events = map.get(e.file);
    if (events) events.push(e);
    else map.set(e.file, [e]);
  }
  return [...map.keys()].sort().map((file) => ({ file, package: map.get(file)![0]!.message.package, events: map.get(file)! }));
}

/** Top-level message and enum names per file (Java outer class naming needs them), indexed once: one scan, not one per sink. */
function topLevelNamesByFile(catalog: Catalog): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of [...Object.values(catalog.messages), ...Object.values(catalog.enums)]) {
    if (m.fullName !== (m.package ? `${m.package}.${m.name}` : m.name)) continue;
    const names = out.get(m.file);
    if (names) names.push(m.name);
    else out.set(m.file, [m.name]);
  }
  return out;
}

/**
 * Resolves every sink table; any problem (names, collisions, keys) stops generation with
 * positions. Each check is the function lint's rule calls too (warehouse/, model/key-path.ts).
 */
export function resolveSinkTables(catalog: Catalog, options: Pick<GenerateOptions, "schemaPrefix" | "displayRoot">): SinkTable[] {
  const diags: Diagnostic[] = [];
  for (const e of catalog.events) {
    const problem = keyProblem(e, catalog);
    if (problem) diags.push({ ...e.optionPosition, message: problem.message });
  }
  const tables = sinkTables(catalog, { schemaPrefix: options.schemaPrefix }, diags);
  if (diags.length > 0) {
    const root = options.displayRoot ?? "";
    const shown = diags.map((d) => ({ ...d, file: root ? path.join(root, d.file) : d.file }));
    throw new EvtError(`cannot generate: ${diags.length} problem(s) in the contracts (evt lint reports them too)`, shown);
  }
  return tables;
}

/**
 * protoc-gen-es on this thread. Imported on use: the module loads the plugin (~0.45 s of CPU), which
 * `evt generate` runs on a worker while buf compiles on both cores.
 */
async function messageTypesHere(loaded: LoadedContracts): Promise<readonly GeneratedFile[]> {
  const { messageTypeFiles, runProtocGenEs } = await import("./ts/protoc-gen-es.js");
  return runProtocGenEs(loaded.set, messageTypeFiles(loaded.set), PROTOC_GEN_ES_PARAMETER);
}

/**
 * @param messageTypes protoc-gen-es's files for `loaded`'s descriptors when the caller runs it
 *   elsewhere (generate-project.ts: on a worker, from buf's bytes); default: here, on `loaded.set`.
 *   Awaited last, so that everything else is emitted meanwhile.
 */
export async function generate(loaded: LoadedContracts, options: GenerateOptions, messageTypes?: Promise<readonly GeneratedFile[]>): Promise<OutputFile[]> {
  const { catalog } = loaded;
  const out: OutputFile[] = [];
  try {
    refuseLintErrors(catalog, "evt generate");
  } catch (e) {
    if (!(e instanceof LintRefusalError) || !options.displayRoot) throw e;
    const root = options.displayRoot;
    throw new LintRefusalError(e.command, e.findings.map((f) => ({ ...f, file: path.join(root, f.file) })));
  }
  const tables = resolveSinkTables(catalog, options);

  // 2. contract modules and the index that re-exports them.
  const modules = eventsByFile(catalog);
  if (modules.length > 0) {
    const names = contractNames(catalog);
    const sinkRefs = new Map(
      catalog.events.map((e) => [e.fullName, e.sinks.map((s) => ({ table: sinkTableName(s, options).name, mode: s.mode }))] as const),
    );
    const emitOptions = { runtimeImport: options.runtimeImport, names, sinkTables: sinkRefs };
    for (const m of modules) {
      out.push({ path: contractModulePath(m.file), content: emitContractModule(m, catalog, emitOptions), kind: "ts-contracts" });
    }
    out.push({ path: INDEX_MODULE_PATH, content: emitIndexModule(modules, names), kind: "ts-contracts" });
  }

  // 3. warehouse: DDL per sink, PII tags, runtime sink config, Kafka Connect configs.
  const sinkOptions = { batch: options.batch, ...(options.database ? { database: options.database } : {}) };
  const topLevel = topLevelNamesByFile(catalog);
  for (const t of tables) {
    out.push({ path: tableDdlPath(t), content: emitTableDdl(t), kind: "snowflake-ddl" });
    out.push({ path: duckdbTableDdlPath(t), content: emitDuckdbTableDdl(t), kind: "duckdb-ddl" });
    out.push({ path: kafkaConnectPath(t), content: emitKafkaConnect(t, sinkOptions, topLevel.get(t.event.file) ?? []), kind: "kafka-connect" });
  }
  out.push({ path: PII_TAGS_PATH, content: emitPiiTags(tables, options.schemaPrefix), kind: "snowflake-tags" });
  out.push({ path: SINK_CONFIG_PATH, content: emitSinkConfig(tables, sinkOptions), kind: "sink-config" });

  // 4. ingest from apps and browsers: the collector's route table and the typed web tracker.
  if (publicEvents(catalog).length > 0) {
    out.push({ path: INGEST_ROUTES_PATH, content: emitIngestRoutes(catalog), kind: "ingest-routes" });
    out.push({ path: WEB_TRACKER_PATH, content: emitWebTracker(), kind: "web-tracker" });
    out.push({ path: WEB_EVENTS_PATH, content: emitWebEvents(catalog), kind: "web-tracker" });
    out.push({ path: WEB_INDEX_PATH, content: emitWebIndex(), kind: "web-tracker" });
  }

  out.push({ path: ALERT_RULES_PATH, content: emitAlertRules(tables), kind: "alert-rules" });

  // 5. Flink SQL tables per event, and the opt-in Java module their protobuf format reads with.
  for (const e of catalog.events) {
    out.push({ path: flinkTablePath(e), content: emitFlinkTable(e, catalog, options.bootstrapServers ?? DEFAULTS.kafka.brokers.join(","), topLevel.get(e.file) ?? []), kind: "flink-tables" });
  }
  if (options.javaProtoRoot !== undefined) {
    out.push({ path: JAVA_MODULE_PATH, content: emitJavaModule(options.javaProtoRoot), kind: "java-module" });
  }

  // 6. the catalog itself.
  out.push({ path: CATALOG_JSON_PATH, content: emitCatalogJson(catalog), kind: "catalog" });

  // 7. protobuf-es message types for every file of the tree (the vocabulary included: _pb modules import it).
  const messages = messageTypes ? await messageTypes : await messageTypesHere(loaded);
  for (const f of messages) out.push({ path: `ts/${f.name}`, content: f.content, kind: "ts-messages" });

  return out.sort(byPath);
}
