/**
 * The anchors of the DuckDB sink bench: the fastest ways @duckdb/node-api offers to bulk-load
 * rows that are already in memory, into the final table (no staging, no MERGE, no offsets), in
 * batches of the same size as the sink's. The rows' values are converted to the driver's native
 * JS types before the clock starts, so the anchors measure the driver alone:
 *
 *   appender   one typed append call per value (appendVarchar, appendUBigInt, appendTimestamp, …;
 *              LISTs as their JSON text, which the appender casts: appendList is 7x slower)
 *   datachunk  columnar: a DuckDBDataChunk (≤ 2,048 rows) filled column by column, appendDataChunk
 *   cast       the previous anchor: every value appended as VARCHAR into a TEMP stage, then one
 *              INSERT … SELECT with CASTs per batch (kept to compare with earlier figures)
 */
import type { DuckDBAppender, DuckDBType, DuckDBValue } from "@duckdb/node-api";
import type { ColumnKind, SinkConfig, SinkSpec } from "../../runtime/sinks/config.js";
import { tableColumns } from "../../runtime/sinks/config.js";
import { duckdbTableDdl } from "../../runtime/sinks/duckdb/writer.js";
import { duckdbCast } from "../../runtime/sinks/duckdb/stage-columns.js";
import type { Cell, MappedRow } from "../../runtime/sinks/row-mapping.js";
import { closeDuckdb, execDuckdb, openDuckdb } from "../../runtime/warehouse/duckdb.js";

const api = await import("@duckdb/node-api");

/** "YYYY-MM-DD HH:MM:SS.fffffffff" (UTC) → epoch microseconds, fraction truncated as DuckDB's text cast does. */
function textMicros(t: string): bigint {
  const ms = Date.UTC(Number(t.slice(0, 4)), Number(t.slice(5, 7)) - 1, Number(t.slice(8, 10)), Number(t.slice(11, 13)), Number(t.slice(14, 16)), Number(t.slice(17, 19)));
  return BigInt(ms) * 1000n + BigInt((t.slice(20, 26) || "0").padEnd(6, "0"));
}

interface Column {
  readonly type: string;
  /** Neutral cell → the value the typed append call takes. */
  readonly native: (c: Exclude<Cell, null>) => unknown;
  readonly append: (a: DuckDBAppender, v: unknown) => void;
  /** Native value → the DuckDBValue a data chunk takes. */
  readonly chunk: (v: unknown) => DuckDBValue;
}

function columnFor(type: string): Column {
  const same = (v: unknown) => v as DuckDBValue;
  switch (type) {
    case "VARCHAR": case "JSON": return { type, native: String, append: (a, v) => a.appendVarchar(v as string), chunk: same };
    case "BOOLEAN": return { type, native: Boolean, append: (a, v) => a.appendBoolean(v as boolean), chunk: same };
    case "INTEGER": return { type, native: Number, append: (a, v) => a.appendInteger(v as number), chunk: same };
    case "UINTEGER": return { type, native: Number, append: (a, v) => a.appendUInteger(v as number), chunk: same };
    case "BIGINT": return { type, native: (c) => BigInt(c as string), append: (a, v) => a.appendBigInt(v as bigint), chunk: same };
    case "UBIGINT": return { type, native: (c) => BigInt(c as string), append: (a, v) => a.appendUBigInt(v as bigint), chunk: same };
    case "HUGEINT": return { type, native: (c) => BigInt(c as string), append: (a, v) => a.appendHugeInt(v as bigint), chunk: same };
    case "FLOAT": return { type, native: Number, append: (a, v) => a.appendFloat(v as number), chunk: same };
    case "DOUBLE": return { type, native: Number, append: (a, v) => a.appendDouble(v as number), chunk: same };
    case "TIMESTAMP": return {
      type, native: (c) => new api.DuckDBTimestampValue(textMicros(String(c))), append: (a, v) => a.appendTimestamp(v as never), chunk: same,
    };
    case "BLOB": return { type, native: (c) => Buffer.from(String(c), "hex"), append: (a, v) => a.appendBlob(v as Uint8Array), chunk: (v) => new api.DuckDBBlobValue(v as Uint8Array) };
    case "VARCHAR[]": case "FLOAT[]": case "DOUBLE[]": case "BIGINT[]": {
      const element = type.slice(0, -2);
      const listType = api.LIST(element === "VARCHAR" ? api.VARCHAR : element === "FLOAT" ? api.FLOAT : element === "DOUBLE" ? api.DOUBLE : api.BIGINT);
      const item = element === "BIGINT" ? (x: unknown) => BigInt(x as string) : (x: unknown) => x;
      // appendList builds a DuckDB value per list through N-API (~30 µs each, measured); the
      // appender's own VARCHAR → LIST cast of the JSON text is ~4 µs, so that is the fast way
      void listType;
      return {
        type,
        native: String,
        append: (a, v) => a.appendVarchar(v as string),
        chunk: (v) => api.listValue((JSON.parse(v as string) as unknown[]).map(item) as DuckDBValue[]),
      };
    }
    default: throw new Error(`bench anchor: no typed append for ${type}`);
  }
}

