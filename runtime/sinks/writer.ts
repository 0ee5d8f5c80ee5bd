/**
 * The one interface every warehouse target implements (Snowflake, DuckDB). The sink drives it in
 * this order: connect → ensureTables → readHighWater (per assigned partition) → writeBatch … →
 * close. `writeBatch` is atomic: the rows and the per-partition high-water offsets commit in one
 * transaction or not at all, so the warehouse alone says how far a sink got.
 */
import type { SinkConfig, SinkSpec } from "./config.js";
import type { CellFormat, MappedRow } from "./row-mapping.js";

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** Highest offset covered by the batch (rows written, or records dead-lettered). */
  readonly offset: string;
}

export interface WriteResult {
  /** Rows inserted or updated in the target (duplicates of already-written events count 0). */
  readonly written: number;
}

export interface WarehouseWriter {
  readonly target: "snowflake" | "duckdb";
  /** The cells writeBatch takes (row-mapping.ts); default `text`. */
  readonly cellFormat?: CellFormat;
  /** Opens the session; idempotent, and the way to recover after a transient error. */
  connect(): Promise<void>;
  /** Creates what the sink itself owns (offsets table, staging) and checks/creates the targets. */
  ensureTables(config: SinkConfig, sinks: readonly SinkSpec[]): Promise<void>;
  /** MERGEs `rows` (de-duplicated) into the sink's table and raises its high-water offsets, in one transaction. */
  writeBatch(sink: SinkSpec, rows: readonly MappedRow[], offsets: readonly PartitionOffset[]): Promise<WriteResult>;
  /** High-water offset per partition of `topic` for the sink's table (absent: nothing written yet). */
  readHighWater(sink: SinkSpec): Promise<Map<number, bigint>>;
  /** Newest event time and ingest time in the sink's table, and the largest ingest − event delay of rows ingested since `sinceMs` (ms; null when none). */
  newestRows?(sink: SinkSpec, columns: FreshnessColumns, sinceMs: number): Promise<NewestRows>;
  close(): Promise<void>;
}

/** The metadata columns holding `ce_time` and the ingest time. */
export interface FreshnessColumns {
  readonly eventTime: string;
  readonly ingestTime: string;
}

export interface NewestRows {
  readonly newestEventMs: number | null;
  readonly newestIngestMs: number | null;
  readonly maxDelayMsSince: number | null;
}

/** Default schema of the sink's own tables (offsets) and of the migration history. */
export const CONTROL_SCHEMA = "EVT";
export const OFFSETS_TABLE = "EVT_SINK_OFFSETS";

/** `SCHEMA.TABLE` → [schema, table]. */
export function splitTable(table: string): [string, string] {
  const i = table.indexOf(".");
  return [table.slice(0, i), table.slice(i + 1)];
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
