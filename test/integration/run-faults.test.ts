/**
 * Fault tests of `evt run` against the real broker, DuckDB and the Snowflake-protocol server
 * (issue 9 items 7–8, issue 10 item 3): a stop signal at any moment — connecting, joining,
 * retrying an unreachable warehouse — ends the process within the grace period with exit 0, or
 * exit 2 naming what it waited for; what was not committed is re-read on restart (no loss, no
 * duplicate). Environment failures are named in one line.
 */
import { resolveKafkaDriver } from "../../runtime/kafka/adapter.js";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import kafkajs from "kafkajs";
import { applyPlan, planApply, readDdlDir } from "../../runtime/warehouse/migrate.js";
import { snowflakeExecutor } from "../../runtime/warehouse/executors.js";
import { connectSnowflake, destroySnowflake, type SnowflakeSettings } from "../../runtime/warehouse/snowflake.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { kafkaBrokers } from "../helpers/kafka.js";
import { fakesnowInfo } from "../helpers/fakesnow.js";
import { connectFakesnow, destroy, query } from "../helpers/snowflake-connect.js";
import { searchPerformed } from "./fixtures/sink-events.js";
import { committedTotal, createTopics, freshConfig, produce, waitUntil } from "./fixtures/sink-setup.js";
import { sleep, spawnRun } from "./fixtures/evt-run-process.js";

const work = mkdtempSync(path.join(os.tmpdir(), "evt-run-faults-"));
const GRACE_MS = 5_000;
/** Grace period + the 3 s evt allows for disconnecting + process exit under a loaded machine. */
const EXIT_BOUND_MS = GRACE_MS + 3_000 + 4_000;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * A "broker" that accepts connections and never answers: a client stays in its connect step
 * (waiting for the first response, then retrying) for seconds.
 */
