/**
 * The processor runner's metrics end to end without a broker: the real startRunner on the
 * in-memory consumer, RuntimeMetrics attached. Handled events are counted per batch
 * (processor.handled_batch): the counter and the handle-duration histogram must still equal the
 * records handled, per processor and topic, across commit ticks inside a batch and retries.
 */
import { afterEach, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { defineProcessor, Instrumentation, jsonLogger, startRunner, type Runner } from "../../runtime/index.js";
import type { InstrumentationPayloads } from "../../runtime/instrumentation.js";
import type { ConsumedRecord } from "../../runtime/kafka/adapter.js";
import { RuntimeMetrics } from "../../runtime/metrics/runtime-metrics.js";
import { cartContract, pageContract } from "../fixtures/runtime/contracts.js";
import { CartCheckedOutSchema, PageViewedSchema } from "../fixtures/runtime/gen/shop/v1/shop_pb.js";
import { memConsumerClient, recordOf, type MemConsumerClient } from "./mem-consumer.js";

const A = "t.runner.a.v1";
const B = "t.runner.b.v1";
const pagesA = pageContract(A);
const cartsA = cartContract(A);
const pagesB = pageContract(B);

const page = (i: number) => create(PageViewedSchema, { sessionId: BigInt(i + 1), url: `https://shop.example/p/${i}`, viewedAt: timestampFromMs(1_700_000_000_000) });
const cart = (i: number) => create(CartCheckedOutSchema, { cartId: `cart-${i}`, shipping: { city: "Lyon" } });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The value of one sample line of the exposition, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let runner: Runner | undefined;
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

interface Started {
  client: MemConsumerClient;
  metrics: RuntimeMetrics;
  batches: (InstrumentationPayloads["processor.handled_batch"] & { at: number })[];
}

async function start(handlers: { page?: (e: ReturnType<typeof page>, offset: string, topic: string) => Promise<void> | void } = {}, commitIntervalMs = 1000): Promise<Started> {
  const instrumentation = new Instrumentation();
  const metrics = new RuntimeMetrics();
  metrics.attach(instrumentation);
  const client = memConsumerClient({ topics: [`${B}.dlq`] });
  const batches: Started["batches"] = [];
  instrumentation.on("processor.handled_batch", ({ payload }) => batches.push({ ...payload, at: client.log.length }));
  const onPage = (e: ReturnType<typeof page>, meta: { offset: string; topic: string }) => handlers.page?.(e, meta.offset, meta.topic);
  runner = await startRunner({
    client, groupId: "runner-metrics", instrumentation, commitIntervalMs, logger: jsonLogger({ level: "silent" }),
    processors: [
      defineProcessor(pagesA, onPage, { name: "pages", initialBackoffMs: 1 }),
      defineProcessor(cartsA, () => {}, { name: "carts" }),
      defineProcessor(pagesB, onPage, { name: "pages", initialBackoffMs: 1 }),
    ],
  });
  return { client, metrics, batches };
}

describe("runner metrics (per-batch tally)", () => {
  it("count every handled record per processor and topic, once, including a retried one and not a dead-lettered one", async () => {
    const failedOnce = new Set<string>();
    const { client, metrics } = await start({
      page: (_e, offset, topic) => {
        if (topic === A && offset === "3" && !failedOnce.has(offset)) {
          failedOnce.add(offset);
          throw new Error("flaky downstream");
        }
      },
    });
    // A/0: pages and carts interleaved (two processors on one topic, one batch)
    client.push(Array.from({ length: 10 }, (_, i) => i % 2 === 0 ? recordOf(pagesA, page(i), { partition: 0, offset: i }) : recordOf(cartsA, cart(i), { partition: 0, offset: i })));
    // A/1: offset 3 fails once, then succeeds on its retry
    client.push(Array.from({ length: 7 }, (_, i) => recordOf(pagesA, page(i), { partition: 1, offset: i })));
    // B/0: offset 1 cannot be decoded and goes to the DLQ
    client.push(Array.from({ length: 4 }, (_, i): ConsumedRecord => {
      const rec = recordOf(pagesB, page(i), { partition: 0, offset: i });
      return i === 1 ? { ...rec, value: Buffer.from([0xff, 0xff, 0xff]) } : rec;
    }));
    await client.drained();
    const text = await metrics.text();

    expect(failedOnce.size).toBe(1);
    expect(sample(text, 'evt_processor_handled_events_total{processor="pages",topic="t.runner.a.v1"}')).toBe(5 + 7);
    expect(sample(text, 'evt_processor_handled_events_total{processor="carts",topic="t.runner.a.v1"}')).toBe(5);
    expect(sample(text, 'evt_processor_handled_events_total{processor="pages",topic="t.runner.b.v1"}')).toBe(3);
    // the histogram is by processor: pages over both topics
    expect(sample(text, 'evt_processor_handle_duration_seconds_count{processor="pages"}')).toBe(5 + 7 + 3);
    expect(sample(text, 'evt_processor_handle_duration_seconds_bucket{le="+Inf",processor="pages"}')).toBe(15);
    expect(sample(text, 'evt_processor_handle_duration_seconds_count{processor="carts"}')).toBe(5);
    expect(sample(text, 'evt_processor_retries_total{processor="pages",topic="t.runner.a.v1"}')).toBe(1);
    expect(sample(text, 'evt_processor_dead_lettered_total{processor="(decode)",topic="t.runner.b.v1"}')).toBe(1);
    expect(sample(text, 'evt_consumed_records_total{topic="t.runner.a.v1",partition="1"}')).toBe(7);
    // the retried record's backoff is part of its time: the sum is above zero (1 ms backoff at least)
    expect(sample(text, 'evt_processor_handle_duration_seconds_sum{processor="pages"}')).toBeGreaterThan(0);
    // every offset resolved, the DLQ'd one too
    expect(client.log.filter((c) => c.call === "resolveOffset")).toHaveLength(10 + 7 + 4);
  });

  it("report the records handled before a commit tick inside a batch, and the rest at the batch's end", async () => {
    // tick interval 10 ms; offset 2 takes 40 ms, so the loop heartbeats and commits right after it
    const { client, metrics, batches } = await start({ page: (_e, offset) => (offset === "2" ? sleep(40) : undefined) }, 10);
    client.push(Array.from({ length: 6 }, (_, i) => recordOf(pagesB, page(i), { partition: 1, offset: i })));
    await client.drained();

    const log = client.log;
    const lastResolve = log.findIndex((c) => c.call === "resolveOffset" && c.offset === "5");
    const midCommit = log.findIndex((c, i) => c.call === "commit" && i > log.findIndex((r) => r.call === "resolveOffset" && r.offset === "2"));
    expect(midCommit).toBeGreaterThan(0);
    expect(midCommit).toBeLessThan(lastResolve);
    const mine = batches.filter((b) => b.topic === B && b.partition === 1);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine[0]!.at).toBeLessThanOrEqual(midCommit);
    expect(mine.reduce((n, b) => n + b.count, 0)).toBe(6);
    expect(mine.every((b) => b.processor === "pages" && b.durationCounts.reduce((x, y) => x + y, 0) === b.count)).toBe(true);

    const text = await metrics.text();
    expect(sample(text, 'evt_processor_handled_events_total{processor="pages",topic="t.runner.b.v1"}')).toBe(6);
    expect(sample(text, 'evt_processor_handle_duration_seconds_count{processor="pages"}')).toBe(6);
    // the 40 ms record is above the 25 ms bound, at most in the 50 ms bucket's neighbours
    expect(sample(text, 'evt_processor_handle_duration_seconds_bucket{le="0.025",processor="pages"}')).toBe(5);
    expect(sample(text, 'evt_processor_handle_duration_seconds_sum{processor="pages"}')).toBeGreaterThanOrEqual(0.039);
  });

  it("still emits the per-event processor.handled, but only to its own listeners", async () => {
    const instrumentation = new Instrumentation();
    const perEvent: InstrumentationPayloads["processor.handled"][] = [];
    const client = memConsumerClient();
    runner = await startRunner({ client, groupId: "runner-metrics", instrumentation, logger: jsonLogger({ level: "silent" }), processors: [defineProcessor(pagesB, () => {}, { name: "pages" })] });
    client.push(Array.from({ length: 3 }, (_, i) => recordOf(pagesB, page(i), { partition: 0, offset: i })));
    await client.drained();
    expect(perEvent).toHaveLength(0);
    instrumentation.on("processor.handled", ({ payload }) => perEvent.push(payload));
    client.push(Array.from({ length: 3 }, (_, i) => recordOf(pagesB, page(i), { partition: 0, offset: 3 + i })));
    await client.drained();
    expect(perEvent.map((p) => [p.processor, p.offset, p.attempts, p.id])).toEqual([
      ["pages", "3", 1, "id-0-3"], ["pages", "4", 1, "id-0-4"], ["pages", "5", 1, "id-0-5"],
    ]);
    expect(perEvent.every((p) => p.latencyMs >= 0)).toBe(true);
  });
});
