/**
 * The runtime sink config (`generated/sinks/evt-sinks.json`, written by `evt generate`): which
 * topic feeds which table, and how each column is read from the event. The runtime reads only
 * this file and the contract schemas, never the compiler. Validated on load so a hand-edited or
 * stale file fails with the sink and key named instead of mid-stream.
 */
import { readFileSync } from "node:fs";
import { RuntimeConfigError } from "../errors.js";

export type ColumnKind =
  | "number" | "float" | "boolean" | "varchar" | "binary" | "timestamp" | "duration_ns"
  | "enum_name" | "variant" | "array" | "oneof_case";

export const COLUMN_KINDS: readonly ColumnKind[] = [
  "number", "float", "boolean", "varchar", "binary", "timestamp", "duration_ns", "enum_name", "variant", "array", "oneof_case",
];

export interface SinkColumn {
  readonly name: string;
  /** Proto field names from the event root; for `oneof_case` the last step is the oneof's name. */
  readonly path: readonly string[];
  readonly sqlType: string;
  readonly duckdbType: string;
  readonly kind: ColumnKind;
  readonly oneof?: string;
  readonly nullable: boolean;
  /** The field is a google.protobuf wrapper: the column holds the wrapped value, NULL when absent. */
  readonly wrapper?: boolean;
  readonly elementKind?: ColumnKind;
}

/** Where a metadata column's value comes from. */
export type MetadataSource =
  | "ce_id" | "ce_time" | "ce_source" | "evt_schema" | "kafka.topic" | "kafka.partition" | "kafka.offset" | "ingest_time";

export interface MetadataColumn {
  readonly name: string;
  readonly sqlType: string;
  readonly duckdbType: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly source: MetadataSource;
}

export interface SinkBatch {
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly maxMs: number;
}

export interface SinkSpec {
  readonly name: string;
  readonly topic: string;
  readonly dlqTopic: string;
  /** Fully qualified message name (`ce_type`). */
  readonly eventType: string;
  readonly fingerprint: string;
  /** `SCHEMA.TABLE`. */
  readonly table: string;
  readonly mode: "APPEND" | "UPSERT";
  readonly mergeKey: readonly string[];
  readonly batch: SinkBatch;
  readonly columns: readonly SinkColumn[];
  /** The contract's SLOs (0 = no objective of that kind), judged by `evt status`. */
  readonly slo?: SinkSlo;
}

export interface SinkSlo {
  readonly freshnessMinutes: number;
  readonly maxRejectRate: number;
  readonly minEventsPerHour: number;
}

export interface SinkConfig {
  readonly version: 1;
  readonly metadataColumns: readonly MetadataColumn[];
  readonly sinks: readonly SinkSpec[];
}

const METADATA_SOURCES: readonly MetadataSource[] = [
  "ce_id", "ce_time", "ce_source", "evt_schema", "kafka.topic", "kafka.partition", "kafka.offset", "ingest_time",
];

/** The metadata columns every sink needs to be idempotent and resumable. */
const REQUIRED_SOURCES: readonly MetadataSource[] = ["ce_id", "kafka.partition", "kafka.offset"];

function fail(where: string, message: string): never {
  throw new RuntimeConfigError(`sink config: ${where}: ${message}`, { context: { where } });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") fail(`${where}.${key}`, "must be a non-empty string");
  return v;
}

function posInt(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) fail(`${where}.${key}`, "must be a positive integer");
  return v;
}

function kind(v: unknown, where: string): ColumnKind {
  if (!COLUMN_KINDS.includes(v as ColumnKind)) fail(where, `unknown kind ${JSON.stringify(v)} (known: ${COLUMN_KINDS.join(", ")})`);
  return v as ColumnKind;
}

function column(raw: unknown, where: string): SinkColumn {
  if (!isObj(raw)) fail(where, "must be an object");
  const path = raw.path;
  if (!Array.isArray(path) || path.length === 0 || path.some((p) => typeof p !== "string" || p === "")) {
    fail(`${where}.path`, "must be a non-empty list of proto field names");
  }
  return {
    name: str(raw, "name", where),
    path: path as string[],
    sqlType: str(raw, "sqlType", where),
    duckdbType: str(raw, "duckdbType", where),
    kind: kind(raw.kind, `${where}.kind`),
    nullable: raw.nullable !== false,
    ...(typeof raw.oneof === "string" ? { oneof: raw.oneof } : {}),
    ...(raw.wrapper === true ? { wrapper: true } : {}),
    ...(raw.elementKind !== undefined ? { elementKind: kind(raw.elementKind, `${where}.elementKind`) } : {}),
  };
}

function metadataColumn(raw: unknown, where: string): MetadataColumn {
  if (!isObj(raw)) fail(where, "must be an object");
  const source = raw.source as MetadataSource;
  if (!METADATA_SOURCES.includes(source)) fail(`${where}.source`, `unknown source ${JSON.stringify(raw.source)}`);
  return {
    name: str(raw, "name", where),
    sqlType: str(raw, "sqlType", where),
    duckdbType: str(raw, "duckdbType", where),
    kind: kind(raw.kind, `${where}.kind`),
    nullable: raw.nullable !== false,
    source,
  };
}

