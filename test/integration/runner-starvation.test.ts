/**
 * Issue 10 item 4 against the real broker: with a handler that hangs for 0.1% of events, every one
 * of 12 partitions keeps moving — a hung call fails after the handler timeout, is retried, then
 * dead-lettered — and partition concurrency is an option with a default that lets the others run.
 */
import { create } from "@bufbuild/protobuf";
import { afterAll, describe, expect, it } from "vitest";
import {
  bindProducer, createKafkaClient, createProducer, defineProcessor, ensureTopics, jsonLogger, startRunner, type Runner,
} from "../../runtime/index.js";
import { DEFAULT_PARTITIONS_CONCURRENTLY } from "../../runtime/kafka/runner.js";
import { pageContract } from "../fixtures/runtime/contracts.js";
import { PageViewedSchema } from "../fixtures/runtime/gen/shop/v1/shop_pb.js";
import { kafkaBrokers, topicSize, uniqueTopic } from "../helpers/kafka.js";

const client = createKafkaClient({ brokers: kafkaBrokers(), clientId: "evt-it-starvation", logLevel: "nothing" });
const runners: Runner[] = [];
afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop().catch(() => {})));
});

describe("processor runner: hanging handlers do not starve partitions", () => {
  it("12 partitions, 0.1% of handler calls hang 30 s: every partition advances within a minute; the hung events are dead-lettered", async () => {
    expect(DEFAULT_PARTITIONS_CONCURRENTLY).toBeGreaterThanOrEqual(12);
    const page = pageContract(uniqueTopic("it.starve"), 12);
    await ensureTopics(client, [page], { dlq: true });
    const N = 6000;
    const hangs = new Set<number>();
    for (let i = 0; i < N; i += 1000) hangs.add(i + 7); // 0.1%
    const producer = createProducer({ brokers: kafkaBrokers(), source: "it-starve", kafka: { logLevel: "nothing" } });
    await producer.connect();
    try {
      const events = Array.from({ length: N }, (_, i) => create(PageViewedSchema, { sessionId: BigInt(i), url: `/p/${i}` }));
      await bindProducer(producer, page).send(events);
    } finally {
      await producer.disconnect();
    }
    const handledPer = new Map<number, number>();
    const timers: NodeJS.Timeout[] = [];
    const started = Date.now();
    const runner = await startRunner({
      client, groupId: uniqueTopic("g-starve"), logger: jsonLogger({ level: "silent" }),
      handlerTimeoutMs: 500,
      processors: [defineProcessor(page, async (e, meta) => {
        const i = Number(e.url.slice(3));
        if (hangs.has(i)) {
          await new Promise((r) => timers.push(setTimeout(r, 30_000))); // a call that hangs for 30 s
          return;
        }
        handledPer.set(meta.partition, (handledPer.get(meta.partition) ?? 0) + 1);
      }, { maxRetries: 1, initialBackoffMs: 50 })],
    });
    runners.push(runner);
    try {
      const deadline = started + 60_000;
      const total = (): number => [...handledPer.values()].reduce((a, b) => a + b, 0);
      while (total() < N - hangs.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      const elapsed = Date.now() - started;
      // every partition advanced, and all events but the hung ones were handled, within the minute
      expect([...handledPer.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, p) => p));
      expect(total(), `handled after ${elapsed} ms`).toBe(N - hangs.size);
      expect(elapsed).toBeLessThan(60_000);
      // a timeout counts as a failure: retried once, then dead-lettered
      const dlq = `${page.topic}.dlq`;
      const end = Date.now() + 30_000;
      while ((await topicSize(dlq)) < hangs.size && Date.now() < end) await new Promise((r) => setTimeout(r, 500));
      expect(await topicSize(dlq)).toBe(hangs.size);
    } finally {
      for (const t of timers) clearTimeout(t);
    }
  });
});
