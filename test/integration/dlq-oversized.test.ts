/**
 * Issue 10.2 against the real broker and DuckDB: a 1.5 MB value (gzip let it into its topic) that
 * the table rejects (ORDER_ID VARCHAR(64)) must not block its partition. The dead letter goes out
 * gzip-compressed like the producer's records; when it still exceeds the DLQ topic's
 * max.message.bytes a truncated dead letter goes instead. Either way the valid records around it
 * are committed and the partition moves.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import kafkajs from "kafkajs";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { startSinks } from "../../runtime/sinks/sink.js";
import { DuckdbWriter } from "../../runtime/sinks/duckdb/writer.js";
import { jsonLogger } from "../../runtime/log.js";
import { uuidv7 } from "../../runtime/uuid7.js";
import { catalog } from "../../generated/ts/index.js";
import { OrderPlacedSchema } from "../../generated/ts/orders/v1/orders_pb.js";
import { kafkaBrokers } from "../helpers/kafka.js";
import { committedTotal, freshConfig, readAll, waitUntil } from "./fixtures/sink-setup.js";

const quiet = jsonLogger({ level: "silent" });
const work = mkdtempSync(path.join(os.tmpdir(), "evt-dlq-big-"));
const kafka = () => new kafkajs.Kafka({ brokers: kafkaBrokers(), clientId: "evt-dlq-big-test", logLevel: kafkajs.logLevel.NOTHING });
const placed = (orderId: string) => create(OrderPlacedSchema, { orderId, customerId: "c-1", storeId: 7n, placedAt: { seconds: 1n } });

async function countRows(file: string): Promise<number> {
  const inst = await DuckDBInstance.create(file);
  const c = await inst.connect();
  try {
    const r = await c.runAndReadAll('SELECT count(*)::INTEGER AS n FROM "ORDERS"."ORDER_PLACED"');
    return Number(r.getRowObjects()[0]!.n);
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

/** 3 valid, the oversized one, 3 valid, all on partition 0, gzip-compressed as the evt producer sends. */
async function scenario(bigOrderId: string, dlqMaxMessageBytes?: number) {
  const { config } = freshConfig(["ORDERS.ORDER_PLACED"]);
  const sink = config.sinks[0]!;
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      // room for the big record batch in its own topic (gzip alone may not be enough for random data)
      { topic: sink.topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: "max.message.bytes", value: "4000000" }] },
      ...(dlqMaxMessageBytes ? [{ topic: sink.dlqTopic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: "max.message.bytes", value: String(dlqMaxMessageBytes) }] }] : []),
    ],
  });
  await admin.disconnect();
  const orderIds = ["ok-1", "ok-2", "ok-3", bigOrderId, "ok-4", "ok-5", "ok-6"];
  const ids = orderIds.map(() => uuidv7());
  const producer = kafka().producer({ allowAutoTopicCreation: false, idempotent: true });
  await producer.connect();
  for (let i = 0; i < orderIds.length; i++) {
    await producer.send({
      topic: sink.topic, acks: -1, compression: kafkajs.CompressionTypes.GZIP,
      messages: [{ partition: 0, key: null, value: Buffer.from(toBinary(OrderPlacedSchema, placed(orderIds[i]!))), headers: {
        ce_specversion: "1.0", ce_id: ids[i]!, ce_source: "dlq-big-test", ce_type: sink.eventType, ce_time: "2024-05-06T07:08:09Z",
        "content-type": "application/protobuf", evt_schema: sink.fingerprint,
      } }],
    });
  }
  await producer.disconnect();

  const duckdbPath = path.join(work, `big-${randomBytes(3).toString("hex")}.duckdb`);
  const group = `evt-dlq-big-${randomBytes(3).toString("hex")}`;
  const runner = await startSinks({ config, contracts: catalog, writer: new DuckdbWriter({ path: duckdbPath }), brokers: kafkaBrokers(), groupPrefix: group, batch: { maxRows: 50, maxMs: 200 }, logger: quiet, kafka: { logLevel: "nothing" } });
  try {
    // the partition moved past the oversized record: all 7 offsets committed
    await waitUntil(async () => (await committedTotal(`${group}.${sink.table}`, sink.topic)) === orderIds.length, "the partition to move past the oversized record", 90_000);
  } finally {
    await runner.stop();
  }
  const dlq = await readAll(sink.dlqTopic);
  return { rows: await countRows(duckdbPath), dlq, ids, bigValueBytes: toBinary(OrderPlacedSchema, placed(bigOrderId)).length };
}

describe("oversized rejected record (issue 10.2)", () => {
  it("a 1.5 MB value rejected by VARCHAR(64) goes to the DLQ gzip-compressed, whole; the records around it are committed", async () => {
    const { rows, dlq, ids, bigValueBytes } = await scenario("x".repeat(1_500_000));
    expect(rows).toBe(6);
    expect(dlq).toHaveLength(1);
    const letter = dlq[0]!;
    expect(String(letter.headers!.ce_id)).toBe(ids[3]);
    expect(String(letter.headers!.evt_dlq_error)).toMatch(/too long for ORDER_ID VARCHAR\(64\)/);
    expect(String(letter.headers!.evt_dlq_offset)).toBe("3");
    expect(letter.headers!.evt_dlq_truncated).toBeUndefined();
    expect(letter.value!.length).toBe(bigValueBytes);
    expect(fromBinary(OrderPlacedSchema, letter.value!).orderId).toHaveLength(1_500_000);
  });

  it("when the dead letter still exceeds the DLQ topic's max.message.bytes, a truncated letter keeps headers, reason, origin and a value prefix", async () => {
    // random hex: gzip halves it at best, far above a 100 kB DLQ limit
    const { rows, dlq, ids, bigValueBytes } = await scenario(randomBytes(750_000).toString("hex"), 100_000);
    expect(rows).toBe(6);
    expect(dlq).toHaveLength(1);
    const h = dlq[0]!.headers!;
    expect(String(h.ce_id)).toBe(ids[3]);
    expect(String(h.ce_type)).toBe("orders.v1.OrderPlaced");
    expect(String(h.evt_dlq_error)).toMatch(/too long for ORDER_ID VARCHAR\(64\)/);
    expect(String(h.evt_dlq_topic)).toMatch(/order_placed/);
    expect([String(h.evt_dlq_partition), String(h.evt_dlq_offset)]).toEqual(["0", "3"]);
    expect(String(h.evt_dlq_truncated)).toBe(String(bigValueBytes));
    expect(dlq[0]!.value!.length).toBeGreaterThan(10_000);
    expect(dlq[0]!.value!.length).toBeLessThan(100_000);
  });
});
