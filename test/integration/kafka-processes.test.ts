import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafkaClient, createProducer, ensureTopics, type EvtKafkaProducer } from "../../runtime/index.js";
import { pageContract } from "../fixtures/runtime/contracts.js";
import { PageViewedSchema } from "../fixtures/runtime/gen/shop/v1/shop_pb.js";
import { kafkaBrokers, kafkaPort, repoRoot, uniqueTopic, waitFor } from "../helpers/kafka.js";

const childScript = path.join(repoRoot, "test/integration/fixtures/kafka-runner-child.ts");
const client = createKafkaClient({ brokers: kafkaBrokers(), logLevel: "nothing" });

interface Child {
  readonly proc: ChildProcess;
  readonly logs: Record<string, unknown>[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnRunner(env: Record<string, string>, nodeFlags: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeFlags, "--import", "tsx", childScript], {
    cwd: repoRoot,
    env: { ...process.env, EVT_KAFKA_PORT: String(kafkaPort()), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const logs: Record<string, unknown>[] = [];
  let buf = "";
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not ours
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { proc, logs, exited };
}

/** Handled lines: `ce_id child partition`. */
function handled(file: string): { id: string; child: string; partition: number }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => {
    const [id, child, p] = l.split(" ");
    return { id: id!, child: child!, partition: Number(p) };
  });
}

function lastAssignment(c: Child, topic: string): number[] | undefined {
  const a = c.logs.filter((l) => l.msg === "partitions assigned").at(-1)?.assignment as Record<string, number[]> | undefined;
  return a ? (a[topic] ?? []) : undefined;
}

describe("runner processes: crash and rebalance", () => {
  let producer: EvtKafkaProducer;
  const children: Child[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "evt-kafka-proc-"));

  beforeAll(async () => {
    producer = createProducer({ brokers: kafkaBrokers(), source: "it-proc", kafka: { logLevel: "nothing" } });
    await producer.connect();
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
    await producer.disconnect();
  });

  async function produce(contract: ReturnType<typeof pageContract>, n: number, from = 0): Promise<string[]> {
    const ids: string[] = [];
    for (let i = from; i < from + n; i += 500) {
      const batch = Array.from({ length: Math.min(500, from + n - i) }, (_, j) =>
        create(PageViewedSchema, { sessionId: BigInt(i + j), url: `/page/${i + j}`, payload: new Uint8Array(200) }),
      );
      for (const r of await producer.send(contract, batch)) ids.push(r.id);
    }
    return ids;
  }

  it("a runner SIGKILLed mid-stream and restarted handles every event at least once", async () => {
    const contract = pageContract(uniqueTopic("it.kill"), 3);
    await ensureTopics(client, [contract], { dlq: true });
    const ids = await produce(contract, 3000);
    const out = path.join(dir, "kill.txt");
    const env = { CHILD_TOPIC: contract.topic, CHILD_PARTITIONS: "3", CHILD_GROUP: uniqueTopic("g-kill"), CHILD_OUT: out, CHILD_DELAY_MS: "1" };
    const first = spawnRunner({ ...env, CHILD_NAME: "first" });
    children.push(first);
    await waitFor(() => handled(out).length >= 600, "600 events handled by the first runner", 60_000);
    first.proc.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    const byFirst = handled(out).length;
    // progress was committed while it ran (inside long batches too), and never past what it handled
    const admin = client.admin();
    await admin.connect();
    const committed = (await admin.committedOffsets(env.CHILD_GROUP, contract.topic)).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    await admin.disconnect();
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThanOrEqual(byFirst);
    expect(byFirst).toBeLessThan(ids.length); // killed mid-stream

    const second = spawnRunner({ ...env, CHILD_NAME: "second", CHILD_DELAY_MS: "0" });
    children.push(second);
    const want = new Set(ids);
    await waitFor(() => { const seen = new Set(handled(out).map((h) => h.id)); return [...want].every((id) => seen.has(id)); }, "every ce_id handled", 90_000);
    const lines = handled(out);
    // every produced event was handled, by one runner or the other, and nothing else was
    expect(new Set(lines.map((l) => l.id))).toEqual(want);
    // the restart resumed from committed offsets: it redid at most the uncommitted tail, not everything
    const secondCount = lines.filter((l) => l.child === "second").length;
    expect(secondCount).toBeLessThanOrEqual(ids.length - committed);
    expect(secondCount).toBeGreaterThanOrEqual(ids.length - byFirst);

    second.proc.kill("SIGTERM");
    const exit = await second.exited;
    expect(exit.code).toBe(0);
    expect(second.logs.some((l) => l.msg === "runner stopped")).toBe(true);
  });

  it("two runners in one group share the partitions and survive a rebalance without losing events", async () => {
    const contract = pageContract(uniqueTopic("it.group"), 4);
    await ensureTopics(client, [contract], { dlq: true });
    const out = path.join(dir, "group.txt");
    const env = { CHILD_TOPIC: contract.topic, CHILD_PARTITIONS: "4", CHILD_GROUP: uniqueTopic("g-group"), CHILD_OUT: out, CHILD_DELAY_MS: "2" };
    const a = spawnRunner({ ...env, CHILD_NAME: "a" });
    children.push(a);
    await waitFor(() => lastAssignment(a, contract.topic)?.length === 4, "a holds all 4 partitions", 60_000);
    const b = spawnRunner({ ...env, CHILD_NAME: "b" });
    children.push(b);
    // rebalance: the group splits the 4 partitions between a and b
    await waitFor(() => {
      const pa = lastAssignment(a, contract.topic) ?? [];
      const pb = lastAssignment(b, contract.topic) ?? [];
      return pa.length > 0 && pb.length > 0 && new Set([...pa, ...pb]).size === 4 && pa.length + pb.length === 4;
    }, "a and b sharing 4 partitions", 60_000);
    const ids = await produce(contract, 2000);
    await waitFor(() => handled(out).length >= 800, "800 handled", 60_000);
    // b leaves gracefully mid-stream: a rebalance hands its partitions back to a
    b.proc.kill("SIGTERM");
    expect((await b.exited).code).toBe(0);
    await waitFor(() => lastAssignment(a, contract.topic)?.length === 4, "a holds all 4 partitions again", 60_000);
    const more = await produce(contract, 500, 2000);
    const want = new Set([...ids, ...more]);
    await waitFor(() => { const seen = new Set(handled(out).map((h) => h.id)); return [...want].every((id) => seen.has(id)); }, "every ce_id handled", 90_000);
    const lines = handled(out);
    expect(new Set(lines.map((l) => l.id))).toEqual(want);
    // both did real work, each on its own partitions while they shared the group
    const aParts = new Set(lines.filter((l) => l.child === "a").map((l) => l.partition));
    const bParts = new Set(lines.filter((l) => l.child === "b").map((l) => l.partition));
    expect(bParts.size).toBeGreaterThan(0);
    expect(aParts.size).toBe(4);
    a.proc.kill("SIGTERM");
    expect((await a.exited).code).toBe(0);
  });
});

