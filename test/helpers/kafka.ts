import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export function kafkaPort(): number {
  const raw = process.env.EVT_KAFKA_PORT ?? "19092";
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`EVT_KAFKA_PORT is not a port: ${raw}`);
  return port;
}

/** The broker's log file (scripts/kafka.sh keeps one per port). */
export function kafkaLogFile(): string {
  const port = kafkaPort();
  return port === 19092 ? `${repoRoot}.cache/kafka/server.log` : `${repoRoot}.cache/kafka/port-${port}/server.log`;
}

/** Bootstrap brokers of the test broker. */
export function kafkaBrokers(): string[] {
  return [`127.0.0.1:${kafkaPort()}`];
}

async function script(action: "start" | "stop" | "status"): Promise<string> {
  const { stdout } = await run("bash", ["scripts/kafka.sh", action], {
    cwd: repoRoot,
    env: { ...process.env, EVT_KAFKA_PORT: String(kafkaPort()) },
    // the first start fetches the jars from Maven Central: allow a few minutes
    timeout: 600_000,
  });
  return stdout.trim();
}

/** Starts the broker when it is not running (idempotent) and returns its bootstrap brokers. */
export async function ensureKafka(): Promise<string[]> {
  try {
    await script("start");
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`scripts/kafka.sh start failed: ${err.stderr?.trim() || err.message}`);
  }
  return kafkaBrokers();
}

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}.${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/** Reads `count` records of `topic` from the beginning with a throwaway group (raw kafkajs), or fails after `timeoutMs`. */
export async function readTopic(topic: string, count: number, timeoutMs = 30_000): Promise<import("kafkajs").KafkaMessage[]> {
  const { default: kafkajs } = await import("kafkajs");
  const kafka = new kafkajs.Kafka({ brokers: kafkaBrokers(), clientId: "evt-test-reader", logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${randomBytes(4).toString("hex")}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: import("kafkajs").KafkaMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${got.length}/${count} records of ${topic} in ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message);
          if (got.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

/** Produces raw records (no evt validation): for poison-message tests. */
export async function produceRaw(topic: string, messages: import("kafkajs").Message[]): Promise<void> {
  const { default: kafkajs } = await import("kafkajs");
  const kafka = new kafkajs.Kafka({ brokers: kafkaBrokers(), clientId: "evt-test-raw", logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages, acks: -1 });
  } finally {
    await producer.disconnect();
  }
}

/** Sum of the high-water marks of `topic` (records ever written). */
export async function topicSize(topic: string): Promise<number> {
  const { default: kafkajs } = await import("kafkajs");
  const admin = new kafkajs.Kafka({ brokers: kafkaBrokers(), clientId: "evt-test-admin", logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Polls `predicate` every 50 ms until true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