async function silentBroker(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function duckdbIds(file: string, table: string, topic: string): Promise<string[]> {
  const inst = await DuckDBInstance.create(file);
  const c = await inst.connect();
  try {
    const rows = (await c.runAndReadAll(`SELECT "EVT_EVENT_ID" AS id FROM ${table} WHERE "EVT_TOPIC" = $1`, [topic])).getRowObjectsJson();
    return rows.map((r) => String(r.id));
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

/** The sink's flags for one DuckDB-backed run of one fresh sink. */
function sinkArgs(file: string, sink: string, duckdbPath: string, prefix: string, extra: string[] = []): string[] {
  return ["--sink", sink, "--sink-config", file, "--target", "duckdb", "--duckdb-path", duckdbPath, "--brokers", kafkaBrokers().join(","),
    "--group-prefix", prefix, "--grace-ms", String(GRACE_MS), ...extra];
}

describe("evt run: Kafka unreachable", () => {
  it("SIGTERM while connecting ends the process within the grace period with exit 0", async () => {
    const { file, config } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    // Still connecting 1.5 s in: kafkajs retries a refused port for ~8 s; platformatic's few fast
    // retries fail a refused port within ~2 s (which raced the signal), so it gets a broker that
    // never answers. (kafkajs waiting on a silent broker does not stop within the grace period:
    // its connect is not abortable — a known gap, noted in D102.)
    const broker = resolveKafkaDriver() === "kafkajs" ? { port: await freePort(), close: async () => {} } : await silentBroker();
    try {
      const run = spawnRun(["--sink", config.sinks[0]!.name, "--sink-config", file, "--duckdb-path", path.join(work, "connect.duckdb"),
        "--brokers", `127.0.0.1:${broker.port}`, "--grace-ms", String(GRACE_MS)]);
      await waitUntil(() => run.logs().some((l) => l.msg === "warehouse"), "evt run started", 30_000);
      await sleep(1_500); // inside the driver's connect step now (the broker never answers)
      expect(run.child.exitCode, run.stderr()).toBeNull(); // still running: the signal is what ends it
      const { code, afterMs } = await run.signal("SIGTERM");
      expect(code, run.stderr()).toBe(0);
      expect(afterMs).toBeLessThan(EXIT_BOUND_MS);
      expect(run.logs().some((l) => l.msg === "signal received; finishing the in-flight batch")).toBe(true);
    } finally {
      await broker.close();
    }
  });

  it("without a signal: one line naming the brokers after bounded retries (exit 2); kafkajs lines in evt's JSON shape", async () => {
    const { file, config } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    const port = await freePort();
    const started = Date.now();
    const run = spawnRun(["--sink", config.sinks[0]!.name, "--sink-config", file, "--duckdb-path", path.join(work, "unreachable.duckdb"),
      "--brokers", `127.0.0.1:${port}`, "--log-level", "debug"]);
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(Date.now() - started).toBeLessThan(60_000);
    const lines = run.stderr().trim().split("\n");
    const errors = lines.filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    // kafkajs counts its attempts and prefixes "Connection error:"; platformatic reports the socket's error alone
    expect(errors[0]).toMatch(new RegExp(`^error: kafka: cannot reach the brokers 127\\.0\\.0\\.1:${port}( after \\d+ attempts)?: (Connection error: )?connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`));
    expect(run.stderr()).not.toContain("internal error");
    expect(run.stderr()).not.toContain("KafkaJS v2.0.0 switched default partitioner");
    // every other line is evt's JSON shape, kafkajs's own included
    for (const l of lines.filter((x) => !x.startsWith("error:"))) expect(() => JSON.parse(l), l).not.toThrow();
    const kafkajsLines = run.logs().filter((l) => l.component === "kafkajs");
    // only kafkajs has a log hook; @platformatic/kafka logs through `debug` (README "Kafka drivers")
    if (resolveKafkaDriver() === "kafkajs") expect(kafkajsLines.length).toBeGreaterThan(0);
    for (const l of kafkajsLines) expect(l).toMatchObject({ time: expect.any(String), level: expect.any(String), msg: expect.stringMatching(/^kafka: /) });
  });
});

describe("evt run: SIGTERM while joining the consumer group", () => {
  it("exits within the grace period; a restart then loads every event exactly once", async () => {
    const { config, file } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    const sink = config.sinks[0]!;
    await createTopics(config);
    const duckdbPath = path.join(work, `join-${Date.now()}.duckdb`);
    const prefix = `evt-faults-join-${Date.now()}`;
    const group = `${prefix}.${sink.table}`;
    const a = await produce(Array.from({ length: 200 }, (_, i) => ({ sink, event: searchPerformed(i), partition: i % 2 })));
    // a member that dies holding the group: the next one must wait for its session (15 s) to expire
    const first = spawnRun(sinkArgs(file, sink.name, duckdbPath, prefix, ["--session-timeout-ms", "15000"]));
    await waitUntil(async () => (await committedTotal(group, sink.topic)) === 200, "first run committed 200", 90_000);
    first.child.kill("SIGKILL");
    await first.exited;
    const b = await produce(Array.from({ length: 200 }, (_, i) => ({ sink, event: searchPerformed(1000 + i), partition: i % 2 })));

    const joining = spawnRun(sinkArgs(file, sink.name, duckdbPath, prefix));
    await waitUntil(() => joining.logs().some((l) => l.msg === "warehouse"), "second run started", 30_000);
    await sleep(3_000); // connected; the JoinGroup waits for the dead member
    expect(joining.logs().some((l) => l.msg === "batch committed"), "must still be joining").toBe(false);
    const { code, afterMs } = await joining.signal("SIGTERM");
    expect([0, 2], joining.stderr()).toContain(code);
    if (code === 2) expect(joining.stderr()).toMatch(/error: stop requested \(SIGTERM\) but not finished within the 5000 ms grace period while joining group of CLICKSTREAM\.SEARCH_PERFORMED/);
    expect(afterMs, joining.stderr()).toBeLessThan(EXIT_BOUND_MS);

    const third = spawnRun(sinkArgs(file, sink.name, duckdbPath, prefix));
    await waitUntil(async () => (await committedTotal(group, sink.topic)) === 400, "restart caught up", 120_000);
    expect((await third.signal("SIGTERM")).code, third.stderr()).toBe(0);
    const ids = await duckdbIds(duckdbPath, sink.table, sink.topic);
    expect(ids).toHaveLength(400);
    expect(new Set(ids)).toEqual(new Set([...a, ...b]));
  });
});

/** A TCP proxy in front of the Snowflake-protocol server: `down()` makes the warehouse unreachable (connections refused). */
class Outage {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  constructor(readonly port: number, private readonly target: number) {}
  async up(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, "127.0.0.1", r));
  }
  async down(): Promise<void> {
    const closed = new Promise<void>((r) => this.server?.close(() => r()) ?? r());
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe("evt run: SIGTERM while retrying an unreachable warehouse (Snowflake protocol)", () => {
  const database = `FAULTS_${Date.now().toString(36).toUpperCase()}`;
  let outage: Outage;
  beforeAll(async () => {
    outage = new Outage(await freePort(), fakesnowInfo().port);
    await outage.up();
    const settings: SnowflakeSettings = { account: "fakesnow", user: "sink", auth: { type: "password", password: "x" }, accessUrl: fakesnowInfo().accessUrl, database, schema: "PUBLIC" };
    const conn = await connectSnowflake(settings);
    const exec = snowflakeExecutor(conn);
    await applyPlan(exec, await planApply(exec, readDdlDir(path.join(REPO_ROOT, "generated/snowflake/tables")), []));
    await destroySnowflake(conn);
  });
  afterAll(async () => {
    await outage.down().catch(() => {});
  });

  it("exits 2 within the grace period naming the retry; the uncommitted batch is loaded on restart, exactly once", async () => {
    const { config, file } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    const sink = config.sinks[0]!;
    await createTopics(config);
    const prefix = `evt-faults-wh-${Date.now()}`;
    const group = `${prefix}.${sink.table}`;
    const env = {
      EVT_SNOWFLAKE_ACCOUNT: "fakesnow", EVT_SNOWFLAKE_USER: "sink", EVT_SNOWFLAKE_PASSWORD: "x", EVT_SNOWFLAKE_DATABASE: database,
      EVT_SNOWFLAKE_ACCESS_URL: `http://127.0.0.1:${outage.port}`,
      // bound the driver's silent retries so evt's own (logged) retry takes over within seconds
      EVT_SNOWFLAKE_CONNECT_TIMEOUT_MS: "20000", EVT_SNOWFLAKE_REQUEST_TIMEOUT_MS: "20000",
    };
    const args = ["--sink", sink.name, "--sink-config", file, "--target", "snowflake", "--brokers", kafkaBrokers().join(","),
      "--group-prefix", prefix, "--grace-ms", String(GRACE_MS)];
    const a = await produce(Array.from({ length: 100 }, (_, i) => ({ sink, event: searchPerformed(i), partition: i % 2 })));
    const first = spawnRun(args, env);
    await waitUntil(async () => (await committedTotal(group, sink.topic)) === 100, "first 100 committed", 90_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${first.stderr()}`);
    });
    await outage.down();
    const b = await produce(Array.from({ length: 100 }, (_, i) => ({ sink, event: searchPerformed(1000 + i), partition: i % 2 })));
    await waitUntil(() => first.logs().some((l) => /^warehouse unavailable; retrying/.test(l.msg)), "a logged retry", 120_000);
    const retryLine = first.logs().find((l) => /^warehouse unavailable; retrying/.test(l.msg))!;
    expect(retryLine).toMatchObject({ level: "warn", attempt: 1, delayMs: expect.any(Number), sink: sink.name });
    const { code, afterMs } = await first.signal("SIGTERM");
    expect(code, first.stderr()).toBe(2);
    expect(afterMs, first.stderr()).toBeLessThan(EXIT_BOUND_MS);
    expect(first.stderr()).toMatch(/error: stop requested \(SIGTERM\) but not finished within the 5000 ms grace period while retrying/);
    expect(await committedTotal(group, sink.topic)).toBe(100); // the batch stayed uncommitted

    await outage.up();
    const second = spawnRun(args, env);
    await waitUntil(async () => (await committedTotal(group, sink.topic)) === 200, "restart loaded the rest", 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${second.stderr()}`);
    });
    expect((await second.signal("SIGTERM")).code, second.stderr()).toBe(0);
    const conn = await connectFakesnow({ database, schema: "PUBLIC" });
    try {
      const got = await query<{ ID: string }>(conn, `SELECT "EVT_EVENT_ID" AS ID FROM "CLICKSTREAM"."SEARCH_PERFORMED" WHERE "EVT_TOPIC" = ?`, [sink.topic]);
      expect(got).toHaveLength(200);
      expect(new Set(got.map((r) => r.ID))).toEqual(new Set([...a, ...b]));
    } finally {
      await destroy(conn);
    }
  });
});

describe("evt run: one log line per dead letter", () => {
  it("a record the table cannot take is dead-lettered and logged once", async () => {
    const { config, file } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    const sink = config.sinks[0]!;
    await createTopics(config);
    await produce(Array.from({ length: 20 }, (_, i) => ({ sink, event: searchPerformed(i), partition: i % 2 })));
    // a record without ce_id (the de-duplication key): the sink must dead-letter it
    const raw = new kafkajs.Kafka({ brokers: kafkaBrokers(), logLevel: kafkajs.logLevel.NOTHING }).producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await raw.connect();
    await raw.send({ topic: sink.topic, messages: [{ partition: 0, value: Buffer.from([0]), headers: { ce_type: sink.eventType } }] });
    await raw.disconnect();
    const prefix = `evt-faults-dlq-${Date.now()}`;
    const run = spawnRun(sinkArgs(file, sink.name, path.join(work, `dlq-${Date.now()}.duckdb`), prefix));
    await waitUntil(async () => (await committedTotal(`${prefix}.${sink.table}`, sink.topic)) === 21, "21 committed", 90_000);
    expect((await run.signal("SIGTERM")).code, run.stderr()).toBe(0);
    const dead = run.logs().filter((l) => l.msg === "record dead-lettered");
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: expect.stringContaining("no ce_id header"), partition: 0 });
  });
});

describe("evt run: DuckDB file locked", () => {
  it("names the process holding the lock in one line (exit 2)", async () => {
    const { file, config } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    const duckdbPath = path.join(work, "locked.duckdb");
    const holder = await DuckDBInstance.create(duckdbPath);
    try {
      const run = spawnRun(["--sink", config.sinks[0]!.name, "--sink-config", file, "--duckdb-path", duckdbPath, "--brokers", kafkaBrokers().join(",")]);
      const { code } = await run.exited;
      expect(code).toBe(2);
      expect(run.stderr()).toContain(`error: duckdb: ${duckdbPath} is locked by another process (PID ${process.pid}`);
      expect(run.stderr()).not.toContain("internal error");
    } finally {
      holder.closeSync();
    }
  });
});
