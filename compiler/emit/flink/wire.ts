/**
 * evt's wire format (DESIGN "On the wire") in Flink SQL: the CloudEvents header names and the
 * conversions between protobuf Timestamps and Flink time values. The names mirror
 * runtime/kafka/headers.ts (the compiler may not import the runtime; a unit test keeps them equal).
 */
import { quoteIdent } from "./types.js";

export const WIRE_HEADERS = {
  specversion: "ce_specversion",
  id: "ce_id",
  source: "ce_source",
  type: "ce_type",
  time: "ce_time",
  contentType: "content-type",
  schema: "evt_schema",
} as const;

export const WIRE_SPEC_VERSION = "1.0";
export const WIRE_CONTENT_TYPE = "application/protobuf";

/** A Flink SQL string literal. */
export function flinkString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Backquoted path `a`.`b` of a field path. */
export function fieldRef(path: readonly string[]): string {
  return path.map(quoteIdent).join(".");
}

// Flink SQL's DATE_FORMAT/UNIX_TIMESTAMP read and write in the session time zone: every evt
// script sets 'table.local-time-zone' = 'UTC' (SESSION_TIME_ZONE), so these are exact in UTC.
export const SESSION_TIME_ZONE = "UTC";
const RFC3339_MS = "yyyy-MM-dd''T''HH:mm:ss.SSSX";

/** ce_time (RFC 3339, as evt's producer writes it) → TIMESTAMP_LTZ(3). */
export function headerTimeExpr(headers: string): string {
  return `TO_TIMESTAMP_LTZ(DECODE(${headers}[${flinkString(WIRE_HEADERS.time)}], 'UTF-8'), '${RFC3339_MS}')`;
}

/** ROW<seconds, nanos> of a Timestamp field → TIMESTAMP_LTZ(3) (millisecond precision: Flink's watermarks are ms). */
export function timestampRowToLtz(ref: string): string {
  return `TO_TIMESTAMP_LTZ(${ref}.\`seconds\` * 1000 + ${ref}.\`nanos\` / 1000000, 3)`;
}

/**
 * TIMESTAMP(p) or TIMESTAMP_LTZ(p) → the ROW<seconds, nanos> a Timestamp field is written as (ms
 * precision). Arithmetic on EXTRACT, not text: the earlier DATE_FORMAT → UNIX_TIMESTAMP round trip
 * formatted and re-parsed every value (bench/flink, D94). Flink's EXTRACT(EPOCH) truncates toward
 * zero and EXTRACT(MILLISECOND) carries the sign before 1970, so a negative millisecond moves one
 * second down: Timestamp's seconds are floored and its nanos never negative (checked on a
 * MiniCluster against the text form, 1969 values included).
 */
export function timeToTimestampRow(expr: string): string {
  const ms = `EXTRACT(MILLISECOND FROM ${expr})`;
  return `ROW(EXTRACT(EPOCH FROM ${expr}) - CASE WHEN ${ms} < 0 THEN 1 ELSE 0 END, CAST(MOD(${ms} + 1000, 1000) AS INT) * 1000000)`;
}

/** TIMESTAMP(p) or TIMESTAMP_LTZ(p) → RFC 3339 UTC text with milliseconds, for ce_time. */
export function timeToRfc3339(expr: string): string {
  return `DATE_FORMAT(${expr}, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''')`;
}

/**
 * A deterministic ce_id from the values of some columns: the MD5 of their text laid out as an
 * RFC 9562 version-8 (custom) UUID, so the same input (key + window bounds) always yields the same
 * id and a replay cannot duplicate downstream (sinks de-duplicate on ce_id).
 */
export function deterministicIdExpr(columns: readonly string[]): string {
  const parts = columns.map((c) => `COALESCE(CAST(${c} AS STRING), '')`).join(", ");
  const h = `MD5(CONCAT_WS('|', ${parts}))`;
  return `CONCAT(SUBSTRING(${h}, 1, 8), '-', SUBSTRING(${h}, 9, 4), '-8', SUBSTRING(${h}, 14, 3), '-a', SUBSTRING(${h}, 18, 3), '-', SUBSTRING(${h}, 21, 12))`;
}
