/**
 * `sinks/evt-sinks.json`: what the runtime Snowflake / DuckDB sink reads to turn a decoded event
 * into a row (format: docs/warehouse-mapping.md "Sink config"). Each column's `path` (proto field
 * names from the event message) plus `kind` is enough to compute its value from a protobuf-es
 * message through reflection; metadata columns are listed once, at the top.
 */
import type { BatchConfig } from "../../config/schema.js";
import { METADATA_COLUMNS } from "../../warehouse/mapping.js";
import type { SinkTable, WarehouseColumn } from "../../warehouse/sink-table.js";
import { jsonText } from "../json-text.js";

export { SINK_CONFIG_PATH } from "../layout.js";
export const SINK_CONFIG_VERSION = 1;

export interface SinkConfigOptions {
  readonly batch: BatchConfig;
  readonly database?: string;
}

function column(c: WarehouseColumn) {
  return {
    name: c.name,
    path: c.path,
    sqlType: c.sqlType,
    duckdbType: c.duckdbType,
    kind: c.kind,
    ...(c.elementKind ? { elementKind: c.elementKind } : {}),
    ...(c.oneof ? { oneof: c.oneof } : {}),
    nullable: c.nullable,
    ...(c.wrapper ? { wrapper: true } : {}),
    ...(c.pii !== "none" ? { pii: c.pii } : {}),
  };
}

export function emitSinkConfig(tables: readonly SinkTable[], options: SinkConfigOptions): string {
  return jsonText({
    version: SINK_CONFIG_VERSION,
    ...(options.database ? { database: options.database } : {}),
    metadataColumns: METADATA_COLUMNS.map((m) => ({
      name: m.name,
      sqlType: m.snowflake,
      duckdbType: m.duckdb,
      kind: m.kind,
      nullable: m.nullable,
      source: m.source,
    })),
    sinks: tables.map((t) => ({
      name: t.name,
      topic: t.event.topic,
      dlqTopic: `${t.event.topic}.dlq`,
      eventType: t.event.fullName,
      fingerprint: t.event.fingerprint,
      table: t.name,
      mode: t.mode,
      mergeKey: t.mergeKey,
      clusterBy: t.clusterBy,
      batch: { maxRows: options.batch.rows, maxBytes: options.batch.bytes, maxMs: options.batch.ms },
      ...(t.event.slo ? { slo: { freshnessMinutes: t.event.slo.freshnessMinutes, maxRejectRate: t.event.slo.maxRejectRate, minEventsPerHour: t.event.slo.minEventsPerHour } } : {}),
      columns: t.columns.map(column),
    })),
  });
}
