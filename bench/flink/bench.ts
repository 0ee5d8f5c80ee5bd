/**
 * bench/flink: events/s on the local MiniCluster (parallelism 1), same topic, same run. The jobs:
 *   raw               Flink reading the topic with the `raw` format into `blackhole` (Flink's ceiling here)
 *   decode            evt's generated source table (protobuf format, headers, watermark) into `blackhole`
 *   projection-query  bench/flink/processors/project.yaml's SELECT into `blackhole` (no evt wrapper, no Kafka sink)
 *   projection-wrap   the same with evt's wrapper (Timestamp rows, casts, headers, ce_id) into `blackhole`
 *   projection-alo    the whole processor, at-least-once Kafka sink (no transactions)
 *   projection        the whole processor as shipped: exactly-once (Kafka transactions committed on checkpoints)
 *   projection-10s    the whole processor with the YAML's 10 s checkpoint interval (before D94: bounded runs now checkpoint every 1 s)
 *   sessionize        processors/sessionize.yaml: SESSION windows per visitor/platform, exactly-once
 * Each job is bounded (reads to the end offsets at start, then finishes, in its own JVM); the time
 * runs from the job's start (JVM start-up and planning excluded) to its end, so a job with a Kafka
 * sink includes the final checkpoint that commits its output. `--profile` adds the projection
 * with operator chaining off and prints Flink's own per-operator busy / back-pressured time (REST
 * API of the MiniCluster), which says where the time of a chained job goes.
 *
 *   npx tsx bench/flink/bench.ts [--events 100000] [--repeat 1] [--only raw,projection] [--profile]
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { loadConfig } from "../../compiler/config/index.js";
import { fieldType, quoteIdent } from "../../compiler/emit/flink/types.js";
import { loadCatalog } from "../../compiler/model/build-catalog.js";
import { startOnFlink, type HelperRequest } from "../../compiler/processors/flink-jvm.js";
import { planProcessor, prepareFlink, runRequest, type PlannedProcessor } from "../../compiler/processors/project.js";
import { createKafkaClient, createProducer, ensureTopics, type EventContract } from "../../runtime/index.js";
import { PageViewedContract } from "../../generated/ts/clickstream/v1/clickstream_evt.js";
import { PageViewedSchema } from "../../generated/ts/clickstream/v1/clickstream_pb.js";
import { SessionSummarizedContract } from "../../generated/ts/clickstream/v1/sessions_evt.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const argOf = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const N = Number(argOf("events") ?? 100_000);
const REPEAT = Number(argOf("repeat") ?? 1);
const ONLY = argOf("only")?.split(",");
const PROFILE = process.argv.includes("--profile");
const brokers = [process.env.EVT_BENCH_BROKERS ?? "127.0.0.1:19092"];
const run = Date.now().toString(36);
const inTopic = `bench.flink.page_viewed.${run}`;
const load = (): string => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

async function produce(): Promise<number> {
  const client = createKafkaClient({ brokers, logLevel: "nothing" });
  const contracts = [{ ...PageViewedContract, topic: inTopic, partitions: 1 }];
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

/** Per-operator totals from Flink's REST API (the last answer before the job ended). */
interface VertexTotals { readonly name: string; readonly busyMs: number; readonly backPressuredMs: number; readonly records: number }

