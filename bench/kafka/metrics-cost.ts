/**
 * Cost of metrics on the producer and the processor runner (issue 15.6): the same evt produce and
 * evt consume phases as bench/kafka/phase.ts (1 KB PageViewed, 800 per send, two sends in flight;
 * startRunner with a no-op typed handler), each run with and without `RuntimeMetrics` attached to
 * its instrumentation (plus a scrape of the registry every second, as an aggressive Prometheus
 * would), in ONE process, alternating the order per round so warm-up and load drift hit both
 * sides alike. Reports events/s (wall) and CPU µs per event (process.cpuUsage, less sensitive to
 * the shared machine), medians over the rounds, and the load average.
 *
 *   npx tsx bench/kafka/metrics-cost.ts [--events 200000] [--rounds 5] [--partitions 4] [--metrics both|on|off]
 * Needs the broker (scripts/kafka.sh start). The sink side: bench/sink/metrics-cost.ts.
 */
import os from "node:os";
import { randomBytes } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createKafkajsClient, createProducer, defineProcessor, Instrumentation, startRunner } from "../../runtime/index.js";
import { RuntimeMetrics } from "../../runtime/metrics/runtime-metrics.js";
import { pageContract } from "../../test/fixtures/runtime/contracts.js";
import { PageViewedSchema, type PageViewed } from "../../test/fixtures/runtime/gen/shop/v1/shop_pb.js";

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const N = Number(arg("events", "200000"));
const ROUNDS = Number(arg("rounds", "5"));
const PARTITIONS = Number(arg("partitions", "4"));
const SIDES = ({ both: ["off", "on"], on: ["on"], off: ["off"] } as const)[arg("metrics", "both") as "both" | "on" | "off"];
if (!SIDES) throw new Error("--metrics must be both, on or off");
const brokers = [`127.0.0.1:${process.env.EVT_KAFKA_PORT ?? "19092"}`];
const CHUNK = 800;
const stamp = Date.now().toString(36);

const pool: PageViewed[] = Array.from({ length: 1000 }, (_, i) => {
  const e = create(PageViewedSchema, { sessionId: BigInt(1_000_000 + i), url: `https://shop.example/p/${i}`, viewedAt: timestampFromMs(1_700_000_000_000 + i) });
  e.payload = randomBytes(1024 - toBinary(PageViewedSchema, e).length - 3);
  return e;
});

interface Measure { readonly eventsPerSec: number; readonly cpuUsPerEvent: number }

/** Runs `work` with metrics attached (and scraped every second) or not; wall and CPU of the work alone. */
async function measured(withMetrics: boolean, work: (instrumentation: Instrumentation) => Promise<void>): Promise<Measure> {
  const instrumentation = new Instrumentation();
  const metrics = withMetrics ? new RuntimeMetrics() : undefined;
  metrics?.attach(instrumentation);
  const scraper = metrics ? setInterval(() => void metrics.text(), 1_000) : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await work(instrumentation);
  } finally {
    if (scraper) clearInterval(scraper);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (metrics && !(await metrics.text()).includes("evt_")) throw new Error("metrics were not collected");
  return { eventsPerSec: N / seconds, cpuUsPerEvent: (cpu.user + cpu.system) / N };
}

async function produce(topic: string, instrumentation: Instrumentation): Promise<void> {
  const producer = createProducer({ brokers, source: "bench-metrics", compression: "none", kafka: { logLevel: "nothing" }, instrumentation });
  await producer.connect();
  const contract = pageContract(topic, PARTITIONS);
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < N; sent += CHUNK) {
    const chunk: PageViewed[] = [];
    for (let i = sent; i < Math.min(N, sent + CHUNK); i++) chunk.push(pool[i % pool.length]!);
    inFlight.push(producer.send(contract, chunk));
    if (inFlight.length >= 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.disconnect();
}

async function consume(topic: string, instrumentation: Instrumentation): Promise<void> {
  let count = 0;
  let bytes = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const runner = await startRunner({
    brokers, groupId: `bench-metrics-${stamp}-${topic}`, kafka: { logLevel: "nothing" }, instrumentation,
    processors: [defineProcessor(pageContract(topic, PARTITIONS), (event) => {
      bytes += event.payload.length;
      if (++count === N) done();
    })],
  });
  await finished;
  await runner.stop();
  if (bytes === 0) throw new Error("nothing consumed");
}

const admin = createKafkajsClient({ brokers, logLevel: "nothing" }).admin();
await admin.connect();
const load0 = os.loadavg();
const results: Record<string, Record<"produce" | "consume", Measure[]>> = { on: { produce: [], consume: [] }, off: { produce: [], consume: [] } };
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
  for (const side of order) {
    const topic = `bench.metrics.${stamp}.${round}.${side}`;
    await admin.createTopics([{ topic, partitions: PARTITIONS }]);
    try {
      const p = await measured(side === "on", (inst) => produce(topic, inst));
      const c = await measured(side === "on", (inst) => consume(topic, inst));
      results[side]!.produce.push(p);
      results[side]!.consume.push(c);
      console.error(`round ${round + 1}/${ROUNDS} metrics ${side}: produce ${Math.round(p.eventsPerSec)} ev/s ${p.cpuUsPerEvent.toFixed(1)} µs CPU/ev; consume ${Math.round(c.eventsPerSec)} ev/s ${c.cpuUsPerEvent.toFixed(1)} µs CPU/ev; load ${os.loadavg()[0]!.toFixed(1)}`);
    } finally {
      await admin.deleteTopics([topic]).catch(() => {});
    }
  }
}
await admin.disconnect();

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const summary: Record<string, unknown> = { events: N, rounds: ROUNDS, partitions: PARTITIONS, loadavgBefore: load0.map((x) => +x.toFixed(1)), loadavgAfter: os.loadavg().map((x) => +x.toFixed(1)) };
for (const phase of ["produce", "consume"] as const) {
  const side = (s: "on" | "off") => ({
    eventsPerSec: Math.round(median(results[s]![phase].map((m) => m.eventsPerSec))),
    cpuUsPerEvent: +median(results[s]![phase].map((m) => m.cpuUsPerEvent)).toFixed(2),
    rounds: results[s]![phase].map((m) => Math.round(m.eventsPerSec)),
  });
  const on = side("on");
  const off = side("off");
  summary[phase] = {
    withMetrics: on, without: off,
    // positive = metrics cost that much
    throughputCostPercent: +(((off.eventsPerSec - on.eventsPerSec) / off.eventsPerSec) * 100).toFixed(1),
    cpuCostPercent: +(((on.cpuUsPerEvent - off.cpuUsPerEvent) / off.cpuUsPerEvent) * 100).toFixed(1),
  };
}
console.log(JSON.stringify(summary, null, 2));
process.exit(0);
