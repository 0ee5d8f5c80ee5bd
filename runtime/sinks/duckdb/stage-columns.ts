/**
 * How each column of a sink table travels through the DuckDB staging table: typed where the
 * appender has a native call for the table's type (the value is converted once in JS and DuckDB
 * parses nothing), as VARCHAR + a CAST in the INSERT … SELECT otherwise (JSON, LISTs, DECIMAL
 * overrides: DuckDB's own parser keeps their exact semantics and validation).
 *
 * Typed conversions are exact and refuse what does not fit, with DuckDB's own "Conversion Error"
 * wording so the error taxonomy classifies it `rejected` (the batch is split, the row
 * dead-lettered) as the text CAST would have been.
 */
import type { DuckDBAppender } from "@duckdb/node-api";
import type { ColumnKind } from "../config.js";
import type { Cell } from "../row-mapping.js";
import { quoteIdent as q } from "../writer.js";

export interface StageColumn {
  readonly name: string;
  /** Type of the staging column: the table's own when appended natively, else VARCHAR. */
  readonly stageType: string;
  /** Expression turning the staged column into the table's type. */
  readonly select: string;
  /** Appends one non-NULL cell. */
  readonly append: (a: DuckDBAppender, cell: Exclude<Cell, null>) => void;
}

/** Text cell → column type (the VARCHAR path). */
export function duckdbCast(kind: ColumnKind, duckdbType: string, expr: string): string {
  switch (kind) {
    case "varchar": case "enum_name": case "oneof_case": return expr;
    case "binary": return `unhex(${expr})`;
    case "variant": return `CAST(${expr} AS JSON)`;
    case "array": return `CAST(CAST(${expr} AS JSON) AS ${duckdbType})`;
    default: return `CAST(${expr} AS ${duckdbType})`;
  }
}

function textOf(cell: Exclude<Cell, null>): string {
  if (typeof cell === "string") return cell;
  if (typeof cell === "boolean") return cell ? "true" : "false";
  if (cell instanceof Uint8Array) return Buffer.from(cell.buffer, cell.byteOffset, cell.byteLength).toString("hex");
  return String(cell); // NaN, Infinity, -Infinity cast back exactly; finite numbers round-trip
}

function conversionError(value: unknown, type: string): Error {
  return new Error(`Conversion Error: value ${String(value)} does not fit ${type}`);
}

function int32(lo: number, hi: number, type: string): (cell: Exclude<Cell, null>) => number {
  return (cell) => {
    const n = Number(cell);
    if (!Number.isInteger(n) || n < lo || n > hi) throw conversionError(cell, type);
    return n;
  };
}

function int64(bits: number, signed: boolean, type: string): (cell: Exclude<Cell, null>) => bigint {
  return (cell) => {
    let v: bigint;
    try {
      v = BigInt(cell as string | number | bigint);
    } catch {
      throw conversionError(cell, type);
    }
    if ((signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v)) !== v) throw conversionError(cell, type);
    return v;
  };
}

// days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): years 1–9999
// without Date's two-digit-year quirk
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const TS_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * The mapper's "YYYY-MM-DD HH:MM:SS.fffffffff" (UTC) → a DuckDB TIMESTAMP (epoch microseconds),
 * digits beyond the microsecond dropped as DuckDB's text cast drops them.
 */
export function timestampMicros(text: string): bigint {
  const m = TS_TEXT.exec(text);
  if (!m) throw conversionError(text, "TIMESTAMP");
  const days = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
  const seconds = days * 86_400 + Number(m[4]) * 3_600 + Number(m[5]) * 60 + Number(m[6]);
  const micros = m[7] === undefined ? 0 : Number(m[7].slice(0, 6).padEnd(6, "0"));
  return BigInt(seconds) * 1_000_000n + BigInt(micros);
}

/** Native cell (epoch nanoseconds) → microseconds, rounded down like the text path's dropped digits. */
function floorMicros(ns: bigint): bigint {
  return ns >= 0n ? ns / 1000n : -((-ns + 999n) / 1000n);
}

type Append = StageColumn["append"];

/** The native append of `duckdbType` for a cell of `kind`, or undefined (→ VARCHAR + CAST). */
function nativeAppend(kind: ColumnKind, duckdbType: string, timestamp: (micros: bigint) => unknown): Append | undefined {
  const type = duckdbType.toUpperCase();
  if (kind === "varchar" || kind === "enum_name" || kind === "oneof_case") {
    return type === "VARCHAR" ? (a, c) => a.appendVarchar(textOf(c)) : undefined;
  }
  if (kind === "boolean" && type === "BOOLEAN") return (a, c) => a.appendBoolean(c === true || c === "true");
  if (kind === "float" && (type === "FLOAT" || type === "DOUBLE")) {
    return type === "FLOAT" ? (a, c) => a.appendFloat(Number(c)) : (a, c) => a.appendDouble(Number(c));
  }
  if (kind === "timestamp" && type === "TIMESTAMP") {
    return (a, c) => a.appendTimestamp(timestamp(typeof c === "bigint" ? floorMicros(c) : timestampMicros(textOf(c))) as never);
  }
  if (kind === "binary" && type === "BLOB") return (a, c) => a.appendBlob(c instanceof Uint8Array ? c : Buffer.from(textOf(c), "hex"));
  if (kind === "number" || kind === "duration_ns") {
    switch (type) {
      case "INTEGER": { const f = int32(-2_147_483_648, 2_147_483_647, type); return (a, c) => a.appendInteger(f(c)); }
      case "UINTEGER": { const f = int32(0, 4_294_967_295, type); return (a, c) => a.appendUInteger(f(c)); }
      case "BIGINT": { const f = int64(64, true, type); return (a, c) => a.appendBigInt(f(c)); }
      case "UBIGINT": { const f = int64(64, false, type); return (a, c) => a.appendUBigInt(f(c)); }
      case "HUGEINT": { const f = int64(128, true, type); return (a, c) => a.appendHugeInt(f(c)); }
      default: return undefined;
    }
  }
  return undefined;
}

/**
 * `timestamp` builds the driver's timestamp value (DuckDBTimestampValue) from microseconds: the
 * driver is an optional peer, loaded by the caller.
 */
export function stageColumns(
  columns: readonly { name: string; kind: ColumnKind; duckdbType: string }[],
  timestamp: (micros: bigint) => unknown,
): StageColumn[] {
  return columns.map((c) => {
    const native = nativeAppend(c.kind, c.duckdbType, timestamp);
    if (native) return { name: c.name, stageType: c.duckdbType, select: q(c.name), append: native };
    return { name: c.name, stageType: "VARCHAR", select: duckdbCast(c.kind, c.duckdbType, q(c.name)), append: (a, cell) => a.appendVarchar(textOf(cell)) };
  });
}
