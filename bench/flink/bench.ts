/**
 * bench/flink: events/s on the local MiniCluster (parallelism 1), same topic, same run:
 *   raw        Flink reading the topic with the `raw` format into `blackhole` (Flink's ceiling here)
 *   projection bench/flink/processors/project.yaml: protobuf in, protobuf + evt headers out, exactly-once
 *   sessionize processors/sessionize.yaml: SESSION windows per visitor/platform, exactly-once
 * Each job is bounded (reads to the end offsets at start, then finishes); the time runs from the
 * job's start (JVM start-up and planning excluded) to its end.
 *
 *   npx tsx bench/flink/bench.ts [--events 200000]
 */
import { mkdtempSync } from "node:fs";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { loadConfig } from "../../compiler/config/index.js";
import { loadCatalog } from "../../compiler/model/build-catalog.js";
import { startOnFlink, type HelperRequest } from "../../compiler/processors/flink-jvm.js";
import { planProcessor, prepareFlink, runRequest } from "../../compiler/processors/project.js";
import { createKafkaClient, createProducer, ensureTopics, type EventContract } from "../../runtime/index.js";
import { PageViewedContract } from "../../generated/ts/clickstream/v1/clickstream_evt.js";
import { PageViewedSchema } from "../../generated/ts/clickstream/v1/clickstream_pb.js";
import { SessionSummarizedContract } from "../../generated/ts/clickstream/v1/sessions_evt.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg("events", 200_000);
const brokers = [process.env.EVT_BENCH_BROKERS ?? "127.0.0.1:19092"];
const run = Date.now().toString(36);
const inTopic = `bench.flink.page_viewed.${run}`;

async function produce(): Promise<number> {
  const client = createKafkaClient({ brokers, logLevel: "nothing" });
  const contracts = [{ ...PageViewedContract, topic: inTopic, partitions: 1 }, ...["projection", "sessionize"].map((n) => ({ ...SessionSummarizedContract, topic: `bench.flink.${n}.${run}`, partitions: 1 }))];
  await ensureTopics(client, contracts as unknown as EventContract[]);
  const producer = createProducer({ client, source: "bench-flink", batching: { lingerMs: 5 } });
  await producer.connect();
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const started = performance.now();
  const batch: ReturnType<typeof create<typeof PageViewedSchema>>[] = [];
  for (let i = 0; i < N; i++) {
    // 2,000 visitors; a view every ~9 s of event time overall, so sessions of a few views each
    batch.push(create(PageViewedSchema, {
      anonymousId: `v${i % 2000}`, sessionId: `s${i % 2000}`, pageName: `page-${i % 37}`,
      device: { platform: 1 + (i % 3) }, viewedAt: timestampFromDate(new Date(t0 + i * 9_000)),
    }));
    if (batch.length === 5000) await producer.send(contracts[0] as unknown as EventContract, batch.splice(0));
  }
  if (batch.length) await producer.send(contracts[0] as unknown as EventContract, batch.splice(0));
  const ms = performance.now() - started;
  await producer.disconnect();
  return ms;
}

async function timeJob(label: string, setup: ReturnType<typeof prepareFlink>, request: HelperRequest): Promise<number> {
  let startedAt = 0;
  const job = startOnFlink(setup.home, setup.classpath, request, {
    logFile: path.join(root, ".cache", "flink", "bench", `${label}.log`),
    onEvent: (e) => { if (e.event === "started") startedAt = performance.now(); },
  });
  const { last } = await job.done;
  if (last?.event !== "finished") throw new Error(`${label}: ${JSON.stringify(last)}`);
  return performance.now() - startedAt;
}

const config = loadConfig({ cwd: root });
const { catalog } = await loadCatalog(config.protoRoot, "proto");
const setup = prepareFlink(config);
const produceMs = await produce();
console.log(`produced ${N} PageViewed with evt's producer in ${(produceMs / 1000).toFixed(1)} s (${Math.round(N / (produceMs / 1000))}/s); load ${readFileSync("/proc/loadavg", "utf8").trim()}`);

const rawRequest: HelperRequest = {
  parallelism: 1,
  config: { "table.local-time-zone": "UTC" },
  statements: [
    `CREATE TABLE raw_in (v BYTES) WITH ('connector' = 'kafka', 'topic' = '${inTopic}', 'properties.bootstrap.servers' = '${brokers[0]}', 'properties.group.id' = 'bench-raw-${run}', 'format' = 'raw', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset')`,
    "CREATE TABLE discard (v BYTES) WITH ('connector' = 'blackhole')",
  ],
  insert: "INSERT INTO discard SELECT v FROM raw_in",
};
const results: [string, number][] = [];
results.push(["raw (Flink's ceiling)", await timeJob("raw", setup, rawRequest)]);
for (const [name, dir] of [["projection", path.join(root, "bench", "flink", "processors")], ["sessionize", path.join(root, "processors")]] as const) {
  const cfg = { ...config, flink: { java: true, processors: dir } };
  const planned = await planProcessor(cfg, catalog, name === "projection" ? "project" : name, {
    bootstrapServers: brokers[0]!, topics: { "clickstream.v1.PageViewed": inTopic, "clickstream.v1.SessionSummarized": `bench.flink.${name}.${run}` }, idPrefix: `bench-${name}-${run}`,
  }, (f) => path.relative(root, f));
  const ms = await timeJob(name, setup, runRequest(planned, { checkpoints: mkdtempSync(path.join(tmpdir(), "evt-bench-ckpt-")), bounded: true }));
  results.push([name, ms]);
}
for (const [name, ms] of results) console.log(`${name.padEnd(22)} ${(ms / 1000).toFixed(1).padStart(6)} s  ${Math.round(N / (ms / 1000)).toString().padStart(8)} events/s`);
console.log(`load after: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