function sink(raw: unknown, where: string, metadataNames: ReadonlySet<string>): SinkSpec {
  if (!isObj(raw)) fail(where, "must be an object");
  const name = str(raw, "name", where);
  where = `sink ${name}`;
  const mode = raw.mode;
  if (mode !== "APPEND" && mode !== "UPSERT") fail(`${where}.mode`, "must be APPEND or UPSERT");
  const table = str(raw, "table", where);
  if (!/^[^.]+\.[^.]+$/.test(table)) fail(`${where}.table`, `"${table}" is not SCHEMA.TABLE`);
  if (!Array.isArray(raw.columns)) fail(`${where}.columns`, "must be a list");
  const columns = (raw.columns as unknown[]).map((c, i) => column(c, `${where}.columns[${i}]`));
  const names = new Set([...metadataNames, ...columns.map((c) => c.name)]);
  if (names.size !== metadataNames.size + columns.length) fail(`${where}.columns`, "column names collide");
  const mergeKey = raw.mergeKey;
  if (!Array.isArray(mergeKey) || mergeKey.length === 0) fail(`${where}.mergeKey`, "must be a non-empty list of columns");
  for (const k of mergeKey) if (!names.has(k as string)) fail(`${where}.mergeKey`, `unknown column ${JSON.stringify(k)}`);
  const batch = raw.batch;
  if (!isObj(batch)) fail(`${where}.batch`, "must be an object");
  return {
    name,
    topic: str(raw, "topic", where),
    dlqTopic: str(raw, "dlqTopic", where),
    eventType: str(raw, "eventType", where),
    fingerprint: typeof raw.fingerprint === "string" ? raw.fingerprint : "",
    table,
    mode,
    mergeKey: mergeKey as string[],
    batch: { maxRows: posInt(batch, "maxRows", `${where}.batch`), maxBytes: posInt(batch, "maxBytes", `${where}.batch`), maxMs: posInt(batch, "maxMs", `${where}.batch`) },
    columns,
    ...(raw.slo !== undefined ? { slo: slo(raw.slo, `${where}.slo`) } : {}),
  };
}

function slo(raw: unknown, where: string): SinkSlo {
  if (!isObj(raw)) fail(where, "must be an object");
  const num = (key: string): number => {
    const v = raw[key] ?? 0;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) fail(`${where}.${key}`, "must be a number ≥ 0");
    return v;
  };
  return { freshnessMinutes: num("freshnessMinutes"), maxRejectRate: num("maxRejectRate"), minEventsPerHour: num("minEventsPerHour") };
}

/** Validates parsed JSON as a sink config (version 1). */
export function parseSinkConfig(raw: unknown): SinkConfig {
  if (!isObj(raw)) fail("(file)", "must be a JSON object");
  if (raw.version !== 1) fail("version", `unsupported version ${JSON.stringify(raw.version)} (this runtime reads 1)`);
  if (!Array.isArray(raw.metadataColumns)) fail("metadataColumns", "must be a list");
  const metadataColumns = (raw.metadataColumns as unknown[]).map((c, i) => metadataColumn(c, `metadataColumns[${i}]`));
  for (const s of REQUIRED_SOURCES) {
    if (!metadataColumns.some((c) => c.source === s)) fail("metadataColumns", `a column with source ${s} is required`);
  }
  const metadataNames = new Set(metadataColumns.map((c) => c.name));
  if (!Array.isArray(raw.sinks)) fail("sinks", "must be a list");
  const sinks = (raw.sinks as unknown[]).map((s, i) => sink(s, `sinks[${i}]`, metadataNames));
  const seen = new Set<string>();
  for (const s of sinks) {
    if (seen.has(s.name)) fail(`sink ${s.name}`, "defined twice");
    seen.add(s.name);
  }
  return { version: 1, metadataColumns, sinks };
}

export function readSinkConfig(file: string): SinkConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new RuntimeConfigError(`cannot read sink config ${file}: ${(e as Error).message}`, { cause: e, context: { file } });
  }
  try {
    return parseSinkConfig(JSON.parse(text));
  } catch (e) {
    if (e instanceof SyntaxError) throw new RuntimeConfigError(`sink config ${file} is not JSON: ${e.message}`, { cause: e, context: { file } });
    throw e;
  }
}

/** Column names of a sink's table in order: metadata first, then the event's. */
export function tableColumns(config: SinkConfig, spec: SinkSpec): readonly { name: string; sqlType: string; duckdbType: string; kind: ColumnKind; nullable: boolean }[] {
  return [...config.metadataColumns, ...spec.columns];
}

/** Picks sinks by name (all when `names` is empty); unknown names are an error listing the known ones. */
export function selectSinks(config: SinkConfig, names: readonly string[]): SinkSpec[] {
  if (names.length === 0) return [...config.sinks];
  const byName = new Map(config.sinks.map((s) => [s.name, s]));
  return names.map((n) => {
    const s = byName.get(n);
    if (!s) throw new RuntimeConfigError(`unknown sink ${n} (known: ${[...byName.keys()].join(", ")})`, { context: { sink: n } });
    return s;
  });
}
