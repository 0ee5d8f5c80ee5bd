/**
 * The DuckDB writer's typed staging (stage-columns.ts) and its APPEND anti-join, against a real
 * embedded DuckDB: what lands in the table equals what DuckDB's own text CASTs (the earlier path)
 * make of the same cells, duplicates are skipped across batches, and values that do not fit are
 * `rejected` as a CAST would reject them.
 */
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { readSinkConfig, tableColumns, type SinkSpec } from "../../../runtime/sinks/config.js";
import { DuckdbWriter, latestPerEventId, duckdbTableDdl } from "../../../runtime/sinks/duckdb/writer.js";
import { duckdbCast, timestampMicros } from "../../../runtime/sinks/duckdb/stage-columns.js";
import { compileRowMapper, formatTimestampNs, type CellFormat, type MappedRow } from "../../../runtime/sinks/row-mapping.js";
import { isWarehouseError } from "../../../runtime/warehouse/errors.js";
import { catalog } from "../../../generated/ts/index.js";
import { deliveryCompleted, orderStatusChanged, searchPerformed } from "../../integration/fixtures/sink-events.js";

const config = readSinkConfig("generated/sinks/evt-sinks.json");
const sinkOf = (name: string) => config.sinks.find((s) => s.name === name)!;
const work = mkdtempSync(path.join(os.tmpdir(), "evt-duckdb-writer-"));

function rowsOf(sink: SinkSpec, events: readonly unknown[], ids: readonly string[], firstOffset = 0, format: CellFormat = "native"): MappedRow[] {
  const m = compileRowMapper(config, sink, catalog.find((c) => c.type === sink.eventType)!.schema, format);
  return events.map((e, i) => m.mapEvent(e as never, {
    id: ids[i]!, time: "1969-12-31T23:59:59.999999999Z", source: "t", schema: "f", topic: sink.topic, partition: 0, offset: String(firstOffset + i), ingestMs: 1_700_000_000_123,
  }));
}

