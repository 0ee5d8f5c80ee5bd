import { toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { readSinkConfig, type SinkSpec } from "../../../runtime/sinks/config.js";
import { startSinks, type SinkRunner } from "../../../runtime/sinks/sink.js";
import { DLQ } from "../../../runtime/kafka/headers.js";
import { jsonLogger } from "../../../runtime/log.js";
import { catalog } from "../../../generated/ts/index.js";
import { orderStatusChanged, searchPerformed } from "../../integration/fixtures/sink-events.js";
import { MemWriter, memKafka, type MemKafka } from "./fakes.js";

const config = readSinkConfig("generated/sinks/evt-sinks.json");
const search = config.sinks.find((s) => s.name === "CLICKSTREAM.SEARCH_PERFORMED")!;
const latest = config.sinks.find((s) => s.name === "ORDERS.ORDER_STATUS_LATEST")!;
const schemaOf = (s: SinkSpec): DescMessage => catalog.find((c) => c.type === s.eventType)!.schema;
const quiet = jsonLogger({ level: "silent" });

function produce(k: MemKafka, sink: SinkSpec, partition: number, event: Message, id: string): void {
  k.append(sink.topic, partition, {
    key: null,
    value: Buffer.from(toBinary(schemaOf(sink), event as never)),
    headers: { ce_id: id, ce_type: sink.eventType, ce_time: "2024-05-06T07:08:09.5Z", ce_source: "test" },
  });
}

async function until(pred: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const rowsOf = (w: MemWriter, s: SinkSpec) => w.tables.get(s.table)?.size ?? 0;
let runner: SinkRunner | undefined;
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

function start(k: MemKafka, w: MemWriter, sinks: SinkSpec[], batch = { maxRows: 10, maxMs: 20 }) {
  return startSinks({ config, sinks, contracts: catalog, writer: w, client: k, logger: quiet, batch, retry: { initialBackoffMs: 1, maxBackoffMs: 5 } });
}

describe("sink runner (in-memory Kafka and warehouse)", () => {
  it("writes N events as N rows in batches bounded by maxRows, then commits Kafka offsets after the warehouse", async () => {
    const k = memKafka({ [search.topic]: 2 });
    for (let i = 0; i < 35; i++) produce(k, search, i % 2, searchPerformed(i), `id-${i}`);
    const w = new MemWriter();
    runner = await start(k, w, [search]);
    await until(() => rowsOf(w, search) === 35, "35 rows");
    expect(w.calls.every((c) => c.rows <= 10)).toBe(true);
    expect(w.calls.length).toBeGreaterThanOrEqual(4);
    const hw = await w.readHighWater(search);
    expect([hw.get(0), hw.get(1)]).toEqual([17n, 16n]);
    await until(() => k.committed.get(`${search.topic}/0`) === "18", "kafka commit follows the warehouse");
  });

  it("resumes from the warehouse high-water, not the consumer group: a restart with lost group offsets adds no row", async () => {
    const k = memKafka({ [search.topic]: 1 });
    for (let i = 0; i < 12; i++) produce(k, search, 0, searchPerformed(i), `id-${i}`);
    const w = new MemWriter();
    runner = await start(k, w, [search]);
    await until(() => rowsOf(w, search) === 12, "12 rows");
    await runner.stop();
    k.committed.clear(); // the group forgot everything
    const writesBefore = w.calls.length;
    for (let i = 12; i < 15; i++) produce(k, search, 0, searchPerformed(i), `id-${i}`);
    runner = await start(k, w, [search]);
    await until(() => rowsOf(w, search) === 15, "15 rows");
    expect(k.seeks).toContainEqual({ partition: 0, offset: "12" });
    // only the 3 new records were written after the restart
    expect(w.calls.slice(writesBefore).reduce((n, c) => n + c.rows, 0)).toBe(3);
  });

  it("de-duplicates producer retries on ce_id (APPEND) and keeps the latest record per key (UPSERT)", async () => {
    const k = memKafka({ [search.topic]: 1, [latest.topic]: 1 });
    produce(k, search, 0, searchPerformed(1), "dup");
    produce(k, search, 0, searchPerformed(1), "dup");
    for (let v = 1; v <= 5; v++) for (let o = 0; o < 3; o++) produce(k, latest, 0, orderStatusChanged(o, v), `o${o}-v${v}`);
    const w = new MemWriter();
    runner = await start(k, w, [search, latest]);
    await until(() => (w.highWater.get(`${latest.table}|0`) ?? -1n) === 14n && rowsOf(w, search) === 1, "both sinks caught up");
    expect(rowsOf(w, search)).toBe(1);
    const table = w.tables.get(latest.table)!;
    expect(table.size).toBe(3);
    const versionIdx = [...config.metadataColumns, ...latest.columns].findIndex((c) => c.name === "STATUS_VERSION");
    expect([...table.values()].map((r) => r.cells[versionIdx])).toEqual(["5", "5", "5"]);
  });

  it("retries transient warehouse failures with a new attempt and loses nothing", async () => {
    const k = memKafka({ [search.topic]: 1 });
    for (let i = 0; i < 8; i++) produce(k, search, 0, searchPerformed(i), `id-${i}`);
    const w = new MemWriter();
    w.transientFailures = 4;
    runner = await start(k, w, [search]);
    await until(() => rowsOf(w, search) === 8, "8 rows after the outage");
    expect(runner.stats()[0]!.retries).toBeGreaterThanOrEqual(4);
  });

  it("dead-letters a row the warehouse rejects (found by splitting the batch) and writes the others; the high-water covers it", async () => {
    const k = memKafka({ [search.topic]: 1 });
    for (let i = 0; i < 9; i++) produce(k, search, 0, searchPerformed(i), `id-${i}`);
    const w = new MemWriter();
    w.rejectIf = (row) => row.eventId === "id-5";
    runner = await start(k, w, [search]);
    await until(() => (w.highWater.get(`${search.table}|0`) ?? -1n) === 8n, "high-water past the bad row");
    expect(rowsOf(w, search)).toBe(8);
    const dlq = k.logs.get(search.dlqTopic)!.flat();
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.headers.ce_id).toBe("id-5");
    expect(String(dlq[0]!.headers[DLQ.error])).toMatch(/not recognized/);
    expect(dlq[0]!.headers[DLQ.offset]).toBe("5");
  });

  it("dead-letters undecodable and foreign records without calling the warehouse for them", async () => {
    const k = memKafka({ [search.topic]: 1 });
    produce(k, search, 0, searchPerformed(1), "good");
    k.append(search.topic, 0, { key: null, value: Buffer.from([0xff, 0xff]), headers: { ce_id: "bad", ce_type: search.eventType } });
    k.append(search.topic, 0, { key: null, value: Buffer.alloc(0), headers: { ce_id: "other", ce_type: "x.v1.Other" } });
    const w = new MemWriter();
    runner = await start(k, w, [search]);
    await until(() => (w.highWater.get(`${search.table}|0`) ?? -1n) === 2n, "high-water 2");
    expect(rowsOf(w, search)).toBe(1);
    const reasons = k.logs.get(search.dlqTopic)!.flat().map((r) => String(r.headers[DLQ.error]));
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/not a valid clickstream.v1.SearchPerformed/);
    expect(reasons[1]).toMatch(/ce_type x.v1.Other/);
  });

  it("flushes the in-flight batch on stop", async () => {
    const k = memKafka({ [search.topic]: 1 });
    for (let i = 0; i < 3; i++) produce(k, search, 0, searchPerformed(i), `id-${i}`);
    const w = new MemWriter();
    runner = await start(k, w, [search], { maxRows: 1000, maxMs: 60_000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(rowsOf(w, search)).toBe(0); // neither bound reached
    await runner.stop();
    runner = undefined;
    expect(rowsOf(w, search)).toBe(3);
  });
});
