/**
 * Kafka throughput benchmark: raw kafkajs vs the evt producer and processor runner, same broker,
 * same machine, same events (1 KB), one run.
 *
 *   npx tsx bench/kafka/run.ts [--events 1000000] [--partitions 4] [--compression none|gzip]
 *
 * Each phase (raw produce, raw consume, evt produce, evt consume) runs in its own process
 * (bench/kafka/phase.ts) so its peak RSS is its own. Results: a table on stdout and
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
const topics = { raw: `bench.raw.${stamp}`, evt: `bench.evt.${stamp}` };
await admin.createTopics(Object.values(topics).map((topic) => ({ topic, partitions })));

function phase(scenario: "raw" | "evt", kind: "produce" | "consume"): PhaseResult {
  const out = execFileSync(process.execPath, [
    "--import", "tsx", path.join(root, "bench/kafka/phase.ts"), scenario, kind, topics[scenario], String(events), String(partitions), compression,
  ], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, EVT_KAFKA_PORT: port } });
  const r = JSON.parse(out.trim().split("\n").at(-1)!) as PhaseResult;
  console.log(`${scenario} ${kind}: ${r.eventsPerSec.toLocaleString("en")} events/s, ${r.mbPerSec} MB/s, peak RSS ${r.peakRssMb} MB (${r.seconds} s)`);
  return r;
}

const results: PhaseResult[] = [];
try {
  for (const scenario of ["raw", "evt"] as const) for (const kind of ["produce", "consume"] as const) results.push(phase(scenario, kind));
} finally {
  await admin.deleteTopics(Object.values(topics)).catch(() => {});
  await admin.disconnect();
}

const get = (s: string, p: string) => results.find((r) => r.scenario === s && r.phase === p)!;
const ratio = (p: string) => +(get("evt", p).eventsPerSec / get("raw", p).eventsPerSec).toFixed(2);
const summary = {
  date: new Date().toISOString(), events, eventSize: 1024, partitions, compression, node: process.version, cpus: (await import("node:os")).cpus().length,
  results, ratio: { produce: ratio("produce"), consume: ratio("consume") },
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