async function sampleVertices(port: number, jobId: string, into: Map<string, VertexTotals>): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/jobs/${jobId}`).catch(() => undefined);
  if (!res?.ok) return;
  const job = (await res.json()) as { vertices?: { id: string; name: string; metrics?: Record<string, number> }[] };
  for (const v of job.vertices ?? []) {
    const m = v.metrics ?? {};
    into.set(v.id, { name: v.name, busyMs: m["accumulated-busy-time"] ?? 0, backPressuredMs: m["accumulated-backpressured-time"] ?? 0, records: m["read-records"] ?? 0 });
  }
}

interface Timed { readonly ms: number; readonly loadAtStart: string; readonly vertices?: VertexTotals[] }

async function timeJob(label: string, setup: PlannedProcessor["setup"], request: HelperRequest, restPort?: number): Promise<Timed> {
  let startedAt = 0;
  const loadAtStart = load();
  const vertices = new Map<string, VertexTotals>();
  let poll: NodeJS.Timeout | undefined;
  const job = startOnFlink(setup.home, setup.classpath, request, {
    logFile: path.join(root, ".cache", "flink", "bench", `${label}.log`),
    onEvent: (e) => {
      if (e.event !== "started") return;
      startedAt = performance.now();
      if (restPort) poll = setInterval(() => void sampleVertices(restPort, e.jobId, vertices), 500);
    },
  });
  const { last } = await job.done;
  const ms = performance.now() - startedAt;
  if (poll) clearInterval(poll);
  if (last?.event !== "finished") throw new Error(`${label}: ${JSON.stringify(last)}`);
  return { ms, loadAtStart, ...(restPort ? { vertices: [...vertices.values()] } : {}) };
}

/** A table's DDL with its connector replaced by `blackhole` (metadata columns become plain columns). */
function asBlackhole(ddl: string): string {
  return ddl.replace(/ METADATA( FROM '[^']*')?( VIRTUAL)?/g, "").replace(/\) (COMMENT '(?:[^']|'')*' )?WITH \([\s\S]*\)$/, ") WITH ('connector' = 'blackhole')");
}

const config = loadConfig({ cwd: root });
const { catalog } = await loadCatalog(config.protoRoot, "proto");
const setup = prepareFlink(config);
const produceMs = await produce();
console.log(`produced ${N} PageViewed with evt's producer in ${(produceMs / 1000).toFixed(1)} s (${Math.round(N / (produceMs / 1000))}/s); load ${load()}`);

async function plan(name: "projection" | "sessionize"): Promise<PlannedProcessor> {
  const dir = name === "projection" ? path.join(root, "bench", "flink", "processors") : path.join(root, "processors");
  return planProcessor({ ...config, flink: { java: true, processors: dir } }, catalog, name === "projection" ? "project" : name, {
    bootstrapServers: brokers[0]!, topics: { "clickstream.v1.PageViewed": inTopic, "clickstream.v1.SessionSummarized": `bench.flink.${name}.${run}` },
    idPrefix: `bench-${name}-${run}`,
  }, (f) => path.relative(root, f));
}
const projection = await plan("projection");
const sessionize = await plan("sessionize");
await ensureTopics(createKafkaClient({ brokers, logLevel: "nothing" }), ["projection", "sessionize"].map((n) => ({ ...SessionSummarizedContract, topic: `bench.flink.${n}.${run}`, partitions: 1 })) as unknown as EventContract[]);

let attempt = 0;
/** The bounded run request of a processor, its statements and INSERT replaced where a variant says so. */
function request(planned: PlannedProcessor, change: { statements?: string[]; insert?: string; config?: Record<string, string> } = {}): HelperRequest {
  const script = { ...planned.script, statements: change.statements ?? [...planned.script.statements], insert: change.insert ?? planned.script.insert };
  // a fresh consumer group per run (every job reads the topic from the start), fresh transactional ids
  const statements = script.statements.map((s) => s
    .replace(/'properties\.group\.id' = '([^']*)'/, `'properties.group.id' = '$1-${attempt}'`)
    .replace(/'sink\.transactional-id-prefix' = '([^']*)'/, `'sink.transactional-id-prefix' = '$1-${attempt}'`));
  const r = runRequest({ ...planned, script: { ...script, statements } }, { checkpoints: mkdtempSync(path.join(tmpdir(), "evt-bench-ckpt-")), bounded: true });
  return { ...r, config: { ...r.config, ...change.config } };
}

const sources = projection.script.statements.slice(0, -1);
const sink = projection.script.statements.at(-1)!;
const pageViewed = catalog.events.find((e) => e.fullName === "clickstream.v1.PageViewed")!;
const physical = pageViewed.message.fields.filter((f) => fieldType(f, catalog, new Set([pageViewed.fullName])).ok).map((f) => quoteIdent(f.name));
const plainType = (t: string): string => t.replace(/ \*(ROWTIME|PROCTIME)\*$/, "");
const queryColumns = projection.columns.map((c) => `${quoteIdent(c.name)} ${plainType(c.type)}`);
// a sink takes at most one rowtime column: the others are cast to plain timestamps (as the wrapper's conversion does)
const querySelect = projection.columns.map((c) => (c.type === plainType(c.type) ? `q.${quoteIdent(c.name)}` : `CAST(q.${quoteIdent(c.name)} AS ${plainType(c.type)})`));
const restPort = 18_300 + (process.pid % 500);

