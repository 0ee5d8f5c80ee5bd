/**
 * Ingest throughput, side by side on the same broker: events/s through `evt ingest` (the built
 * CLI in a child process, driven by autocannon with batches of 50 JSON events of ~500 B) against
 * evt's producer sending the same events directly (50 per send, the same concurrency); then the
 * collector at 50% of its peak request rate, evenly paced (paced-load.ts), for p50/p99 latency; CPU per 10k events for both
 * (collector: the child's utime+stime from /proc; direct: process.cpuUsage()).
 *
 *   npm run build && npx tsx bench/ingest/bench.ts [--seconds 15] [--connections 16] [--linger-ms N] [--no-direct] [--cpu-prof DIR]
 *
 * --linger-ms is passed to `evt ingest --linger-ms` (the collector's producer linger); --cpu-prof
 * DIR runs the collector under `node --cpu-prof` (the profile is written when it exits);
 * --no-direct skips the direct-producer side (profiling runs).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fromJson } from "@bufbuild/protobuf";
import autocannon from "autocannon";
import kafkajs from "kafkajs";
import { PageViewedContract } from "../../generated/ts/clickstream/v1/clickstream_evt.js";
import { createProducer } from "../../runtime/kafka/producer.js";
import { pacedLoad } from "./paced-load.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SECONDS = arg("seconds", 15);
const LINGER = flag("linger-ms");
const CPU_PROF = flag("cpu-prof");
const DIRECT = !process.argv.includes("--no-direct");
const CONNECTIONS = arg("connections", 16);
const BATCH = 50;
const BROKERS = [process.env.EVT_BENCH_BROKERS ?? "127.0.0.1:19092"];
const KEY = "bench-key-0123456789abcdef";
const tag = Date.now().toString(36);

function pageViewed(i: number): Record<string, unknown> {
  return {
    anonymousId: `anon-${i.toString().padStart(8, "0")}-a1b2c3d4e5f6`,
    sessionId: `session-${i % 97}-0123456789abcdef`,
    pageName: "store_menu",
    pageUrl: `https://shop.example.com/stores/${i % 500}/menu/categories/${i % 17}`,
    referrerUrl: "https://www.example.org/search?q=pizza",
    device: { platform: "PLATFORM_WEB", osVersion: "17.4.1", appVersion: "6.12.0", appBuild: 61200, model: "MacBookPro18,1", locale: "en-US" },
    utmParameters: { utm_source: "newsletter", utm_medium: "email", utm_campaign: "spring" },
    properties: { store_id: i % 500, category: "pizza", position: i % 20 },
    timeOnPreviousPage: "12.5s",
    viewedAt: "2026-01-02T03:04:05.678Z",
  };
}

const events = Array.from({ length: BATCH }, (_, i) => ({ type: PageViewedContract.type, data: pageViewed(i) }));
const body = JSON.stringify({ source: "web", events });
const eventBytes = Math.round(Buffer.byteLength(body) / BATCH);

async function createTopic(topic: string): Promise<void> {
  const admin = new kafkajs.Kafka({ brokers: BROKERS, clientId: "evt-bench", logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] });
  await admin.disconnect();
}

function cpuMsOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime in clock ticks (100/s)
}

async function direct(topic: string): Promise<{ eventsPerSec: number; cpuMsPer10k: number }> {
  const producer = createProducer({ brokers: BROKERS, source: "bench-direct", kafka: { logLevel: "nothing" } });
  await producer.connect();
  const contract = { ...PageViewedContract, topic };
  let sent = 0;
  const end = Date.now() + SECONDS * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (Date.now() < end) {
      // the same work per event as the collector's accepted path minus HTTP: JSON → message → Kafka
      const batch = events.map((e) => fromJson(PageViewedContract.schema, e.data as never));
      await producer.send(contract, batch);
      sent += BATCH;
    }
  }));
  const secs = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await producer.disconnect();
  return { eventsPerSec: sent / secs, cpuMsPer10k: ((cpu.user + cpu.system) / 1000 / sent) * 10_000 };
}

async function startCollector(topic: string, port: number) {
  const keys = JSON.stringify({ keys: [{ app: "bench", key: KEY, ratePerSecond: 10_000_000 }] });
  const node = CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(CPU_PROF)] : [];
  const child = spawn(process.execPath, [...node, path.join(ROOT, "bin/run.js"), "ingest", "--port", String(port), "--brokers", BROKERS.join(","),
    "--topic", `${PageViewedContract.type}=${topic}`, "--bad-topic", `bench.ingest.bad.${tag}`, "--create-topics", "--log-level", "warn",
    ...(LINGER !== undefined ? ["--linger-ms", LINGER] : [])],
  { cwd: ROOT, env: { ...process.env, EVT_INGEST_KEYS: keys }, stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${url}/readyz`).then((r) => r.status).catch(() => 0)) === 200) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGTERM");
  throw new Error("evt ingest did not become ready");
}

function cannon(url: string, opts: { overallRate?: number; seconds: number }): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/v1/events`, method: "POST", connections: CONNECTIONS, duration: opts.seconds, body,
    headers: { "content-type": "application/json", "x-evt-write-key": KEY },
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
  });
}

async function main(): Promise<void> {
  const load0 = readFileSync("/proc/loadavg", "utf8").trim();
  const directTopic = `bench.ingest.direct.${tag}`;
  const httpTopic = `bench.ingest.http.${tag}`;
  await createTopic(directTopic);
  await createTopic(httpTopic);

  const d = DIRECT ? await direct(directTopic) : { eventsPerSec: NaN, cpuMsPer10k: NaN };
  const { child, url } = await startCollector(httpTopic, 18990 + Math.floor(Math.random() * 9));
  try {
    await cannon(url, { seconds: 3 }); // warm-up (JIT, connections)
    const cpu0 = cpuMsOf(child.pid!);
    const peak = await cannon(url, { seconds: SECONDS });
    const cpuPeak = cpuMsOf(child.pid!) - cpu0;
    const ok = peak["2xx"];
    const peakEvents = (ok * BATCH) / SECONDS;
    const halfRate = Math.max(1, Math.round(ok / SECONDS / 2));
    // 50% of the peak, evenly paced (paced-load.ts); autocannon's overallRate, bursty, kept for comparison
    const half = await pacedLoad(`${url}/v1/events`, { rate: halfRate, seconds: SECONDS, body, headers: { "content-type": "application/json", "x-evt-write-key": KEY }, connections: CONNECTIONS });
    const burst = await cannon(url, { seconds: SECONDS, overallRate: halfRate });
    const result = {
      loadAverageBefore: load0, loadAverageAfter: readFileSync("/proc/loadavg", "utf8").trim(),
      eventBytes, batch: BATCH, connections: CONNECTIONS, seconds: SECONDS, lingerMs: LINGER ?? "default",
      direct: { eventsPerSec: Math.round(d.eventsPerSec), cpuMsPer10k: Math.round(d.cpuMsPer10k) },
      collector: {
        eventsPerSec: Math.round(peakEvents), non2xx: peak.non2xx, errors: peak.errors,
        cpuMsPer10k: Math.round((cpuPeak / (ok * BATCH)) * 10_000),
        peakLatencyMs: { p50: peak.latency.p50, p99: peak.latency.p99 },
        halfLoad: { requestsPerSec: half.requestsPerSec, p50: half.p50, p99: half.p99, max: half.max, non2xx: half.non2xx, errors: half.errors },
        halfLoadAutocannonBursts: { requestsPerSec: Math.round(burst.requests.average), p50: burst.latency.p50, p99: burst.latency.p99, non2xx: burst.non2xx },
      },
      ratio: Number((peakEvents / d.eventsPerSec).toFixed(2)),
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    child.kill("SIGTERM");
    // the profile is written on exit
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
  }
}

await main();
