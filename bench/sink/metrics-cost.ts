/**
 * Cost of metrics on the sink (issue 15.6): the same DuckDB sink run with and without
 * RuntimeMetrics attached (plus a /metrics-equivalent scrape every second, records behind
 * included), alternating rounds in one process so both sides see the same machine.
 *
 *   npx tsx bench/sink/metrics-cost.ts [--rows 20000] [--rounds 3] [--batch 1000] [--metrics both|on|off]
 * Reports rows/s (wall, start-up included) and CPU µs per row (process.cpuUsage), medians.
 * The producer and runner side: bench/kafka/metrics-cost.ts.
 * Needs the broker running (scripts/kafka.sh start). Report `cat /proc/loadavg` with the figures.
 */
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { Instrumentation } from "../../runtime/instrumentation.js";
import { RuntimeMetrics } from "../../runtime/metrics/runtime-metrics.js";
import { startSinks } from "../../runtime/sinks/sink.js";
import { DuckdbWriter } from "../../runtime/sinks/duckdb/writer.js";
import { jsonLogger } from "../../runtime/log.js";
import { catalog } from "../../generated/ts/index.js";
import { searchPerformed } from "../../test/integration/fixtures/sink-events.js";
import { committedTotal, createTopics, freshConfig, produce, waitUntil } from "../../test/integration/fixtures/sink-setup.js";
import { kafkaBrokers } from "../../test/helpers/kafka.js";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const ROWS = arg("rows", 20_000);
const ROUNDS = arg("rounds", 3);
const BATCH = arg("batch", 1_000);
const SIDES = ({ both: ["without", "with"], on: ["with"], off: ["without"] } as const)[(process.argv[process.argv.indexOf("--metrics") + 1] ?? "both") as "both"] ?? ["without", "with"];
const work = mkdtempSync(path.join(os.tmpdir(), "evt-bench-metrics-"));
const quiet = jsonLogger({ level: "silent" });

async function once(withMetrics: boolean, round: number): Promise<{ rowsPerSecond: number; cpuUsPerRow: number }> {
  const { config } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
  const sink = config.sinks[0]!;
  await createTopics(config);
  await produce(Array.from({ length: ROWS }, (_, i) => ({ sink, event: searchPerformed(i), partition: i % 2 })));
  const group = `bench-metrics-${Date.now()}`;
  const instrumentation = new Instrumentation();
  const metrics = withMetrics ? new RuntimeMetrics() : undefined;
  metrics?.attach(instrumentation);
  const writer = new DuckdbWriter({ path: path.join(work, `${withMetrics ? "m" : "n"}-${round}.duckdb`) });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const runner = await startSinks({ config, contracts: catalog, writer, brokers: kafkaBrokers(), groupPrefix: group, batch: { maxRows: BATCH, maxMs: 1_000 }, logger: quiet, kafka: { logLevel: "nothing" }, instrumentation });
  metrics?.addBehindSource(runner.behind);
  const scraper = metrics ? setInterval(() => void metrics.text(), 1_000) : undefined;
  await waitUntil(async () => (await committedTotal(`${group}.${sink.table}`, sink.topic)) === ROWS, "caught up", 900_000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (scraper) clearInterval(scraper);
  await runner.stop();
  return { rowsPerSecond: ROWS / seconds, cpuUsPerRow: (cpu.user + cpu.system) / ROWS };
}

const results: Record<"with" | "without", { rowsPerSecond: number; cpuUsPerRow: number }[]> = { with: [], without: [] };
const load0 = os.loadavg().map((x) => Math.round(x * 10) / 10);
for (let r = 0; r < ROUNDS; r++) {
  // alternate the order so warm-up and load drift do not favour one side
  for (const side of r % 2 === 0 ? SIDES : [...SIDES].reverse()) {
    results[side].push(await once(side === "with", r));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const [w, wo] = [median(results.with.map((x) => x.rowsPerSecond)), median(results.without.map((x) => x.rowsPerSecond))];
const [cw, cwo] = [median(results.with.map((x) => x.cpuUsPerRow)), median(results.without.map((x) => x.cpuUsPerRow))];
console.log(JSON.stringify({ rows: ROWS, rounds: ROUNDS, batch: BATCH,
  rowsPerSecond: { withMetrics: results.with.map((x) => Math.round(x.rowsPerSecond)), without: results.without.map((x) => Math.round(x.rowsPerSecond)) },
  cpuUsPerRow: { withMetrics: results.with.map((x) => +x.cpuUsPerRow.toFixed(1)), without: results.without.map((x) => +x.cpuUsPerRow.toFixed(1)) },
  medianWith: Math.round(w), medianWithout: Math.round(wo), costPercent: Math.round(((wo - w) / wo) * 1000) / 10,
  cpuCostPercent: Math.round(((cw - cwo) / cwo) * 1000) / 10, loadavgBefore: load0, loadavgAfter: os.loadavg().map((x) => Math.round(x * 10) / 10) }));
