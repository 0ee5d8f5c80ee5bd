import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { kafkaBrokers, kafkaLogFile, kafkaPort, repoRoot, uniqueTopic } from "../helpers/kafka.js";

const run = promisify(execFile);
const { Kafka, logLevel, CompressionTypes } = kafkajs;

// Smoke test of the broker itself and of kafkajs 2.2.4 against it (Kafka 4 removed old protocol
// versions, KIP-896): idempotent produce with compression, and a consumer-group read back.
describe("kafka broker (scripts/kafka.sh)", () => {
  it("reports running, and start is idempotent", async () => {
    const env = { ...process.env, EVT_KAFKA_PORT: String(kafkaPort()) };
    const status = await run("bash", ["scripts/kafka.sh", "status"], { cwd: repoRoot, env });
    expect(status.stdout).toMatch(/running \(pid \d+/);
    const again = await run("bash", ["scripts/kafka.sh", "start"], { cwd: repoRoot, env });
    expect(again.stdout).toMatch(/already running/);
  });

  it("is Kafka 4.x and round-trips messages through an idempotent producer and a consumer group", async () => {
    const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "evt-smoke", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueTopic("smoke");
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    // the running broker says which version it is in its log
    const versions = [...readFileSync(kafkaLogFile(), "utf8").matchAll(/Kafka version: (\S+)/g)];
    expect(versions.at(-1)?.[1]).toMatch(/^4\./);

    const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}`, headers: { n: String(i) } }));
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `g-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(`${message.key?.toString()}=${message.value?.toString()}#${message.headers?.n?.toString()}`);
          if (got.length === sent.length) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(got.sort()).toEqual(sent.map((m) => `${m.key}=${m.value}#${m.headers.n}`).sort());
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });
});

describe("scripts/kafka.sh lifecycle and prerequisites", () => {
  const port = 29192; // a second broker on its own port, storage and pid file; the shared one is untouched
  const env = { ...process.env, EVT_KAFKA_PORT: String(port), EVT_KAFKA_HEAP: "256m" };
  const sh = (action: string, extra: Record<string, string> = {}) =>
    run("bash", ["scripts/kafka.sh", action], { cwd: repoRoot, env: { ...env, ...extra } }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
    );

  it("says which prerequisite is missing", async () => {
    // a PATH with the shell tools the script uses but no java and no mvn
    const bin = mkdtempSync(path.join(tmpdir(), "evt-nojava-"));
    for (const tool of ["bash", "dirname", "cat", "sed", "grep", "head", "tr", "mkdir", "rm", "cp", "cmp", "wc", "date", "tail", "sleep", "seq", "setsid"]) {
      const found = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((p) => existsSync(p));
      if (found) symlinkSync(found, path.join(bin, tool));
    }
    const noJava = await sh("start", { PATH: bin, JAVA_HOME: "" });
    expect(noJava.code).toBe(1);
    expect(noJava.err).toMatch(/Java is not installed; the broker needs Java 17/);
    symlinkSync(execFileSync("bash", ["-c", "command -v java"], { encoding: "utf8" }).trim(), path.join(bin, "java"));
    const noMaven = await sh("start", { PATH: bin, EVT_KAFKA_LIBS: mkdtempSync(path.join(tmpdir(), "evt-libs-")) });
    expect(noMaven.code).toBe(1);
    expect(noMaven.err).toMatch(/Maven \(mvn\) is not installed/);
  });

  it("start / status / stop are idempotent and touch only their own broker", async () => {
    try {
      expect((await sh("status")).code).toBe(1);
      const started = await sh("start");
      expect(started.code, started.err).toBe(0);
      expect(started.out).toMatch(new RegExp(`started \\(pid (\\d+), 127\\.0\\.0\\.1:${port}`));
      expect((await sh("start")).out).toMatch(/already running/);
      expect((await sh("status")).code).toBe(0);
      expect(readFileSync(`${repoRoot}.cache/kafka/port-${port}/server.log`, "utf8")).toMatch(/Kafka Server started/);
    } finally {
      const stopped = await sh("stop");
      expect(stopped.out).toMatch(/stopped \(pid \d+\)/);
    }
    expect((await sh("status")).code).toBe(1);
    expect((await sh("stop")).out).toMatch(/not running/);
    // the shared broker is still there
    expect((await run("bash", ["scripts/kafka.sh", "status"], { cwd: repoRoot })).stdout).toMatch(/running/);
  });
});