async function freshTable(file: string, config: SinkConfig, sink: SinkSpec) {
  const h = await openDuckdb(file);
  for (const s of duckdbTableDdl(config, sink)) await execDuckdb(h, s);
  return h;
}

const TARGET = { table: "SEARCH_PERFORMED", schema: "CLICKSTREAM" };

/** Typed appender, one call per value, a fresh appender per batch (flushed and closed: the batch is in the table). */
export async function directAppender(file: string, config: SinkConfig, sink: SinkSpec, rows: readonly MappedRow[], batch: number): Promise<number> {
  const cols = tableColumns(config, sink).map((c) => columnFor(c.duckdbType));
  const values = rows.map((r) => r.cells.map((c, i) => (c === null ? null : cols[i]!.native(c))));
  const h = await freshTable(file, config, sink);
  const started = performance.now();
  for (let i = 0; i < values.length; i += batch) {
    const app = await h.conn.createAppender(TARGET.table, TARGET.schema);
    const end = Math.min(values.length, i + batch);
    for (let r = i; r < end; r++) {
      const row = values[r]!;
      for (let c = 0; c < row.length; c++) {
        const v = row[c];
        if (v === null) app.appendNull();
        else cols[c]!.append(app, v);
      }
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
  }
  const rate = values.length / ((performance.now() - started) / 1000);
  closeDuckdb(h);
  return rate;
}

/** Columnar: per batch, data chunks of ≤ 2,048 rows filled column by column and appended whole. */
export async function directDataChunk(file: string, config: SinkConfig, sink: SinkSpec, rows: readonly MappedRow[], batch: number): Promise<number> {
  const cols = tableColumns(config, sink).map((c) => columnFor(c.duckdbType));
  const values = rows.map((r) => r.cells.map((c, i) => (c === null ? null : cols[i]!.chunk(cols[i]!.native(c)))));
  const h = await freshTable(file, config, sink);
  const probe = await h.conn.createAppender(TARGET.table, TARGET.schema);
  const types: DuckDBType[] = Array.from({ length: probe.columnCount }, (_, i) => probe.columnType(i));
  probe.closeSync();
  const started = performance.now();
  for (let i = 0; i < values.length; i += batch) {
    const app = await h.conn.createAppender(TARGET.table, TARGET.schema);
    const end = Math.min(values.length, i + batch);
    for (let s = i; s < end; s += 2048) {
      const slice = values.slice(s, Math.min(end, s + 2048));
      const chunk = api.DuckDBDataChunk.create(types, slice.length);
      for (let c = 0; c < types.length; c++) chunk.setColumnValues(c, slice.map((row) => row[c]!));
      app.appendDataChunk(chunk);
    }
    app.flushSync();
    app.closeSync();
  }
  const rate = values.length / ((performance.now() - started) / 1000);
  closeDuckdb(h);
  return rate;
}

/** The earlier anchor: text into a VARCHAR TEMP stage, then INSERT … SELECT with CASTs into the table. */
export async function directCastInsert(file: string, config: SinkConfig, sink: SinkSpec, rows: readonly MappedRow[], batch: number): Promise<number> {
  const h = await freshTable(file, config, sink);
  const cols = tableColumns(config, sink);
  await execDuckdb(h, `CREATE TEMP TABLE stage (${cols.map((c) => `"${c.name}" VARCHAR`).join(", ")})`);
  const cast = (kind: ColumnKind, t: string, e: string) => duckdbCast(kind, t, e);
  const started = performance.now();
  for (let i = 0; i < rows.length; i += batch) {
    const app = await h.conn.createAppender("stage", "main", "temp");
    for (const r of rows.slice(i, i + batch)) {
      for (const c of r.cells) c === null ? app.appendNull() : app.appendVarchar(typeof c === "string" ? c : String(c));
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
    await execDuckdb(h, `INSERT INTO "CLICKSTREAM"."SEARCH_PERFORMED" SELECT ${cols.map((c) => cast(c.kind, c.duckdbType, `"${c.name}"`)).join(", ")} FROM temp.main.stage`);
    await execDuckdb(h, "DELETE FROM temp.main.stage");
  }
  const rate = rows.length / ((performance.now() - started) / 1000);
  closeDuckdb(h);
  return rate;
}
