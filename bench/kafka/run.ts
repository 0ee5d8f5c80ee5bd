/**
 * Kafka throughput benchmark: raw kafkajs vs the evt producer and processor runner, same broker,
 * same machine, same events (1 KB), one run.
 *
 *   npx tsx bench/kafka/run.ts [--events 1000000] [--rounds 5] [--partitions 4] [--compression none|gzip]
 *
 * The machine is shared, so the two sides are interleaved: in each round, raw produce, evt
 * produce, raw consume, evt consume each handle events/rounds events, every phase in its own
 * process (bench/kafka/phase.ts) so its peak RSS is its own. Figures are totals over the rounds
 * (events / summed seconds) and the highest peak RSS. Results: a table on stdout and
 * bench/out/kafka.json. Starts the broker (scripts/kafka.sh) when it is not running.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createKafkajsClient } from "../../runtime/index.js";

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
const admin = createKafkajsClient({ brokers: [`127.0.0.1:${port}`], logLevel: "nothing" }).admin();
await admin.connect();
const stamp = Date.now().toString(36);

function phase(scenario: "raw" | "evt", kind: "produce" | "consume", topic: string): PhaseResult {
  const out = execFileSync(process.execPath, [
    "--import", "tsx", path.join(root, "bench/kafka/phase.ts"), scenario, kind, topic, String(perRound), String(partitions), compression,
  ], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, EVT_KAFKA_PORT: port } });
  const r = JSON.parse(out.trim().split("\n").at(-1)!) as PhaseResult;
  console.log(`  ${scenario} ${kind}: ${r.eventsPerSec.toLocaleString("en")} events/s, ${r.mbPerSec} MB/s, peak RSS ${r.peakRssMb} MB (${r.seconds} s)`);
  return r;
}

const rows: PhaseResult[] = [];
for (let round = 1; round <= rounds; round++) {
  console.log(`round ${round}/${rounds} (${perRound.toLocaleString("en")} events per phase)`);
  const topics = { raw: `bench.raw.${stamp}.${round}`, evt: `bench.evt.${stamp}.${round}` };
  await admin.createTopics(Object.values(topics).map((topic) => ({ topic, partitions })));
  try {
    for (const kind of ["produce", "consume"] as const) for (const scenario of ["raw", "evt"] as const) rows.push(phase(scenario, kind, topics[scenario]));
  } finally {
    await admin.deleteTopics(Object.values(topics)).catch(() => {});
  }
}
await admin.disconnect();

// totals per (scenario, phase): events over summed time, highest peak
const results: PhaseResult[] = [];
for (const scenario of ["raw", "evt"]) {
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

const get = (s: string, p: string) => results.find((r) => r.scenario === s && r.phase === p)!;
const ratio = (p: string) => +(get("evt", p).eventsPerSec / get("raw", p).eventsPerSec).toFixed(2);

const summary = {
  date: new Date().toISOString(), events: perRound * rounds, rounds, eventSize: 1024, partitions, compression, node: process.version, cpus: (await import("node:os")).cpus().length,
  results, phases: rows, ratio: { produce: ratio("produce"), consume: ratio("consume") },
};
console.log("\n| phase | raw kafkajs events/s | raw MB/s | raw peak RSS | evt events/s | evt MB/s | evt peak RSS | evt / raw |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const p of ["produce", "consume"]) {
  const a = get("raw", p);
  const b = get("evt", p);
  console.log(`| ${p} | ${a.eventsPerSec.toLocaleString("en")} | ${a.mbPerSec} | ${a.peakRssMb} MB | ${b.eventsPerSec.toLocaleString("en")} | ${b.mbPerSec} | ${b.peakRssMb} MB | ${ratio(p)}x |`);
}
mkdirSync(path.join(root, "bench/out"), { recursive: true });
writeFileSync(path.join(root, "bench/out/kafka.json"), `${JSON.stringify(summary, null, 2)}\n`);