const variants: { name: string; request: () => HelperRequest; rest?: number }[] = [
  {
    name: "raw",
    request: () => ({
      parallelism: 1,
      config: { "table.local-time-zone": "UTC" },
      statements: [
        `CREATE TABLE raw_in (v BYTES) WITH ('connector' = 'kafka', 'topic' = '${inTopic}', 'properties.bootstrap.servers' = '${brokers[0]}', 'properties.group.id' = 'bench-raw-${run}-${attempt}', 'format' = 'raw', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset')`,
        "CREATE TABLE discard (v BYTES) WITH ('connector' = 'blackhole')",
      ],
      insert: "INSERT INTO discard SELECT v FROM raw_in",
    }),
  },
  {
    name: "decode",
    request: () => request(projection, {
      statements: [...sources, "CREATE TABLE discard WITH ('connector' = 'blackhole') LIKE `page_viewed` (EXCLUDING ALL)"],
      insert: `INSERT INTO discard SELECT ${physical.join(", ")} FROM \`page_viewed\``,
    }),
  },
  {
    name: "projection-query",
    request: () => request(projection, {
      statements: [...sources, `CREATE TABLE discard (${queryColumns.join(", ")}) WITH ('connector' = 'blackhole')`],
      insert: `INSERT INTO discard SELECT ${querySelect.join(", ")} FROM (\n${projection.spec.sql}\n) AS q`,
    }),
  },
  { name: "projection-wrap", request: () => request(projection, { statements: [...sources, asBlackhole(sink)] }) },
  {
    name: "projection-alo",
    request: () => request(projection, {
      statements: [...sources, sink.replace("'exactly-once'", "'at-least-once'").replace(/,\n\s*'sink\.transactional-id-prefix' = '[^']*'/, "")],
    }),
  },
  { name: "projection", request: () => request(projection) },
  { name: "projection-10s", request: () => request(projection, { config: { "execution.checkpointing.interval": "10 s" } }) },
  { name: "sessionize", request: () => request(sessionize) },
];
if (PROFILE) {
  variants.push({
    name: "projection-unchained",
    request: () => request(projection, { config: { "pipeline.operator-chaining.enabled": "false", "rest.bind-port": String(restPort), "rest.port": String(restPort) } }),
    rest: restPort,
  });
}

const results = new Map<string, Timed[]>();
for (let r = 0; r < REPEAT; r++) {
  for (const v of variants.filter((x) => !ONLY || ONLY.includes(x.name))) {
    attempt += 1;
    const t = await timeJob(v.name, setup, v.request(), v.rest);
    results.set(v.name, [...(results.get(v.name) ?? []), t]);
    console.log(`  ${v.name.padEnd(22)} ${(t.ms / 1000).toFixed(1).padStart(6)} s  ${Math.round(N / (t.ms / 1000)).toString().padStart(8)} events/s  (load at start ${t.loadAtStart})`);
    for (const x of t.vertices ?? []) {
      console.log(`      ${x.name.slice(0, 90).padEnd(90)} busy ${(x.busyMs / 1000).toFixed(1).padStart(5)} s  back-pressured ${(x.backPressuredMs / 1000).toFixed(1).padStart(5)} s  ${x.records} records in`);
    }
  }
}
console.log(`\nmedian of ${REPEAT} (events ${N}):`);
for (const [name, ts] of results) {
  const ms = ts.map((t) => t.ms).sort((a, b) => a - b)[Math.floor(ts.length / 2)]!;
  console.log(`${name.padEnd(22)} ${(ms / 1000).toFixed(1).padStart(6)} s  ${Math.round(N / (ms / 1000)).toString().padStart(8)} events/s`);
}
console.log(`load after: ${load()}`);
