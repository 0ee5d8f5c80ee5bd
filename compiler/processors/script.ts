/**
 * The Flink SQL of a processor: session settings, a source table per input, the output (sink)
 * table and the INSERT that wraps the processor's SELECT. The wrapper converts time columns to
 * protobuf Timestamps, casts to the contract's types, and writes evt's CloudEvents headers with a
 * deterministic ce_id (output.id columns), so the output is an evt event like any other.
 * One function for lint (planner), `evt flink run` (MiniCluster) and `evt flink plan` (a cluster).
 */
import type { Catalog, EventModel, FieldModel } from "../model/catalog.js";
import { javaClassName } from "../emit/java/class-names.js";
import { defaultTableName, flinkTableDdl } from "../emit/flink/table-ddl.js";
import { fieldType, isTimestampField, quoteIdent } from "../emit/flink/types.js";
import {
  deterministicIdExpr, flinkString, SESSION_TIME_ZONE, timeToRfc3339, timeToTimestampRow,
  WIRE_CONTENT_TYPE, WIRE_HEADERS, WIRE_SPEC_VERSION,
} from "../emit/flink/wire.js";
import type { ProcessorSpec } from "./spec.js";

export interface ScriptOptions {
  readonly bootstrapServers: string;
  /** Topic per contract full name, replacing the contract's (tests, staging). */
  readonly topics?: Readonly<Record<string, string>>;
  /** Prefix of the Kafka transactional ids and consumer group (default `evt-<name>`). */
  readonly idPrefix?: string;
}

export interface ProcessorScript {
  /** `SET` options of the session and job. */
  readonly settings: Readonly<Record<string, string>>;
  readonly statements: readonly string[];
  /** The processor's SELECT as written. */
  readonly query: string;
  readonly insert: string;
  /** Number of lines before the SELECT inside `insert` (error positions map back through it). */
  readonly insertPrefixLines: number;
}

export const OUTPUT_TABLE = "evt_output";

/** Top-level type names per file (protoc's Java outer-class rule needs them). */
function fileTypeNames(catalog: Catalog, file: string): string[] {
  return [...Object.values(catalog.messages), ...Object.values(catalog.enums)]
    .filter((m) => m.file === file && m.fullName === (m.package ? `${m.package}.${m.name}` : m.name))
    .map((m) => m.name);
}

export function javaClassOf(event: EventModel, catalog: Catalog): string {
  return javaClassName(event, fileTypeNames(catalog, event.file));
}

export function inputTableName(input: ProcessorSpec["inputs"][number], event: EventModel): string {
  return input.as ?? defaultTableName(event);
}

/** INTERVAL literal for milliseconds (HOUR TO SECOND: no leading-precision limit below 100 h). */
export function intervalLiteral(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `INTERVAL '${pad(h)}:${pad(m)}:${s.toFixed(3).padStart(6, "0")}' HOUR TO SECOND`;
}

/** The value the wrapper writes for an output field from the query column of the same name. */
function outputValue(field: FieldModel, catalog: Catalog, columnType: string | undefined): string {
  const col = `evt_q.${quoteIdent(field.name)}`;
  if (isTimestampField(field) && columnType && /^TIMESTAMP/.test(columnType)) return timeToTimestampRow(col);
  const t = fieldType(field, catalog);
  if (t.ok && !/^(ROW|ARRAY|MAP)/.test(t.sql)) return `CAST(${col} AS ${t.sql})`;
  return col;
}

