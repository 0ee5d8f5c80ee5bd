/**
 * The flagship processor end to end, on the real broker and a real Flink MiniCluster:
 * evt's producer writes a scripted click stream (known session boundaries, out-of-order views
 * within the watermark delay), `evt flink run sessionize` sessionizes it, and a generated typed
 * processor reads SessionSummarized (read committed): exactly the expected sessions. Then the
 * Flink JVM is killed mid-stream and restored from its latest checkpoint: nothing missing, nothing
 * duplicated (Kafka transactions + deterministic ce_id). Last, the output is a contract like any
 * other: `evt run` (the real CLI) sinks it into DuckDB, reading committed — an aborted transaction
 * on the output topic never lands, and a replayed session (same ce_id) lands once. One MiniCluster
 * (two JVM starts: the kill is the point), one flow.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DuckDBInstance } from "@duckdb/node-api";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafkaClient, createProducer, defineProcessor, ensureTopics, startRunner, type EventContract, type EventMetadata, type Runner } from "../../runtime/index.js";
import { PageViewedContract } from "../../generated/ts/clickstream/v1/clickstream_evt.js";
import { PageViewedSchema } from "../../generated/ts/clickstream/v1/clickstream_pb.js";
import { SessionSummarizedContract } from "../../generated/ts/clickstream/v1/sessions_evt.js";
import { SessionSummarizedSchema, type SessionSummarized } from "../../generated/ts/clickstream/v1/sessions_pb.js";
import { Platform, PlatformSchema } from "../../generated/ts/common/v1/device_pb.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { kafkaBrokers, uniqueTopic, waitFor } from "../helpers/kafka.js";
import { committedTotal, generatedConfig, waitUntil } from "./fixtures/sink-setup.js";

const T0 = Date.parse("2026-01-01T10:00:00.000Z");
const MIN = 60_000;

interface View { readonly who: string; readonly platform: Platform; readonly at: number; readonly page: string }
const view = (who: string, platform: Platform, atMin: number, page: string): View => ({ who, platform, at: T0 + atMin * MIN, page });

// Phase 1, in produce order. Out of order within the 2-minute watermark delay: b's 44-minute view
// arrives after its 45-minute one, a's 6-minute view after its 6.5-minute one.
const PHASE1: View[] = [
  view("a", Platform.WEB, 0, "home"), view("b", Platform.IOS, 2, "b-home"), view("a", Platform.WEB, 5, "menu"),
  view("a", Platform.WEB, 6.5, "cart"), view("a", Platform.WEB, 6, "item"), view("c", Platform.ANDROID, 10, "c-only"),
  view("a", Platform.WEB, 12, "checkout"), view("b", Platform.IOS, 20, "b-menu"), view("b", Platform.IOS, 45, "b-pay"),
  view("b", Platform.IOS, 44, "b-cart"), view("a", Platform.WEB, 60, "home-again"), view("a", Platform.WEB, 61, "orders"),
  // same visitor, other platform: its own session
  view("a", Platform.IOS, 61, "a-ios"),
  // moves the watermark past every session above (61 + 30 gap + 2 delay < 200)
  view("z", Platform.WEB, 200, "tick"),
];
const PHASE2: View[] = [
  view("d", Platform.WEB, 210, "d-home"), view("d", Platform.WEB, 215, "d-end"), view("a", Platform.WEB, 230, "back"),
  view("z", Platform.WEB, 400, "tick-2"),
];

interface Expected { who: string; platform: Platform; start: number; end: number; pages: number; first: string; last: string }
const session = (who: string, platform: Platform, startMin: number, endMin: number, pages: number, first: string, last: string): Expected =>
  ({ who, platform, start: T0 + startMin * MIN, end: T0 + endMin * MIN, pages, first, last });

const EXPECTED_PHASE1: Expected[] = [
  session("a", Platform.WEB, 0, 12, 5, "home", "checkout"),
  session("a", Platform.WEB, 60, 61, 2, "home-again", "orders"),
  session("a", Platform.IOS, 61, 61, 1, "a-ios", "a-ios"),
  session("b", Platform.IOS, 2, 45, 4, "b-home", "b-pay"),
  session("c", Platform.ANDROID, 10, 10, 1, "c-only", "c-only"),
];
const EXPECTED_PHASE2: Expected[] = [
  session("z", Platform.WEB, 200, 200, 1, "tick", "tick"),
  session("d", Platform.WEB, 210, 215, 2, "d-home", "d-end"),
  session("a", Platform.WEB, 230, 230, 1, "back", "back"),
];

function summary(s: SessionSummarized): Expected {
  return {
    who: s.anonymousId.replace(/^it-[^-]+-/, ""), platform: s.platform,
    start: timestampDate(s.sessionStart!).getTime(), end: timestampDate(s.sessionEnd!).getTime(),
    pages: Number(s.pageCount), first: s.firstPage, last: s.lastPage,
  };
}
const byKey = (a: Expected, b: Expected): number => `${a.who}/${a.platform}/${a.start}`.localeCompare(`${b.who}/${b.platform}/${b.start}`);

describe("evt flink run sessionize (real broker, real MiniCluster)", () => {
  const run = uniqueTopic("x").slice(2);
  const inTopic = `it.flink.page_viewed.${run}`;
  const outTopic = `it.flink.sessions.${run}`;
  const input = { ...PageViewedContract, topic: inTopic, partitions: 1 };
  const output = { ...SessionSummarizedContract, topic: outTopic, partitions: 1 };
  const client = createKafkaClient({ brokers: kafkaBrokers(), logLevel: "nothing" });
  const producer = createProducer({ client, source: "it-flink" });
  const cwd = mkdtempSync(path.join(tmpdir(), "evt-flink-"));
  const checkpoints = path.join(cwd, "checkpoints");
  const got: { s: SessionSummarized; meta: EventMetadata }[] = [];
  let runner: Runner | undefined;
  let cli: ChildProcess | undefined;

  beforeAll(async () => {
    writeFileSync(path.join(cwd, "evt.yaml"), [
      `proto: ${path.join(REPO_ROOT, "proto")}`,
      `out: ${path.join(REPO_ROOT, "generated")}`,
      `kafka:\n  brokers: ["${kafkaBrokers()[0]}"]`,
      `flink:\n  java: true\n  processors: ${path.join(REPO_ROOT, "processors")}`,
      "",
    ].join("\n"));
    await ensureTopics(client, [input, output] as unknown as EventContract[]);
    await producer.connect();
    runner = await startRunner({
      client,
      groupId: `it-flink-${run}`,
      catalog: [output] as unknown as EventContract[],
      fromBeginning: true,
      processors: [defineProcessor(output, (s, meta) => void got.push({ s: s as SessionSummarized, meta }))],
    });
  });
  afterAll(async () => {
    cli?.kill("SIGTERM");
    await runner?.stop();
    await producer.disconnect();
  });

  async function produce(views: readonly View[]): Promise<void> {
    for (const v of views) {
      await producer.send(input, create(PageViewedSchema, {
        anonymousId: `it-${run}-${v.who}`, sessionId: `s-${v.who}`, pageName: v.page,
        device: { platform: v.platform }, viewedAt: timestampFromDate(new Date(v.at)),
      }));
    }
  }

  /** Starts `evt flink run sessionize`; resolves with the Flink JVM's pid once the job runs. */
  function startCli(extra: string[]): Promise<number> {
    const args = [path.join(REPO_ROOT, "bin", "run.js"), "flink", "run", "sessionize", "--checkpoints", checkpoints,
      "--topic", `clickstream.v1.PageViewed=${inTopic}`, "--topic", `clickstream.v1.SessionSummarized=${outTopic}`, ...extra];
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    cli = child;
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /started \(pid (\d+)/.exec(out);
        if (m) { clearInterval(timer); resolve(Number(m[1])); }
      }, 100);
      child.on("exit", (code) => { clearInterval(timer); reject(new Error(`evt flink run exited (${code}) before the job started:\n${out}`)); });
    });
  }

  it("emits exactly the expected sessions, and none is lost or duplicated across a kill and restore", async () => {
    await produce(PHASE1);
    const jvm = await startCli([]);
    await waitFor(() => got.length >= EXPECTED_PHASE1.length, `${EXPECTED_PHASE1.length} sessions`, 240_000);
    // a moment for anything wrong (an extra or duplicate session) to show up
    await new Promise((r) => setTimeout(r, 3000));
    expect(got.map((g) => summary(g.s)).sort(byKey)).toEqual([...EXPECTED_PHASE1].sort(byKey));
    for (const g of got) {
      expect(g.meta.type).toBe("clickstream.v1.SessionSummarized");
      expect(g.meta.source).toBe("evt-flink/sessionize");
      expect(g.meta.schemaFingerprint).toBe(SessionSummarizedContract.fingerprint);
      expect(g.meta.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(g.meta.time.getTime()).toBe(timestampDate(g.s.sessionEnd!).getTime());
      expect(g.meta.key).toBeNull(); // no Kafka key: the visitor id is personal data (EVT_KEY_PII)
      expect(g.s.durationMs).toBe(BigInt(timestampDate(g.s.sessionEnd!).getTime() - timestampDate(g.s.sessionStart!).getTime()));
    }

    // mid-stream: phase 2 is in the topic, the job is working on it, and the JVM dies hard
    await produce(PHASE2);
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(jvm, "SIGKILL");
    await new Promise<void>((r) => (cli!.exitCode !== null ? r() : cli!.once("exit", () => r())));

    await startCli(["--restore", "latest"]);
    const total = EXPECTED_PHASE1.length + EXPECTED_PHASE2.length;
    await waitFor(() => got.length >= total, `${total} sessions after the restore`, 240_000);
    // one more checkpoint interval: a duplicate would be committed by now
    await new Promise((r) => setTimeout(r, 12_000));
    expect(got.map((g) => summary(g.s)).sort(byKey)).toEqual([...EXPECTED_PHASE1, ...EXPECTED_PHASE2].sort(byKey));
    expect(new Set(got.map((g) => g.meta.id)).size).toBe(total);
  }, 600_000);

  /** The CloudEvents record evt's producer (and the Flink wrapper) would write for a session. */
  function sessionRecord(s: SessionSummarized, id: string): kafkajs.Message {
    return {
      key: null,
      value: Buffer.from(toBinary(SessionSummarizedSchema, s)),
      headers: {
        ce_specversion: "1.0", ce_id: id, ce_source: "evt-flink/sessionize", ce_type: "clickstream.v1.SessionSummarized",
        ce_time: timestampDate(s.sessionEnd!).toISOString(), "content-type": "application/protobuf", evt_schema: SessionSummarizedContract.fingerprint,
      },
    };
  }

  /** Writes `messages` to the output topic in one Kafka transaction, committed or aborted; the offset of the last one. */
  async function transaction(messages: kafkajs.Message[], outcome: "commit" | "abort"): Promise<number> {
    const kafka = new kafkajs.Kafka({ brokers: kafkaBrokers(), clientId: "it-flink-tx", logLevel: kafkajs.logLevel.NOTHING });
    const tx = kafka.producer({ transactionalId: `it-flink-${run}-${outcome}`, idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    try {
      const t = await tx.transaction();
      const [meta] = await t.send({ topic: outTopic, messages, acks: -1 });
      await (outcome === "commit" ? t.commit() : t.abort());
      return Number(meta!.baseOffset) + messages.length - 1;
    } finally {
      await tx.disconnect();
    }
  }

  /** ce_ids on the output topic as a read_uncommitted consumer sees them (aborted records included), once `id` is among them or after 30 s. */
  async function uncommittedIds(id: string): Promise<string[]> {
    const kafka = new kafkajs.Kafka({ brokers: kafkaBrokers(), clientId: "it-flink-peek", logLevel: kafkajs.logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `it-flink-peek-${run}`, readUncommitted: true });
    const ids: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: outTopic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void ids.push(String(message.headers?.ce_id ?? "")) });
      await waitFor(() => ids.includes(id), `${id} on the output topic`, 30_000).catch(() => undefined);
    } finally {
      await consumer.disconnect();
    }
    return ids;
  }

  it("evt run sinks the processor's output into DuckDB: each session once by ce_id, nothing from an aborted transaction", async () => {
    const total = EXPECTED_PHASE1.length + EXPECTED_PHASE2.length;
    expect(got).toHaveLength(total); // the sessions of the test above, as the typed processor read them
    await runner?.stop();
    runner = undefined;
    if (cli && cli.exitCode === null) {
      cli.kill("SIGTERM"); // Flink is done (every session is out); its CPU goes to the sink
      await new Promise<void>((r) => (cli!.exitCode !== null ? r() : cli!.once("exit", () => r())));
    }

    // On the output topic after Flink's records: a session in an aborted transaction (must never
    // land), then, committed, a replay of a real session with its ce_id (lands once) and one new session.
    const template = got[0]!.s;
    const ghost = create(SessionSummarizedSchema, { ...template, anonymousId: `it-${run}-ghost`, firstPage: "ghost", lastPage: "ghost" });
    const late = create(SessionSummarizedSchema, { ...template, anonymousId: `it-${run}-late`, firstPage: "late", lastPage: "late" });
    const ghostId = randomUUID();
    const lateId = randomUUID();
    await transaction([sessionRecord(ghost, ghostId)], "abort");
    const lastOffset = await transaction([sessionRecord(got[0]!.s, got[0]!.meta.id), sessionRecord(late, lateId)], "commit");
    // the aborted record is really in the log: only read-committed consumption keeps it out
    expect(await uncommittedIds(ghostId)).toContain(ghostId);

    const sinkName = "CLICKSTREAM.SESSION_SUMMARIZED";
    const sink = generatedConfig.sinks.find((x) => x.name === sinkName)!;
    const sinkConfig = path.join(cwd, "evt-sinks.json");
    writeFileSync(sinkConfig, JSON.stringify({ ...generatedConfig, sinks: [{ ...sink, topic: outTopic, dlqTopic: `${outTopic}.dlq` }] }, null, 2));
    const duckdbPath = path.join(cwd, "warehouse.duckdb");
    const prefix = `it-flink-sink-${run}`;
    const child = spawn(process.execPath, [
      path.join(REPO_ROOT, "bin", "run.js"), "run", "--sink", sinkName, "--sink-config", sinkConfig, "--target", "duckdb",
      "--duckdb-path", duckdbPath, "--brokers", kafkaBrokers().join(","), "--group-prefix", prefix, "--progress-interval-s", "0",
    ], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      // offsets are committed after the warehouse transaction: past the last record = everything landed
      await waitUntil(async () => (await committedTotal(`${prefix}.${sink.table}`, outTopic)) > lastOffset, `the sink past offset ${lastOffset}`, 120_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; evt run said:\n${output}`);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exit, output).toBe(0);
    // rows written count new rows only: the replay was de-duplicated on its ce_id
    expect(output).toMatch(new RegExp(`${sinkName}: ${total + 1} row\\(s\\) in \\d+ batch\\(es\\), 0 dead-lettered`));

    const inst = await DuckDBInstance.create(duckdbPath);
    const c = await inst.connect();
    const rows = (await c.runAndReadAll(
      'SELECT "EVT_EVENT_ID" AS id, "ANONYMOUS_ID" AS who, "PLATFORM" AS platform, epoch_ms("SESSION_START") AS start_ms, ' +
        'epoch_ms("SESSION_END") AS end_ms, "DURATION_MS" AS duration, "PAGE_COUNT" AS pages, "FIRST_PAGE" AS first, "LAST_PAGE" AS last ' +
        'FROM "CLICKSTREAM"."SESSION_SUMMARIZED"',
    )).getRowObjectsJson() as Record<string, string | number | null>[];
    c.closeSync();
    inst.closeSync();

    const flinkIds = got.map((g) => g.meta.id);
    expect(rows.map((r) => r.id).sort()).toEqual([...flinkIds, lateId].sort()); // once each: the replay de-duplicated
    expect(rows.map((r) => r.id)).not.toContain(ghostId);
    expect(rows.map((r) => r.who)).not.toContain(`it-${run}-ghost`);
    const platformName = (p: Platform): string => PlatformSchema.values.find((v) => v.number === p)!.name;
    const landed = rows.filter((r) => r.id !== lateId).map((r): Expected & { duration: number } => ({
      who: String(r.who).replace(/^it-[^-]+-/, ""), platform: PlatformSchema.values.find((v) => v.name === r.platform)!.number as Platform,
      start: Number(r.start_ms), end: Number(r.end_ms), pages: Number(r.pages), first: String(r.first), last: String(r.last), duration: Number(r.duration),
    }));
    for (const l of landed) expect(l.duration).toBe(l.end - l.start);
    expect(landed.map(({ duration: _, ...e }) => e).sort(byKey)).toEqual([...EXPECTED_PHASE1, ...EXPECTED_PHASE2].sort(byKey));
    expect(rows.find((r) => r.id === lateId)).toMatchObject({ who: `it-${run}-late`, platform: platformName(template.platform), first: "late" });
  }, 300_000);
});
