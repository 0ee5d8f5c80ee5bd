/**
 * Kafka throughput benchmark: every Kafka client evt has a driver for, raw and through evt, same
 * broker, same machine, same events (1 KB), one run:
 *   raw kafkajs · raw @platformatic/kafka · evt on kafkajs · evt on platformatic
 *
 *   npx tsx bench/kafka/run.ts [--events 1000000] [--rounds 5] [--partitions 4] [--compression none|gzip]
 *
 * The machine is shared, so the scenarios are interleaved: in each round every scenario produces
 * events/rounds events, then every scenario consumes its topic (a backlog of that size), each
 * phase in its own process (bench/kafka/phase.ts) so its peak RSS is its own. Figures are totals
 * over the rounds (events / summed seconds), the highest peak RSS, and ratios against raw kafkajs
 * (the anchor). The load average is sampled before and after each round. Results: a table
 * on stdout and bench/out/kafka.json. Starts the broker (scripts/kafka.sh) when it is not running.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadavg } from "node:os";
import { createKafkaClient } from "../../runtime/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const events = Number(arg("events", "1000000"));
const rounds = Number(arg("rounds", "5"));
const perRound = Math.ceil(events / rounds);
const partitions = Number(arg("partitions", "4"));
const compression = arg("compression", "none");
const port = process.env.EVT_KAFKA_PORT ?? "19092";

interface PhaseResult {
  scenario: string; phase: string; events: number; seconds: number; eventsPerSec: number; mbPerSec: number; peakRssMb: number;
}

execFileSync("bash", ["scripts/kafka.sh", "start"], { cwd: root, stdio: "inherit" });
const admin = createKafkaClient({ brokers: [`127.0.0.1:${port}`], logLevel: "nothing", driver: "kafkajs" }).admin();
const SCENARIOS = ["raw-kafkajs", "raw-platformatic", "evt-kafkajs", "evt-platformatic"] as const;
type Scenario = (typeof SCENARIOS)[number];
const loads: number[] = [];
await admin.connect();
const stamp = Date.now().toString(36);

function phase(scenario: Scenario, kind: "produce" | "consume", topic: string): PhaseResult {
  const out = execFileSync(process.execPath, [
    "--import", "tsx", path.join(root, "bench/kafka/phase.ts"), scenario, kind, topic, String(perRound), String(partitions), compression,
  ], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, EVT_KAFKA_PORT: port } });
  const r = JSON.parse(out.trim().split("\n").at(-1)!) as PhaseResult;
  loads.push(loadavg()[0]!);
  console.log(`  ${scenario} ${kind}: ${r.eventsPerSec.toLocaleString("en")} events/s, ${r.mbPerSec} MB/s, peak RSS ${r.peakRssMb} MB (${r.seconds} s, load ${loadavg()[0]!.toFixed(2)})`);
  return r;
}

const rows: PhaseResult[] = [];
for (let round = 1; round <= rounds; round++) {
  console.log(`round ${round}/${rounds} (${perRound.toLocaleString("en")} events per phase)`);
  const topics = Object.fromEntries(SCENARIOS.map((s) => [s, `bench.${s}.${stamp}.${round}`])) as Record<Scenario, string>;
  await admin.createTopics(Object.values(topics).map((topic) => ({ topic, partitions })));
  // rotate the order each round so no scenario always runs first (on a cold broker) or last
  const order = SCENARIOS.map((_, i) => SCENARIOS[(i + round - 1) % SCENARIOS.length]!);
  try {
    for (const kind of ["produce", "consume"] as const) for (const scenario of order) rows.push(phase(scenario, kind, topics[scenario]));
  } finally {
    await admin.deleteTopics(Object.values(topics)).catch(() => {});
  }
}
await admin.disconnect();

// totals per (scenario, phase): events over summed time, highest peak
const results: PhaseResult[] = [];
for (const scenario of SCENARIOS) {
  for (const kind of ["produce", "consume"]) {
    const rs = rows.filter((r) => r.scenario === scenario && r.phase === kind);
    const n = rs.reduce((a, r) => a + r.events, 0);
    const sec = rs.reduce((a, r) => a + r.seconds, 0);
    results.push({
      scenario, phase: kind, events: n, seconds: +sec.toFixed(2), eventsPerSec: Math.round(n / sec),
      mbPerSec: +((n * 1024) / sec / 1e6).toFixed(1), peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)),
    });
  }
}

const get = (s: Scenario, p: string) => results.find((r) => r.scenario === s && r.phase === p)!;
/** Against the anchor: raw kafkajs on the same broker in the same run. */
const ratio = (s: Scenario, p: string) => +(get(s, p).eventsPerSec / get("raw-kafkajs", p).eventsPerSec).toFixed(2);

const load = { min: +Math.min(...loads).toFixed(2), max: +Math.max(...loads).toFixed(2) };
const summary = {
  date: new Date().toISOString(), events: perRound * rounds, rounds, eventSize: 1024, partitions, compression, node: process.version, cpus: (await import("node:os")).cpus().length,
  load, results, phases: rows,
  ratioToRawKafkajs: Object.fromEntries(SCENARIOS.map((s) => [s, { produce: ratio(s, "produce"), consume: ratio(s, "consume") }])),
};
console.log(`\nload average (1 min) during the run: ${load.min}–${load.max}`);
console.log("\n| scenario | phase | events/s | MB/s | peak RSS | vs raw kafkajs |");
console.log("| --- | --- | ---: | ---: | ---: | ---: |");
for (const p of ["produce", "consume"]) {
  for (const s of SCENARIOS) {
    const r = get(s, p);
    console.log(`| ${s} | ${p} | ${r.eventsPerSec.toLocaleString("en")} | ${r.mbPerSec} | ${r.peakRssMb} MB | ${ratio(s, p)}x |`);
  }
}
mkdirSync(path.join(root, "bench/out"), { recursive: true });
writeFileSync(path.join(root, "bench/out/kafka.json"), `${JSON.stringify(summary, null, 2)}\n`);