async function tableText(file: string, table: string, orderBy: string): Promise<unknown[][]> {
  const inst = await DuckDBInstance.create(file);
  const c = await inst.connect();
  try {
    return (await c.runAndReadAll(`SELECT * FROM ${table} ORDER BY ${orderBy}`)).getRowsJson() as unknown[][];
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

/** The same rows through text + CAST (the writer's earlier path), into a fresh table. */
async function viaCasts(file: string, sink: SinkSpec, rows: readonly MappedRow[]): Promise<void> {
  const inst = await DuckDBInstance.create(file);
  const c = await inst.connect();
  try {
    for (const s of duckdbTableDdl(config, sink)) await c.run(s);
    const cols = tableColumns(config, sink);
    const text = (v: unknown) => (v === null ? null : typeof v === "boolean" ? String(v) : String(v));
    for (const r of rows) {
      await c.run(`INSERT INTO ${sink.table.split(".").map((x) => `"${x}"`).join(".")} SELECT ${cols.map((col, i) => duckdbCast(col.kind, col.duckdbType, `$${i + 1}::VARCHAR`)).join(", ")}`, r.cells.map(text) as never);
    }
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

describe("DuckDB writer: typed staging", () => {
  it("converts the mapper's timestamp text to microseconds exactly as DuckDB's CAST does, over Timestamp's whole range", async () => {
    const inst = await DuckDBInstance.create(":memory:");
    const c = await inst.connect();
    const texts = [
      "0001-01-01 00:00:00.000000000", "9999-12-31 23:59:59.999999999", "1969-12-31 23:59:59.999999999", "1970-01-01 00:00:00.000000001",
      "2024-02-29 12:34:56.123456789", "1900-03-01 00:00:00.5", "0099-12-31 23:59:59.999999000", formatTimestampNs(-1n),
    ];
    for (const t of texts) {
      const r = await c.runAndReadAll(`SELECT epoch_us(CAST(? AS TIMESTAMP)) AS us`, [t]);
      expect(timestampMicros(t), t).toBe(BigInt(r.getRowObjectsJS()[0]!.us as bigint));
    }
    c.closeSync();
    inst.closeSync();
  });

  it("writes every column kind, from native or text cells, as the text CASTs would (SearchPerformed: uint64, JSON, LISTs, TIMESTAMP, HUGEINT; DeliveryCompleted: BLOB, oneof)", async () => {
    for (const [name, events, order] of [
      ["CLICKSTREAM.SEARCH_PERFORMED", [0, 1, 2, 3].map(searchPerformed), '"EVT_OFFSET"'],
      ["DELIVERIES.DELIVERY_COMPLETED", [2, 3].map(deliveryCompleted), '"EVT_OFFSET"'],
    ] as const) {
      const sink = sinkOf(name);
      const ids = events.map((_, i) => `0190e0f0-0000-7000-8000-00000000000${i}`);
      const text = rowsOf(sink, events, ids, 0, "text");
      const cast = path.join(work, `cast-${sink.name}.duckdb`);
      await viaCasts(cast, sink, text);
      const expected = await tableText(cast, sink.table, order);
      expect(expected).toHaveLength(events.length);
      for (const format of ["native", "text"] as const) {
        const typed = path.join(work, `typed-${format}-${sink.name}.duckdb`);
        const w = new DuckdbWriter({ path: typed });
        await w.ensureTables(config, [sink]);
        const rows = rowsOf(sink, events, ids, 0, format);
        expect((await w.writeBatch(sink, rows, [{ topic: sink.topic, partition: 0, offset: String(rows.length - 1) }])).written).toBe(rows.length);
        await w.close();
        expect(await tableText(typed, sink.table, order), format).toEqual(expected);
      }
    }
  });

  it("APPEND skips event ids the table holds, within a batch and across batches (also outside the new batch's id range)", async () => {
    const sink = sinkOf("CLICKSTREAM.SEARCH_PERFORMED");
    const w = new DuckdbWriter({ path: path.join(work, "append.duckdb") });
    await w.ensureTables(config, [sink]);
    const ids = Array.from({ length: 6 }, (_, i) => `0190e0f0-0000-7000-8000-00000000001${i}`);
    const first = rowsOf(sink, [0, 1, 2].map(searchPerformed), ids.slice(0, 3));
    const hw = (o: number) => [{ topic: sink.topic, partition: 0, offset: String(o) }];
    expect((await w.writeBatch(sink, first, hw(2))).written).toBe(3);
    expect((await w.writeBatch(sink, first, hw(2))).written).toBe(0); // a replay adds nothing
    // ids 1 (inside) and 0 (the range's edge) again, plus new ones, one of them twice in the batch
    const second = rowsOf(sink, [1, 0, 3, 4, 4].map(searchPerformed), [ids[1]!, ids[0]!, ids[3]!, ids[4]!, ids[4]!], 3);
    expect((await w.writeBatch(sink, second, hw(7))).written).toBe(2);
    expect(await w.readHighWater(sink)).toEqual(new Map([[0, 7n]]));
    await w.close();
    const stored = await tableText(path.join(work, "append.duckdb"), sink.table, '"EVT_EVENT_ID"');
    expect(stored.map((r) => r[0])).toEqual([ids[0], ids[1], ids[2], ids[3], ids[4]]);
    // of the two rows of ids[4] in one batch (offsets 6 and 7), the latest is the one kept
    const offsets = await tableText(path.join(work, "append.duckdb"), `(SELECT "EVT_EVENT_ID", "EVT_OFFSET" FROM ${sink.table})`, '"EVT_EVENT_ID"');
    expect(offsets.find((r) => r[0] === ids[4])?.[1]).toBe("7");
  });

  it("latestPerEventId keeps one row per event id, from the highest partition then offset, in arrival order", () => {
    const sink = sinkOf("CLICKSTREAM.SEARCH_PERFORMED");
    const row = (id: string, partition: number, offset: number): MappedRow => ({ ...rowsOf(sink, [searchPerformed(0)], [id])[0]!, partition, offset: String(offset) });
    const unique = [row("a", 0, 1), row("b", 0, 2)];
    expect(latestPerEventId(unique)).toBe(unique); // nothing to drop: the batch itself
    const batch = [row("a", 1, 5), row("b", 0, 2), row("a", 0, 9), row("c", 0, 3), row("b", 0, 10), row("a", 1, 4)];
    expect(latestPerEventId(batch).map((r) => [r.eventId, r.partition, r.offset])).toEqual([["a", 1, "5"], ["c", 0, "3"], ["b", 0, "10"]]);
  });

  it("UPSERT keeps the latest offset per key", async () => {
    const sink = sinkOf("ORDERS.ORDER_STATUS_LATEST");
    const w = new DuckdbWriter({ path: path.join(work, "upsert.duckdb") });
    await w.ensureTables(config, [sink]);
    const rows = rowsOf(sink, [1, 2, 3].map((v) => orderStatusChanged(0, v)), ["a", "b", "c"]);
    expect((await w.writeBatch(sink, rows, [{ topic: sink.topic, partition: 0, offset: "2" }])).written).toBe(1);
    expect((await w.writeBatch(sink, rows.slice(0, 1), [{ topic: sink.topic, partition: 0, offset: "2" }])).written).toBe(0);
    await w.close();
    const stored = await tableText(path.join(work, "upsert.duckdb"), sink.table, '"ORDER_ID"');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toContain("c");
  });

  it("a value that does not fit its typed column is rejected (the sink splits the batch and dead-letters the row), and nothing of the batch stays", async () => {
    const sink = sinkOf("CLICKSTREAM.SEARCH_PERFORMED");
    const w = new DuckdbWriter({ path: path.join(work, "reject.duckdb") });
    await w.ensureTables(config, [sink]);
    const rows = rowsOf(sink, [0, 1].map(searchPerformed), ["x0", "x1"], 0, "text");
    const names = tableColumns(config, sink).map((c) => c.name);
    const bad = { ...rows[1]!, cells: rows[1]!.cells.map((c, i) => (names[i] === "PAGE_NUMBER" ? "2147483648" : c)) };
    const e = await w.writeBatch(sink, [rows[0]!, bad], []).catch((x: unknown) => x);
    expect(isWarehouseError(e) && e.kind).toBe("rejected");
    expect((await w.writeBatch(sink, rows.slice(0, 1), [])).written).toBe(1);
    await w.close();
    expect(await tableText(path.join(work, "reject.duckdb"), sink.table, '"EVT_EVENT_ID"')).toHaveLength(1);
  });
});
