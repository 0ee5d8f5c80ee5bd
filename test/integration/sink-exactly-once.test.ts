/**
 * The sinks against the real broker, the Snowflake-protocol server and DuckDB: N events → exactly
 * N rows with the right values (every column kind), UPSERT one row per key, a row the table cannot
 * take in the DLQ; SIGKILL of the sink process mid-batch and a restart still give exactly N rows;
 * the warehouse going away for a while loses nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import { startSinks } from "../../runtime/sinks/sink.js";
import { DuckdbWriter } from "../../runtime/sinks/duckdb/writer.js";
import { SnowflakeWriter } from "../../runtime/sinks/snowflake/writer.js";
import type { SinkConfig, SinkSpec } from "../../runtime/sinks/config.js";
import type { WarehouseWriter } from "../../runtime/sinks/writer.js";
import { applyPlan, planApply, readDdlDir } from "../../runtime/warehouse/migrate.js";
import { snowflakeExecutor } from "../../runtime/warehouse/executors.js";
import { connectSnowflake, destroySnowflake, type SnowflakeSettings } from "../../runtime/warehouse/snowflake.js";
import { jsonLogger } from "../../runtime/log.js";
import { catalog } from "../../generated/ts/index.js";
import { create } from "@bufbuild/protobuf";
import { OrderPlacedSchema } from "../../generated/ts/orders/v1/orders_pb.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { kafkaBrokers } from "../helpers/kafka.js";
import { ensureFakesnow, fakesnowInfo, stopFakesnow } from "../helpers/fakesnow.js";
import { connectFakesnow, destroy, query, type Connection } from "../helpers/snowflake-connect.js";
import { deliveryAssigned, deliveryCompleted, orderStatusChanged, searchPerformed } from "./fixtures/sink-events.js";
import { committedTotal, createTopics, freshConfig, produce, readAll, waitUntil, type Outgoing } from "./fixtures/sink-setup.js";

const quiet = jsonLogger({ level: "silent" });
const database = `SINK_${Date.now().toString(36).toUpperCase()}`;
const settings: SnowflakeSettings = { account: "fakesnow", user: "sink", auth: { type: "password", password: "x" }, accessUrl: fakesnowInfo().accessUrl, database, schema: "PUBLIC" };
let sf: Connection;
const work = mkdtempSync(path.join(os.tmpdir(), "evt-sink-"));

beforeAll(async () => {
  sf = await connectFakesnow({ database, schema: "PUBLIC" });
  // the tables of every example sink, through the migrator (as `evt ddl apply` does)
  const conn = await connectSnowflake(settings);
  const exec = snowflakeExecutor(conn);
  await applyPlan(exec, await planApply(exec, readDdlDir(path.join(REPO_ROOT, "generated/snowflake/tables")), []));
  await destroySnowflake(conn);
});
afterAll(async () => {
  await destroy(sf).catch(() => {});
});

type Target = "duckdb" | "snowflake";

function writerFor(target: Target, duckdbPath: string): WarehouseWriter | ((s: SinkSpec) => WarehouseWriter) {
  return target === "duckdb" ? new DuckdbWriter({ path: duckdbPath }) : () => new SnowflakeWriter({ settings });
}

/** Rows of a table as plain values: numbers as text, timestamps as "YYYY-MM-DD HH:MM:SS.f", binary as hex, JSON parsed. */
async function rowsOf(target: Target, duckdbPath: string, table: string, orderBy = '"EVT_OFFSET"'): Promise<Record<string, unknown>[]> {
  if (target === "snowflake") {
    const rows = await query(sf, `SELECT * FROM ${table} ORDER BY "EVT_PARTITION", ${orderBy}`, [], { fetchAsString: ["Number"] });
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => {
      if (Buffer.isBuffer(v)) return [k, v.toString("hex")];
      const ts = v as { getEpochSeconds?: () => number; getNanoSeconds?: () => number };
      if (ts && typeof ts.getEpochSeconds === "function") {
        const iso = new Date(ts.getEpochSeconds() * 1000).toISOString().slice(0, 19).replace("T", " ");
        return [k, `${iso}.${String(ts.getNanoSeconds!()).padStart(9, "0")}`];
      }
      return [k, v];
    })));
  }
  const inst = await DuckDBInstance.create(duckdbPath);
  const c = await inst.connect();
  try {
    const reader = await c.runAndReadAll(`SELECT * FROM ${table} ORDER BY "EVT_PARTITION", ${orderBy}`);
    const types = reader.columnTypes().map((t) => t.toString());
    const names = reader.columnNames();
    return reader.getRowObjectsJson().map((r) => Object.fromEntries(names.map((n, i) => {
      const v = r[n];
      if (v === null) return [n, null];
      if (types[i] === "BLOB") return [n, Buffer.from(String(v).replace(/\\x([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("hex")];
      // JSON columns read back as text (the type prints as VARCHAR); the fixtures' plain strings never start with { or [
      if (typeof v === "string" && /^[[{]/.test(v)) return [n, JSON.parse(v)];
      if (typeof v === "number") return [n, Number.isInteger(v) && !/FLOAT|DOUBLE/.test(types[i]!) ? String(v) : v];
      return [n, v];
    })));
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

describe.each<Target>(["duckdb", "snowflake"])("sink into %s", (target) => {
  it("writes N events as exactly N rows with every column kind right; UPSERT keeps one row per key; a too-long value goes to the DLQ", async () => {
    const { config } = freshConfig([
      "CLICKSTREAM.SEARCH_PERFORMED", "DELIVERIES.DELIVERY_COMPLETED", "DELIVERIES.DELIVERY_ASSIGNED",
      "ORDERS.ORDER_STATUS_HISTORY", "ORDERS.ORDER_STATUS_LATEST", "ORDERS.ORDER_PLACED",
    ]);
    const s = (n: string) => config.sinks.find((x) => x.name === n)!;
    await createTopics(config);
    const records: Outgoing[] = [];
    for (let i = 0; i < 6; i++) records.push({ sink: s("CLICKSTREAM.SEARCH_PERFORMED"), event: searchPerformed(i), partition: i % 2 });
    records.push({ sink: s("DELIVERIES.DELIVERY_COMPLETED"), event: deliveryCompleted(2), partition: 0 });
    records.push({ sink: s("DELIVERIES.DELIVERY_COMPLETED"), event: deliveryCompleted(3), partition: 1 });
    records.push({ sink: s("DELIVERIES.DELIVERY_ASSIGNED"), event: deliveryAssigned(2), partition: 0 });
    for (let v = 1; v <= 4; v++) for (let o = 0; o < 3; o++) records.push({ sink: s("ORDERS.ORDER_STATUS_LATEST"), event: orderStatusChanged(o, v), partition: o % 2, key: `order-${o}` });
    const placed = (id: string) => create(OrderPlacedSchema, { orderId: id, customerId: "c-1", storeId: 7n, placedAt: { seconds: 1n } });
    records.push({ sink: s("ORDERS.ORDER_PLACED"), event: placed("o".repeat(64)), partition: 0 });
    records.push({ sink: s("ORDERS.ORDER_PLACED"), event: placed("o".repeat(65)), partition: 0 });
    const ids = await produce(records);
    // a producer retry: the same event (same ce_id) twice in the log
    await produce([{ ...records[0]!, id: ids[0]! }]);

    const duckdbPath = path.join(work, `values-${Date.now()}.duckdb`);
    const group = `evt-sink-test-${Date.now()}`;
    const runner = await startSinks({ config, contracts: catalog, writer: writerFor(target, duckdbPath), brokers: kafkaBrokers(), groupPrefix: group, batch: { maxRows: 50, maxMs: 200 }, logger: quiet, kafka: { logLevel: "nothing" } });
    const expected: Record<string, number> = {};
    for (const r of records) expected[r.sink.name] = (expected[r.sink.name] ?? 0) + 1;
    expected["CLICKSTREAM.SEARCH_PERFORMED"]! += 1;
    expected["ORDERS.ORDER_STATUS_HISTORY"] = 12;
    try {
      for (const sink of config.sinks) {
        await waitUntil(async () => (await committedTotal(`${group}.${sink.table}`, sink.topic)) === expected[sink.name], `${sink.name} caught up`, 90_000);
      }
    } finally {
      await runner.stop();
    }

    const search = await rowsOf(target, duckdbPath, "CLICKSTREAM.SEARCH_PERFORMED", '"SEARCH_REQUEST_ID"');
    expect(search).toHaveLength(6); // 7 records, one a retry of another
    const s2 = search.find((r) => r.SEARCH_REQUEST_ID === "req-2")!;
    expect(s2.EVT_EVENT_ID).toBe(ids[2]);
    expect(s2.QUERY_FINGERPRINT).toBe("18446744073709551613");
    expect(search.find((r) => r.SEARCH_REQUEST_ID === "req-0")!.QUERY_FINGERPRINT).toBe("18446744073709551615");
    expect(s2.PREVIOUS_QUERY_FINGERPRINT).toBe("2");
    expect(search.find((r) => r.SEARCH_REQUEST_ID === "req-1")!.PREVIOUS_QUERY_FINGERPRINT).toBeNull();
    expect(s2.SORT_ORDER).toBe("SORT_ORDER_RATING");
    expect(s2.RESULT_COUNT).toBe("4000000000");
    expect(s2.SEARCH_LOCATION).toEqual({ latitude: 52.502, longitude: 13.25, accuracyMeters: 4.5 });
    expect(s2.STORE_ID_BY_RANK).toEqual({ 1: "2000", 2: "9007199254740993" });
    expect(s2.FILTERS).toEqual(["vegan", 2]);
    expect(s2.RESULT_STORE_IDS).toEqual(["store-2", "store-x"]);
    expect((s2.RELEVANCE_SCORES as unknown[]).map(Number)).toEqual([0.5, 0.25]);
    expect(s2.HAS_MORE_RESULTS).toBe(false);
    expect(s2.LATENCY).toBe("1500000002");
    // both keep microseconds here: fakesnow stores TIMESTAMP_NTZ(9) as DuckDB TIMESTAMP, and evt's DuckDB
    // tables use TIMESTAMP for proto's whole range (docs/decisions.md D47); real Snowflake keeps nine digits
    expect(s2.SEARCHED_AT).toBe(target === "duckdb" ? "2024-05-06 07:08:11.123456" : "2024-05-06 07:08:11.123456000");
    expect(s2.EVT_EVENT_TIME).toBe(target === "duckdb" ? "2024-05-06 07:08:09.123456" : "2024-05-06 07:08:09.123456000");
    expect(s2.EVT_TOPIC).toBe(s("CLICKSTREAM.SEARCH_PERFORMED").topic);
    expect(s2.EVT_SCHEMA_FINGERPRINT).toBe(s("CLICKSTREAM.SEARCH_PERFORMED").fingerprint);

    const completed = await rowsOf(target, duckdbPath, "DELIVERIES.DELIVERY_COMPLETED", '"DELIVERY_ID"');
    expect(completed.map((r) => [r.PROOF_OF_DELIVERY_CASE, r.PROOF_PHOTO_JPEG, r.RECIPIENT_NAME])).toEqual([
      ["proof_photo_jpeg", "ffd80200", null],
      ["recipient_name", null, "Ada 3"],
    ]);
    expect(completed[0]!.TOTAL_DURATION).toBe("1800000000000");

    const assigned = await rowsOf(target, duckdbPath, "DELIVERIES.DELIVERY_ASSIGNED");
    expect(assigned).toHaveLength(1);
    // FLOAT comes back as text from Snowflake with fetchAsString Number: compare as numbers
    expect([assigned[0]!.COURIER__COURIER_ID, assigned[0]!.COURIER__VEHICLE_TYPE, Number(assigned[0]!.DROPOFF_ADDRESS__LOCATION__LATITUDE), assigned[0]!.PICKUP_LOCATION__LATITUDE])
      .toEqual(["9000000002", "VEHICLE_TYPE_BICYCLE", 52.52, null]);

    const latest = await rowsOf(target, duckdbPath, "ORDERS.ORDER_STATUS_LATEST", '"ORDER_ID"');
    expect(latest.map((r) => [r.ORDER_ID, r.STATUS_VERSION, r.REASON])).toEqual([
      ["order-0", "4", "v4"], ["order-2", "4", "v4"], ["order-1", "4", "v4"],
    ]);
    expect(await rowsOf(target, duckdbPath, "ORDERS.ORDER_STATUS_HISTORY")).toHaveLength(12);

    expect(await rowsOf(target, duckdbPath, "ORDERS.ORDER_PLACED")).toHaveLength(1);
    const dlq = await readAll(s("ORDERS.ORDER_PLACED").dlqTopic);
    expect(dlq).toHaveLength(1);
    expect(String(dlq[0]!.headers!.evt_dlq_error)).toMatch(/too long for ORDER_ID VARCHAR\(64\)/);
    expect(String(dlq[0]!.headers!.ce_id)).toBe(ids[ids.length - 1]);
  });
});

function spawnSink(env: Record<string, string>): { child: ChildProcess; flushed: () => number; log: () => string } {
  // node with tsx's loader (what `npx tsx` runs), spawned directly so signals reach the sink process itself
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "test/integration/fixtures/sink-child.ts")], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, SINK_BROKERS: kafkaBrokers().join(",") },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  let flushed = 0;
  child.stderr!.on("data", (d: Buffer) => {
    const text = d.toString();
    log += text;
    for (const line of text.split("\n")) if (line.includes('"msg":"flushed"')) flushed += JSON.parse(line).rows as number;
  });
  return { child, flushed: () => flushed, log: () => log };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once("exit", (code) => r(code)));
}

describe.each<Target>(["duckdb", "snowflake"])("sink process killed mid-batch (%s)", (target) => {
  it("SIGKILL, restart: still exactly N rows; SIGTERM stops cleanly", async () => {
    const N = target === "duckdb" ? 6000 : 2000;
    const { config, file } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    const sink = config.sinks[0]!;
    await createTopics(config);
    const ids = await produce(Array.from({ length: N }, (_, i) => ({ sink, event: searchPerformed(i), partition: i % 2 })));
    const duckdbPath = path.join(work, `crash-${Date.now()}.duckdb`);
    const group = `evt-sink-crash-${Date.now()}`;
    const env = {
      SINK_CONFIG: file, SINK_TARGET: target, SINK_DUCKDB: duckdbPath, SINK_GROUP: group, SINK_MAX_ROWS: "150", SINK_MAX_MS: "100",
      EVT_SNOWFLAKE_ACCOUNT: "fakesnow", EVT_SNOWFLAKE_USER: "sink", EVT_SNOWFLAKE_PASSWORD: "x", EVT_SNOWFLAKE_DATABASE: database, EVT_SNOWFLAKE_ACCESS_URL: fakesnowInfo().accessUrl,
    };
    const first = spawnSink(env);
    await waitUntil(() => first.flushed() > 0, "first flush", 90_000);
    first.child.kill("SIGKILL");
    await exited(first.child);
    const atKill = first.flushed();
    expect(atKill, "the kill must interrupt the run").toBeLessThan(N);

    const second = spawnSink(env);
    await waitUntil(async () => (await committedTotal(`${group}.${sink.table}`, sink.topic)) === N, "restarted sink caught up", 180_000);
    second.child.kill("SIGTERM");
    expect(await exited(second.child)).toBe(0);
    expect(second.log()).toContain("sinks stopped");

    const rows = await rowsOf(target, duckdbPath, sink.table);
    const mine = rows.filter((r) => r.EVT_TOPIC === sink.topic);
    expect(mine).toHaveLength(N);
    expect(new Set(mine.map((r) => r.EVT_EVENT_ID))).toEqual(new Set(ids));
  });
});

describe("Snowflake unreachable for a while", () => {
  it("retries with a new session and loses nothing once the server is back", async () => {
    const { config } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    const sink = config.sinks[0]!;
    await createTopics(config);
    const group = `evt-sink-outage-${Date.now()}`;
    const runner = await startSinks({ config, contracts: catalog, writer: () => new SnowflakeWriter({ settings }), brokers: kafkaBrokers(), groupPrefix: group, batch: { maxRows: 100, maxMs: 100 }, retry: { initialBackoffMs: 200, maxBackoffMs: 2_000 }, logger: quiet, kafka: { logLevel: "nothing" } });
    let retries = 0;
    runner.instrumentation.on("sink.retry", () => { retries += 1; });
    const committed = () => committedTotal(`${group}.${sink.table}`, sink.topic);
    try {
      const a = await produce(Array.from({ length: 200 }, (_, i) => ({ sink, event: searchPerformed(i), partition: i % 2 })));
      await waitUntil(async () => (await committed()) === 200, "first 200", 60_000);
      await stopFakesnow();
      let b: string[] = [];
      try {
        b = await produce(Array.from({ length: 300 }, (_, i) => ({ sink, event: searchPerformed(1000 + i), partition: i % 2 })));
        await new Promise((r) => setTimeout(r, 4_000));
        expect(await committed()).toBe(200); // nothing is committed while the warehouse is away
      } finally {
        await ensureFakesnow();
      }
      await waitUntil(async () => (await committed()) === 500, "all 500 after the outage", 180_000);
      expect(retries).toBeGreaterThan(0);
      const conn = await connectFakesnow({ database, schema: "PUBLIC" });
      try {
        const rows = await query<{ N: string; D: string }>(conn, `SELECT COUNT(*) AS N, COUNT(DISTINCT "EVT_EVENT_ID") AS D FROM "CLICKSTREAM"."SEARCH_PERFORMED" WHERE "EVT_TOPIC" = ?`, [sink.topic], { fetchAsString: ["Number"] });
        expect(rows[0]).toEqual({ N: "500", D: "500" });
        const got = await query<{ ID: string }>(conn, `SELECT "EVT_EVENT_ID" AS ID FROM "CLICKSTREAM"."SEARCH_PERFORMED" WHERE "EVT_TOPIC" = ?`, [sink.topic]);
        expect(new Set(got.map((r) => r.ID))).toEqual(new Set([...a, ...b]));
      } finally {
        await destroy(conn);
      }
    } finally {
      await runner.stop();
    }
  });
});
