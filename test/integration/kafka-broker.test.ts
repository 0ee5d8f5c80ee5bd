import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { kafkaBrokers, repoRoot, uniqueTopic } from "../helpers/kafka.js";

const run = promisify(execFile);
const { Kafka, logLevel, CompressionTypes } = kafkajs;

// Smoke test of the broker itself and of kafkajs 2.2.4 against it (Kafka 4 removed old protocol
// versions, KIP-896): idempotent produce with compression, and a consumer-group read back.
describe("kafka broker (scripts/kafka.sh)", () => {
  it("reports running, and start is idempotent", async () => {
    const status = await run("bash", ["scripts/kafka.sh", "status"], { cwd: repoRoot });
    expect(status.stdout).toMatch(/running \(pid \d+/);
    const again = await run("bash", ["scripts/kafka.sh", "start"], { cwd: repoRoot });
    expect(again.stdout).toMatch(/already running/);
  });

  it("is Kafka 4.x and round-trips messages through an idempotent producer and a consumer group", async () => {
    const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "evt-smoke", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueTopic("smoke");
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    // the running broker says which version it is in its log
    const versions = [...readFileSync(`${repoRoot}.cache/kafka/server.log`, "utf8").matchAll(/Kafka version: (\S+)/g)];
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
