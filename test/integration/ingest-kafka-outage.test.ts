/**
 * Kafka stopped in the middle of a load: the collector answers 503 with Retry-After (never
 * accept-then-drop), /readyz reports it, and after the broker is back every event the collector
 * ever answered "accepted" is on the topic. Runs its OWN broker on another port (the shared one
 * on 19092 is never stopped).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../runtime/uuid7.js";
import { repoRoot } from "../helpers/kafka.js";
import { PAGE_VIEWED, WEB_KEY, ORIGIN, createTopics, freshTopics, header, pageViewed, post, startCollector, type Topics } from "./fixtures/ingest-setup.js";
import kafkajs from "kafkajs";

const run = promisify(execFile);
const PORT = 19462;
const BROKERS = [`127.0.0.1:${PORT}`];

async function broker(action: "start" | "stop"): Promise<void> {
  await run("bash", ["scripts/kafka.sh", action], { cwd: repoRoot, env: { ...process.env, EVT_KAFKA_PORT: String(PORT), EVT_KAFKA_HEAP: "384m" }, timeout: 180_000 });
}

/** Every ce_id on `topic` (up to its current end offsets). */
async function ceIds(topic: string, timeoutMs = 60_000): Promise<string[]> {
  const kafka = new kafkajs.Kafka({ brokers: BROKERS, clientId: "evt-outage-reader", logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `outage-reader-${uuidv7()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const ids: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${ids.length}/${total} records of ${topic}`)), timeoutMs);
      if (total === 0) resolve();
      void consumer.run({
        eachMessage: async ({ message }) => {
          ids.push(header(message, "ce_id")!);
          if (ids.length >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return ids;
}

let topics: Topics;
let server: Awaited<ReturnType<typeof startCollector>>;

beforeAll(async () => {
  await broker("start");
  topics = freshTopics("outage");
  await createTopics(BROKERS, topics, 1);
  server = await startCollector(BROKERS, topics, { ackTimeoutMs: 2_000, retryAfterSeconds: 1 });
}, 240_000);

afterAll(async () => {
  await server?.close().catch(() => {});
  await broker("stop");
}, 120_000);

describe("evt ingest with Kafka stopped mid-load", () => {
  it("answers 503 + Retry-After while Kafka is down and loses no accepted event", async () => {
    const accepted = new Set<string>();
    const statuses: Record<number, number> = {};
    let retryAfterSeen: string | null = null;
    let readyDuringOutage: number | undefined;
    let stop = false;
    let batches = 0;
    const base = server.url.replace("/v1/events", "");

    // 4 clients, each resending a refused batch with the same ids (as the tracker does)
    const client = async (c: number): Promise<void> => {
      while (!stop) {
        const events = Array.from({ length: 20 }, (_, i) => ({ type: PAGE_VIEWED, id: uuidv7(), data: pageViewed(c * 1000 + i) }));
        for (;;) {
          const res = await post(server.url, { source: "web", events }, { "x-evt-write-key": WEB_KEY, origin: ORIGIN }).catch(() => ({ status: 0, headers: new Headers(), json: undefined }));
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status === 200) {
            for (const r of res.json.results as { id: string; status: string }[]) if (r.status === "accepted") accepted.add(r.id);
            batches++;
            break;
          }
          if (res.status === 503) retryAfterSeen = res.headers.get("retry-after");
          if (stop && res.status !== 503) break;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    await new Promise((r) => setTimeout(r, 2_000));
    const before = batches;
    await broker("stop");
    // let the outage be noticed
    const end = Date.now() + 20_000;
    while (!statuses[503] && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    readyDuringOutage = (await fetch(`${base}/readyz`)).status;
    await new Promise((r) => setTimeout(r, 2_000));
    await broker("start");
    // load continues until batches flow again, then the clients finish their in-flight batch
    const back = batches;
    const end2 = Date.now() + 90_000;
    while (batches < back + 20 && Date.now() < end2) await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await Promise.all(clients);

    expect(before).toBeGreaterThan(0);
    expect(statuses[503]).toBeGreaterThan(0);
    expect(retryAfterSeen).toBe("1");
    expect(readyDuringOutage).toBe(503);
    expect(batches).toBeGreaterThan(back);
    const onTopic = new Set(await ceIds(topics.pageViewed));
    const lost = [...accepted].filter((id) => !onTopic.has(id));
    expect({ accepted: accepted.size, lost: lost.length }).toEqual({ accepted: accepted.size, lost: 0 });
    expect(accepted.size).toBeGreaterThan(200);
  });
});