describe("runner memory under a backlog", () => {
  it("holds about one fetch, not the backlog: live memory does not grow when the backlog grows sixfold", async () => {
    const producer = createProducer({ brokers: kafkaBrokers(), source: "it-mem", kafka: { logLevel: "nothing" } });
    await producer.connect();
    // incompressible (random per event): the fetch bound (maxBytes) counts compressed bytes and
    // kafkajs decompresses a whole fetch at once, so a repetitive backlog expands by its compression ratio
    async function backlog(n: number): Promise<string> {
      const contract = pageContract(uniqueTopic("it.mem"), 2);
      await ensureTopics(client, [contract], { dlq: true });
      for (let i = 0; i < n; i += 800) {
        await producer.send(contract, Array.from({ length: Math.min(800, n - i) }, (_, j) => create(PageViewedSchema, { sessionId: BigInt(i + j), payload: randomBytes(1000) })));
      }
      return contract.topic;
    }
    // live memory = heap + array buffers right after a full GC, sampled every 1000 events:
    // what the runner holds, not what V8 has yet to collect (RSS mostly measures the latter)
    async function peak(topic: string, n: number): Promise<{ live: number; rss: number }> {
      const c = spawnRunner({
        CHILD_TOPIC: topic, CHILD_PARTITIONS: "2", CHILD_GROUP: uniqueTopic("g-mem"), CHILD_OUT: "", CHILD_EXIT_AFTER: String(n),
        CHILD_MAX_BYTES: String(1024 * 1024), CHILD_NAME: "mem", CHILD_GC_EVERY: "1000",
      }, ["--expose-gc"]);
      expect((await c.exited).code).toBe(0);
      const line = c.logs.find((l) => l.msg === "peak")!;
      expect(line.count).toBe(n);
      return { live: line.peakLiveMb as number, rss: line.peakRssMb as number };
    }
    const small = 10_000;
    const large = 60_000; // ~60 MB of values waiting in the topic
    const smallPeak = await peak(await backlog(small), small);
    const largePeak = await peak(await backlog(large), large);
    await producer.disconnect();
    console.log(`runner peak live memory: ${smallPeak.live} MB with a 10 MB backlog, ${largePeak.live} MB with a 60 MB backlog (peak RSS ${smallPeak.rss} / ${largePeak.rss} MB)`);
    // holding the backlog would add ≥ 50 MB of values alone; a bounded consumer holds ~1 fetch (1 MiB) plus decoded events
    expect(largePeak.live - smallPeak.live).toBeLessThan(20);
    expect(largePeak.live).toBeLessThan(50 + smallPeak.live / 2);
  });
});