function headersExpr(spec: ProcessorSpec, output: EventModel): string {
  const enc = (expr: string): string => `ENCODE(${expr}, 'UTF-8')`;
  const time = spec.output.time ? timeToRfc3339(`evt_q.${quoteIdent(spec.output.time)}`) : timeToRfc3339("CURRENT_TIMESTAMP");
  const pairs: [string, string][] = [
    [WIRE_HEADERS.specversion, enc(flinkString(WIRE_SPEC_VERSION))],
    [WIRE_HEADERS.id, enc(deterministicIdExpr(spec.output.id.map((c) => `evt_q.${quoteIdent(c)}`)))],
    [WIRE_HEADERS.source, enc(flinkString(`evt-flink/${spec.name}`))],
    [WIRE_HEADERS.type, enc(flinkString(output.fullName))],
    [WIRE_HEADERS.time, enc(time)],
    [WIRE_HEADERS.contentType, enc(flinkString(WIRE_CONTENT_TYPE))],
    [WIRE_HEADERS.schema, enc(flinkString(output.fingerprint))],
  ];
  return `MAP[${pairs.map(([k, v]) => `${flinkString(k)}, ${v}`).join(", ")}]`;
}

/**
 * The script. `columnTypes` (query column name → Flink type, from the planner) lets the wrapper
 * convert TIMESTAMP columns for Timestamp fields; without it the columns are taken as ROWs.
 */
export function processorScript(
  spec: ProcessorSpec,
  catalog: Catalog,
  options: ScriptOptions,
  columnTypes: ReadonlyMap<string, string> = new Map(),
): ProcessorScript {
  const byName = new Map(catalog.events.map((e) => [e.fullName, e]));
  const prefix = options.idPrefix ?? `evt-${spec.name}`;
  const statements: string[] = [];
  for (const input of spec.inputs) {
    const event = byName.get(input.contract)!;
    statements.push(flinkTableDdl(event, catalog, {
      name: inputTableName(input, event),
      topic: options.topics?.[event.fullName] ?? event.topic,
      bootstrapServers: options.bootstrapServers,
      javaClass: javaClassOf(event, catalog),
      role: "source",
      groupId: prefix,
      ...(input.watermarkDelayMs !== undefined ? { watermarkDelay: intervalLiteral(input.watermarkDelayMs) } : {}),
    }));
  }
  const output = byName.get(spec.output.contract)!;
  statements.push(flinkTableDdl(output, catalog, {
    name: OUTPUT_TABLE,
    topic: options.topics?.[output.fullName] ?? output.topic,
    bootstrapServers: options.bootstrapServers,
    javaClass: javaClassOf(output, catalog),
    role: "sink",
    ...(spec.checkpointing.mode === "EXACTLY_ONCE" ? { transactionalIdPrefix: prefix } : {}),
  }));
  const fields = output.message.fields.filter((f) => fieldType(f, catalog, new Set([output.fullName])).ok && columnTypes.has(f.name));
  const targets = [...fields.map((f) => quoteIdent(f.name)), "`headers`"];
  const values = [...fields.map((f) => outputValue(f, catalog, columnTypes.get(f.name))), headersExpr(spec, output)];
  const insertHead = `INSERT INTO ${quoteIdent(OUTPUT_TABLE)} (${targets.join(", ")})\nSELECT ${values.join(",\n  ")}\nFROM (\n`;
  return {
    settings: {
      "table.local-time-zone": SESSION_TIME_ZONE,
      "parallelism.default": String(spec.parallelism),
      "execution.checkpointing.interval": `${spec.checkpointing.intervalMs} ms`,
      "execution.checkpointing.mode": spec.checkpointing.mode,
      "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
      // a partition without traffic must not hold every window open
      "table.exec.source.idle-timeout": "5 s",
      "pipeline.name": `evt-${spec.name}`,
    },
    statements,
    query: spec.sql,
    insert: `${insertHead}${spec.sql}\n) AS evt_q`,
    insertPrefixLines: insertHead.split("\n").length - 1,
  };
}

/** The script as one file for Flink's SQL client or SQL Gateway (`evt flink plan`). */
export function renderSqlScript(spec: ProcessorSpec, script: ProcessorScript, header: string): string {
  const sets = Object.entries(script.settings).map(([k, v]) => `SET ${flinkString(k)} = ${flinkString(v)};`);
  return [header, `-- processor ${spec.name}: ${spec.description || "(no description)"}`, "", ...sets, "", ...script.statements.map((s) => `${s};\n`), `${script.insert};`, ""].join("\n");
}
