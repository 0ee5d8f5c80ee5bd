/**
 * Issue 10.5 against a real broker of this test's own (another port; the shared 19092 broker is
 * never stopped): a short outage during sends is absorbed by the producer's bounded retries; an
 * outage longer than the window fails with EventsNotSentError carrying the events' ce_ids, and a
 * resend with those ids is de-duplicated by the sink (DuckDB): every event exactly once. A service's
 * own prom-client registry gets the producers' sent / failed / retried counters with these values.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes, randomInt } from "node:crypto";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import { DuckDBInstance } from "@duckdb/node-api";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProducer } from "../../runtime/kafka/producer.js";
import { isEventsNotSentError, type EventsNotSentError } from "../../runtime/errors.js";
import type { EventContract } from "../../runtime/contract.js";
import { startSinks } from "../../runtime/sinks/sink.js";
import { DuckdbWriter } from "../../runtime/sinks/duckdb/writer.js";
import { jsonLogger } from "../../runtime/log.js";
import { RuntimeMetrics } from "../../runtime/metrics/runtime-metrics.js";
import { catalog } from "../../generated/ts/index.js";
import { OrderPlacedSchema } from "../../generated/ts/orders/v1/orders_pb.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { freshConfig } from "./fixtures/sink-setup.js";

const run = promisify(execFile);
// our own broker: an even port well away from the shared 19092 and other helpers' brokers
const port = 19_300 + 2 * randomInt(0, 45);
const brokers = [`127.0.0.1:${port}`];
const env = { ...process.env, EVT_KAFKA_PORT: String(port), EVT_KAFKA_HEAP: "384m" };
const broker = (action: "start" | "stop") => run("bash", ["scripts/kafka.sh", action], { cwd: REPO_ROOT, env, timeout: 180_000 });
const quiet = jsonLogger({ level: "silent" });
const work = mkdtempSync(path.join(os.tmpdir(), "evt-outage-"));

const { config } = freshConfig(["ORDERS.ORDER_PLACED"]);
const sink = config.sinks[0]!;
const base = catalog.find((c) => c.type === "orders.v1.OrderPlaced")! as EventContract<typeof OrderPlacedSchema>;
const contract: EventContract<typeof OrderPlacedSchema> = { ...base, topic: sink.topic, partitions: 2 };
const order = (i: number) => create(OrderPlacedSchema, { orderId: `order-${i}`, customerId: "c-1", storeId: 7n, placedAt: { seconds: 1n } });
const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => order(from + i));

beforeAll(async () => {
  await broker("start");
}, 240_000);
afterAll(async () => {
  await broker("stop").catch(() => {});
}, 120_000);

async function rowsOf(file: string): Promise<{ n: number; distinct: number; orders: number }> {
  const inst = await DuckDBInstance.create(file);
  const c = await inst.connect();
  try {
    const r = await c.runAndReadAll('SELECT count(*)::INTEGER AS n, count(DISTINCT "EVT_EVENT_ID")::INTEGER AS d, count(DISTINCT "ORDER_ID")::INTEGER AS o FROM "ORDERS"."ORDER_PLACED"');
    const row = r.getRowObjects()[0]!;
    return { n: Number(row.n), distinct: Number(row.d), orders: Number(row.o) };
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

describe("producer through broker outages (issue 10.5)", () => {
  it("retries a short outage inside its window; past the window the error carries the ce_ids and a resend with them stays exactly-once", async () => {
    const patient = createProducer({ brokers, source: "outage-test", createTopics: [contract], retry: { maxRetryTimeMs: 120_000 }, kafka: { logLevel: "nothing" } });
    const impatient = createProducer({ brokers, source: "outage-impatient", retry: { maxRetryTimeMs: 2_000 }, kafka: { logLevel: "nothing" } });
    // a service's producer whose driver does not retry a refused connection itself: every refused
    // attempt during the outage is one of the evt producer's own retries
    const service = createProducer({ brokers, source: "outage-service", retry: { maxRetryTimeMs: 120_000, initialBackoffMs: 200, maxBackoffMs: 1_000 }, kafka: { logLevel: "nothing", kafkajs: { retry: { retries: 1, initialRetryTime: 100 } } } });
    // the service registers the runtime's counters in its own registry (issue 15.1)
    const registry = new Registry();
    const serviceMetrics = new RuntimeMetrics({ registry });
    serviceMetrics.attach(impatient.instrumentation);
    serviceMetrics.attach(service.instrumentation);
    await patient.connect();
    await impatient.connect();
    await service.connect();
    let sent = 0;
    try {
      // before any outage
      const first = await patient.send(contract, batch(0, 20));
      sent += 20;

      // a short outage while sending: the send resolves once the broker is back
      expect(await service.send(contract, batch(100, 5))).toHaveLength(5);
      await broker("stop");
      const during = patient.send(contract, batch(20, 20));
      const serviceDuring = service.send(contract, batch(105, 5));
      await new Promise((r) => setTimeout(r, 3_000));
      await broker("start");
      expect(await during).toHaveLength(20);
      expect(await serviceDuring).toHaveLength(5);
      sent += 30;

      // an outage longer than the window: EventsNotSentError with every ce_id, in order
      await broker("stop");
      const events = batch(40, 20);
      const failure = await impatient.send(contract, events).then(() => undefined, (e: unknown) => e);
      expect(isEventsNotSentError(failure)).toBe(true);
      const notSent = failure as EventsNotSentError;
      expect(notSent.retriable).toBe(true);
      expect(notSent.ids).toHaveLength(20);
      expect(notSent.message).toMatch(/resend them with send\(contract, events, \{ ids: error\.ids, time: error\.time \}\)/);
      await broker("start");
      const resent = await patient.send(contract, events, { ids: notSent.ids, time: notSent.time });
      expect(resent.map((r) => r.id)).toEqual(notSent.ids);
      sent += 20;

      // an application that cannot know whether the first send landed resends it with its ids too
      await patient.send(contract, batch(0, 20), { ids: first.map((r) => r.id) });
      sent += 20;
    } finally {
      await impatient.disconnect().catch(() => {});
      await service.disconnect().catch(() => {});
      await patient.disconnect().catch(() => {});
    }

    const duckdbPath = path.join(work, `outage-${randomBytes(3).toString("hex")}.duckdb`);
    const group = `evt-outage-${randomBytes(3).toString("hex")}`;
    const sinks = await startSinks({ config, contracts: catalog, writer: new DuckdbWriter({ path: duckdbPath }), brokers, groupPrefix: group, batch: { maxRows: 100, maxMs: 200 }, logger: quiet, kafka: { logLevel: "nothing" } });
    try {
      const deadline = Date.now() + 90_000;
      while ((await committedOn(`${group}.${sink.table}`)) < sent) {
        if (Date.now() > deadline) throw new Error("the sink did not catch up");
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      await sinks.stop();
    }
    // 90 records in the log, 70 distinct events: each exactly once in the table
    expect(await rowsOf(duckdbPath)).toEqual({ n: 70, distinct: 70, orders: 70 });

    // the service's registry: real values from these sends, labelled per producer
    const value = async (name: string, producer: string): Promise<number> =>
      ((await registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.producer === producer && v.labels.topic === sink.topic)?.value ?? 0);
    expect(await value("evt_producer_sent_events_total", "outage-service")).toBe(10);
    expect(await value("evt_producer_failed_events_total", "outage-service")).toBe(0);
    // each refused attempt held the 5 events back once
    const retried = await value("evt_producer_retried_events_total", "outage-service");
    expect(retried).toBeGreaterThanOrEqual(5);
    expect(retried % 5).toBe(0);
    expect(await value("evt_producer_failed_events_total", "outage-impatient")).toBe(20);
    expect(await value("evt_producer_sent_events_total", "outage-impatient")).toBe(0);
    const text = await registry.metrics();
    expect(text).toContain(`evt_producer_retried_events_total{producer="outage-service",topic="${sink.topic}"} ${retried}`);
  }, 600_000);
});

async function committedOn(groupId: string): Promise<number> {
  const { default: kafkajs } = await import("kafkajs");
  const admin = new kafkajs.Kafka({ brokers, clientId: "outage-test-admin", logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const res = await admin.fetchOffsets({ groupId, topics: [sink.topic] });
    return (res[0]?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}
