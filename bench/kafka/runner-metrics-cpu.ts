/**
 * CPU cost of Prometheus metrics on the processor runner's batch path, without a broker (issue
 * 15.6): startRunner on the in-memory consumer (test/runtime/mem-consumer.ts), fed small
 * PageViewed records in batches of `--batch` per partition, a no-op typed handler, with
 * `RuntimeMetrics` attached (and scraped every second) or not. Sides alternate per round in ONE
 * process after a warm-up round of each; reports CPU µs per event (process.cpuUsage) and
 * events/s per side (medians, and the CPU minimum: on a shared machine the least disturbed round)
 * and the differences, with the load average.
 *
 *   npx tsx bench/kafka/runner-metrics-cpu.ts [--events 1000000] [--rounds 6] [--batch 500] [--partitions 4]
 * What the broker bench (bench/kafka/metrics-cost.ts) adds on top is the driver's share.
 */
import os from "node:os";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { defineProcessor, Instrumentation, startRunner } from "../../runtime/index.js";
import type { ConsumedRecord } from "../../runtime/kafka/adapter.js";
import { RuntimeMetrics } from "../../runtime/metrics/runtime-metrics.js";
import { pageContract } from "../../test/fixtures/runtime/contracts.js";
import { PageViewedSchema } from "../../test/fixtures/runtime/gen/shop/v1/shop_pb.js";
import { memConsumerClient, recordOf } from "../../test/runtime/mem-consumer.js";

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const N = Number(arg("events", "1000000"));
const ROUNDS = Number(arg("rounds", "6"));
const BATCH = Number(arg("batch", "500"));
const PARTITIONS = Number(arg("partitions", "4"));
const DISTINCT_BATCHES = 5;

const contract = pageContract("bench.runner.metrics.v1", PARTITIONS);
// a small pool of distinct batches, handed out again and again (offsets repeat: the quiet control ignores them)
const pool: ConsumedRecord[][] = [];
for (let p = 0; p < PARTITIONS; p++) {
  for (let b = 0; b < DISTINCT_BATCHES; b++) {
    pool.push(Array.from({ length: BATCH }, (_, i) => {
      const offset = b * BATCH + i;
      const event = create(PageViewedSchema, { sessionId: BigInt(1_000_000 + offset), url: `https://shop.example/p/${offset}`, viewedAt: timestampFromMs(1_700_000_000_000 + offset) });
      return recordOf(contract, event, { partition: p, offset });
    }));
  }
}

interface Measure { readonly eventsPerSec: number; readonly cpuUsPerEvent: number }

async function round(withMetrics: boolean): Promise<Measure> {
  const instrumentation = new Instrumentation();
  const metrics = withMetrics ? new RuntimeMetrics() : undefined;
  metrics?.attach(instrumentation);
  const client = memConsumerClient({ quiet: true });
  let count = 0;
  const runner = await startRunner({
    client, groupId: "bench", instrumentation,
    processors: [defineProcessor(contract, (event) => {
      if (event.sessionId > 0n) count++;
    })],
  });
  const scraper = metrics ? setInterval(() => void metrics.text(), 1_000) : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let sent = 0, i = 0; sent < N; sent += BATCH, i++) client.push(pool[i % pool.length]!.slice(0, Math.min(BATCH, N - sent)));
  await client.drained();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (scraper) clearInterval(scraper);
  await runner.stop();
  if (count !== N) throw new Error(`handled ${count} of ${N}`);
  if (metrics && !(await metrics.text()).includes(`evt_processor_handled_events_total{processor="shop.v1.PageViewed",topic="${contract.topic}"} ${N}`)) {
    throw new Error("metrics did not count every event");
  }
  return { eventsPerSec: N / seconds, cpuUsPerEvent: (cpu.user + cpu.system) / N };
}

const load0 = os.loadavg();
await round(false);
await round(true);
const results: Record<"on" | "off", Measure[]> = { on: [], off: [] };
for (let r = 0; r < ROUNDS; r++) {
  const order: ("on" | "off")[] = r % 2 === 0 ? ["off", "on"] : ["on", "off"];
  for (const side of order) {
    const m = await round(side === "on");
    results[side].push(m);
    console.error(`round ${r + 1}/${ROUNDS} metrics ${side}: ${Math.round(m.eventsPerSec)} ev/s, ${m.cpuUsPerEvent.toFixed(3)} µs CPU/ev, load ${os.loadavg()[0]!.toFixed(2)}`);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const side = (s: "on" | "off") => ({
  eventsPerSec: Math.round(median(results[s].map((m) => m.eventsPerSec))),
  cpuUsPerEvent: +median(results[s].map((m) => m.cpuUsPerEvent)).toFixed(3),
  cpuUsPerEventMin: +Math.min(...results[s].map((m) => m.cpuUsPerEvent)).toFixed(3),
  cpuRounds: results[s].map((m) => +m.cpuUsPerEvent.toFixed(3)),
});
const on = side("on");
const off = side("off");
console.log(JSON.stringify({
  events: N, rounds: ROUNDS, batch: BATCH, partitions: PARTITIONS,
  loadavgBefore: load0.map((x) => +x.toFixed(2)), loadavgAfter: os.loadavg().map((x) => +x.toFixed(2)),
  withMetrics: on, without: off,
  // positive = metrics cost that much
  cpuCostUsPerEvent: +(on.cpuUsPerEvent - off.cpuUsPerEvent).toFixed(3),
  cpuCostUsPerEventMin: +(on.cpuUsPerEventMin - off.cpuUsPerEventMin).toFixed(3),
  cpuCostPercent: +(((on.cpuUsPerEvent - off.cpuUsPerEvent) / off.cpuUsPerEvent) * 100).toFixed(1),
  throughputCostPercent: +(((off.eventsPerSec - on.eventsPerSec) / off.eventsPerSec) * 100).toFixed(1),
}, null, 2));
process.exit(0);
