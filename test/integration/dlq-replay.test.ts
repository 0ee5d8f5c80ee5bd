/**
 * Issue 9.10 end to end against the real broker and DuckDB: a type drift (producers moved to a
 * contract that widened ORDER_ID from VARCHAR(64) to VARCHAR(256) before the sink's table did)
 * sends records to `<topic>.dlq` → `evt dlq inspect` shows them decoded with error and origin →
 * the migration is applied → `evt dlq replay` (twice, to show it is safe) → each event exactly
 * once in the table, carrying its original ce_id.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import kafkajs from "kafkajs";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { startSinks } from "../../runtime/sinks/sink.js";
import { DuckdbWriter } from "../../runtime/sinks/duckdb/writer.js";
import type { SinkConfig } from "../../runtime/sinks/config.js";
import { jsonLogger } from "../../runtime/log.js";
import { catalog } from "../../generated/ts/index.js";
import { OrderPlacedSchema } from "../../generated/ts/orders/v1/orders_pb.js";
import { kafkaBrokers } from "../helpers/kafka.js";
import { runEvt } from "../helpers/run-cli.js";
import { committedTotal, createTopics, freshConfig, produce, readAll, waitUntil, type Outgoing } from "./fixtures/sink-setup.js";

const quiet = jsonLogger({ level: "silent" });
const work = mkdtempSync(path.join(os.tmpdir(), "evt-dlq-replay-"));
const placed = (orderId: string) => create(OrderPlacedSchema, { orderId, customerId: "c-1", storeId: 7n, placedAt: { seconds: 1n } });

async function sql<T = Record<string, unknown>>(file: string, text: string): Promise<T[]> {
  const inst = await DuckDBInstance.create(file);
  const c = await inst.connect();
  try {
    return (await c.runAndReadAll(text)).getRowObjectsJson() as T[];
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

async function runSinkUntil(config: SinkConfig, duckdbPath: string, group: string, committed: number): Promise<void> {
  const sink = config.sinks[0]!;
  const runner = await startSinks({ config, contracts: catalog, writer: new DuckdbWriter({ path: duckdbPath }), brokers: kafkaBrokers(), groupPrefix: group, batch: { maxRows: 100, maxMs: 200 }, logger: quiet, kafka: { logLevel: "nothing" } });
  try {
    await waitUntil(async () => (await committedTotal(`${group}.${sink.table}`, sink.topic)) === committed, `${committed} offsets committed`, 90_000);
  } finally {
    await runner.stop();
  }
}

async function endOffset(topic: string): Promise<number> {
  const admin = new kafkajs.Kafka({ brokers: kafkaBrokers(), clientId: "dlq-replay-test", logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

describe("dead letters are recoverable (issue 9.10)", () => {
  it("drift → DLQ → inspect → migration → replay (twice) → each event exactly once in the table", async () => {
    const { config: v1 } = freshConfig(["ORDERS.ORDER_PLACED"]);
    const sink = v1.sinks[0]!;
    expect(sink.columns.find((c) => c.name === "ORDER_ID")!.sqlType).toBe("VARCHAR(64)");
    await createTopics(v1, 2);
    // 30 events the old table takes, 20 written under the widened contract (100-character ids)
    const records: Outgoing[] = [];
    for (let i = 0; i < 50; i++) records.push({ sink, event: placed(i % 5 < 3 ? `short-${i}` : `long-${i}-`.padEnd(100, "x")), partition: i % 2 });
    const ids = await produce(records);
    const longIds = ids.filter((_, i) => i % 5 >= 3);

    const duckdbPath = path.join(work, `replay-${randomBytes(3).toString("hex")}.duckdb`);
    const group = `evt-dlq-replay-${randomBytes(3).toString("hex")}`;
    await runSinkUntil(v1, duckdbPath, group, 50);
    expect((await sql<{ n: number }>(duckdbPath, 'SELECT count(*)::INTEGER AS n FROM "ORDERS"."ORDER_PLACED"'))[0]!.n).toBe(30);
    expect(await readAll(sink.dlqTopic)).toHaveLength(20);

    // inspect: decoded payload, error headers, origin; --json, --limit
    const text = runEvt(["dlq", "inspect", sink.topic, "--brokers", kafkaBrokers().join(",")]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("error: RowRejected: value of 100 characters is too long for ORDER_ID VARCHAR(64)");
    expect(text.stdout).toMatch(new RegExp(`from ${sink.topic.replace(/\./g, "\\.")} [01]:\\d+`));
    expect(text.stdout).toContain('"orderId":"long-3-');
    expect(text.stdout).toContain(`20 dead letter(s) in ${sink.dlqTopic}`);
    const json = runEvt(["dlq", "inspect", sink.dlqTopic, "--json", "--limit", "3", "--brokers", kafkaBrokers().join(",")]);
    expect(json.code, json.stderr).toBe(0);
    const inspected = JSON.parse(json.stdout).result as { count: number; letters: { ceId: string; ceType: string; origin: { topic: string; partition: number }; payload: { orderId: string }; errorName: string; headers: Record<string, string> }[] };
    expect(inspected.count).toBe(6); // 3 per partition
    for (const l of inspected.letters) {
      expect(longIds).toContain(l.ceId);
      expect(l.ceType).toBe("orders.v1.OrderPlaced");
      expect(l.origin.topic).toBe(sink.topic);
      expect(l.payload.orderId).toHaveLength(100);
      expect(l.errorName).toBe("RowRejected");
      expect(l.headers.evt_dlq_processor).toBe("sink:ORDERS.ORDER_PLACED");
    }

    // replay --dry-run and a non-matching --filter publish nothing
    const before = await endOffset(sink.topic);
    const dry = runEvt(["dlq", "replay", sink.topic, "--dry-run", "--brokers", kafkaBrokers().join(",")]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would replay 20 of 20 dead letter(s) from ${sink.dlqTopic} to ${sink.topic}`);
    const none = runEvt(["dlq", "replay", sink.topic, "--filter", "no such error", "--brokers", kafkaBrokers().join(",")]);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain("replayed 0 of 20 dead letter(s)");
    expect(await endOffset(sink.topic)).toBe(before);

    // the migration: the table and the sink config follow the widened contract
    await sql(duckdbPath, 'ALTER TABLE "ORDERS"."ORDER_PLACED" ALTER COLUMN "ORDER_ID" TYPE VARCHAR(256)');
    const v2: SinkConfig = { ...v1, sinks: [{ ...sink, columns: sink.columns.map((c) => (c.name === "ORDER_ID" ? { ...c, sqlType: "VARCHAR(256)" } : c)) }] };

    // replay twice: 40 records re-published, the sink's de-duplication on ce_id keeps 20 rows
    for (let i = 0; i < 2; i++) {
      const res = runEvt(["dlq", "replay", sink.topic, "--filter", "too long for ORDER_ID", "--json", "--brokers", kafkaBrokers().join(",")]);
      expect(res.code, res.stderr).toBe(0);
      const out = JSON.parse(res.stdout).result as { replayed: { ceId: string; to: { topic: string } }[] };
      expect(out.replayed.map((r) => r.ceId).sort()).toEqual([...longIds].sort());
      expect(new Set(out.replayed.map((r) => r.to.topic))).toEqual(new Set([sink.topic]));
    }
    expect(await endOffset(sink.topic)).toBe(before + 40);
    await runSinkUntil(v2, duckdbPath, group, 90);

    const rows = await sql<{ EVT_EVENT_ID: string; ORDER_ID: string }>(duckdbPath, 'SELECT "EVT_EVENT_ID", "ORDER_ID" FROM "ORDERS"."ORDER_PLACED"');
    expect(rows).toHaveLength(50);
    expect(rows.map((r) => r.EVT_EVENT_ID).sort()).toEqual([...ids].sort());
    expect(rows.filter((r) => r.ORDER_ID.length === 100)).toHaveLength(20);
    // nothing new was dead-lettered
    expect(await readAll(sink.dlqTopic)).toHaveLength(20);
  });
});
