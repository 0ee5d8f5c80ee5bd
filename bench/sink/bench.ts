/**
 * Sink throughput, one run: rows/s through the whole sink (Kafka → decode → map → batch → write +
 * high-water, one transaction per batch) into DuckDB and into the Snowflake-protocol server, against
 * direct bulk loads of the same mapped rows with the same driver and batch size (no Kafka, no
 * staging, no de-duplication, no offsets). DuckDB's anchor is the fastest of the driver's bulk
 * paths measured in the same run (bench/sink/direct-duckdb.ts).
 *
 * The sink figure is steady state: from the first record the sink fetched to the commit of the
 * last row (group join excluded; it is printed apart as "with start-up").
 *
 *   npx tsx bench/sink/bench.ts [--duckdb-rows 20000] [--snowflake-rows 4000] [--batch 1000] [--only duckdb|snowflake]
 * Needs the broker and fakesnow running (scripts/kafka.sh start, scripts/fakesnow.sh start).
 */
import os from "node:os";
import path from "node:path";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { compileRowMapper, type CellFormat, type MappedRow } from "../../runtime/sinks/row-mapping.js";
import { startSinks } from "../../runtime/sinks/sink.js";
import { DuckdbWriter } from "../../runtime/sinks/duckdb/writer.js";
import { directAppender, directCastInsert, directDataChunk } from "./direct-duckdb.js";
import { Instrumentation } from "../../runtime/instrumentation.js";
import { SnowflakeWriter } from "../../runtime/sinks/snowflake/writer.js";
import type { SinkConfig, SinkSpec } from "../../runtime/sinks/config.js";
import type { WarehouseWriter } from "../../runtime/sinks/writer.js";
import { connectSnowflake, destroySnowflake, execSnowflake, splitStatements, type SnowflakeSettings } from "../../runtime/warehouse/snowflake.js";
import { jsonLogger } from "../../runtime/log.js";
import { uuidv7 } from "../../runtime/uuid7.js";
import { catalog } from "../../generated/ts/index.js";
import { searchPerformed } from "../../test/integration/fixtures/sink-events.js";
import { createTopics, freshConfig, produce, waitUntil } from "../../test/integration/fixtures/sink-setup.js";
import { kafkaBrokers } from "../../test/helpers/kafka.js";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const DUCK_ROWS = arg("duckdb-rows", 20_000);
const SF_ROWS = arg("snowflake-rows", 4_000);
const BATCH = arg("batch", 1_000);
const ONLY = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
/** `--profile FILE`: a CPU profile (.cpuprofile) of the sink's timed section only, and no direct anchors. */
const PROFILE = process.argv.includes("--profile") ? process.argv[process.argv.indexOf("--profile") + 1] : undefined;
const work = mkdtempSync(path.join(os.tmpdir(), "evt-bench-sink-"));
const quiet = jsonLogger({ level: "silent" });

function rowsFor(config: SinkConfig, sink: SinkSpec, n: number, format: CellFormat = "text"): MappedRow[] {
  const m = compileRowMapper(config, sink, catalog.find((c) => c.type === sink.eventType)!.schema, format);
  return Array.from({ length: n }, (_, i) => m.mapEvent(searchPerformed(i), { id: uuidv7(), time: "2024-05-06T07:08:09Z", topic: sink.topic, partition: i % 2, offset: String(i >> 1), ingestMs: Date.now() }));
}

async function startProfile(): Promise<{ stop(file: string): Promise<void> }> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    async stop(file) {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

interface SinkRate {
  /** First fetched record → last row committed. */
  readonly steady: number;
  /** startSinks → last row committed (includes the consumer group join). */
  readonly withStartUp: number;
}

/** Through the sink: produce first (untimed), then time until every row's batch is committed in the warehouse. */
async function viaSink(n: number, writer: WarehouseWriter | ((s: SinkSpec) => WarehouseWriter)): Promise<SinkRate> {
  const { config } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
  const sink = config.sinks[0]!;
  await createTopics(config);
  await produce(Array.from({ length: n }, (_, i) => ({ sink, event: searchPerformed(i), partition: i % 2 })));
  const group = `bench-sink-${Date.now()}`;
  const instrumentation = new Instrumentation();
  let firstFetch = 0;
  let rows = 0;
  let done = 0;
  instrumentation.on("sink.consumed", () => {
    firstFetch ||= performance.now();
  });
  instrumentation.on("sink.flushed", (e) => {
    rows += e.payload.rows;
    if (rows >= n && !done) done = performance.now();
  });
  const profiler = PROFILE ? await startProfile() : undefined;
  const started = performance.now();
  const runner = await startSinks({ config, contracts: catalog, writer, brokers: kafkaBrokers(), groupPrefix: group, batch: { maxRows: BATCH, maxMs: 1_000 }, logger: quiet, kafka: { logLevel: "nothing" }, instrumentation });
  await waitUntil(() => done > 0, "bench caught up", 900_000);
  if (profiler) await profiler.stop(PROFILE!);
  await runner.stop();
  return { steady: n / ((done - firstFetch) / 1000), withStartUp: n / ((done - started) / 1000) };
}

/** The sink's DuckDB writer alone on the same mapped rows: staging, de-duplication and high-water, one transaction per batch (no Kafka, no decoding). */
async function writerOnly(file: string, config: SinkConfig, sink: SinkSpec, rows: readonly MappedRow[]): Promise<number> {
  const w = new DuckdbWriter({ path: file });
  await w.connect();
  await w.ensureTables(config, [sink]);
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    await w.writeBatch(sink, batch, [{ topic: sink.topic, partition: 0, offset: String(i + batch.length - 1) }]);
  }
  const rate = rows.length / ((performance.now() - started) / 1000);
  await w.close();
  return rate;
}

async function directSnowflake(settings: SnowflakeSettings, config: SinkConfig, sink: SinkSpec, rows: MappedRow[]): Promise<number> {
  const conn = await connectSnowflake(settings);
  const cols = [...config.metadataColumns, ...sink.columns];
  const conv = (k: string, t: string) => (k === "timestamp" ? "TO_TIMESTAMP_NTZ(?)" : k === "variant" ? "PARSE_JSON(?)" : k === "array" ? "PARSE_JSON(?)::ARRAY" : /number|duration|float/.test(k) ? `CAST(? AS ${t})` : "?");
  const sql = `INSERT INTO "CLICKSTREAM"."SEARCH_PERFORMED" (${cols.map((c) => `"${c.name}"`).join(", ")}) SELECT ${cols.map((c) => conv(c.kind, c.sqlType)).join(", ")}`;
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    await execSnowflake(conn, sql, rows.slice(i, i + BATCH).map((r) => r.cells.map((c) => (typeof c === "number" ? String(c) : c))) as never);
  }
  const rate = rows.length / ((performance.now() - started) / 1000);
  await destroySnowflake(conn);
  return rate;
}

const { config } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
const sink = config.sinks[0]!;
const db = `BENCH_${Date.now().toString(36).toUpperCase()}`;
const settings: SnowflakeSettings = { account: "fakesnow", user: "bench", auth: { type: "password", password: "x" }, accessUrl: `http://127.0.0.1:${process.env.EVT_FAKESNOW_PORT ?? 18080}`, database: db, schema: "PUBLIC" };
if (ONLY !== "duckdb") {
  const conn = await connectSnowflake(settings);
  for (const s of splitStatements(readFileSync("generated/snowflake/tables/CLICKSTREAM.SEARCH_PERFORMED.sql", "utf8"))) await execSnowflake(conn, s);
  await destroySnowflake(conn);
}
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(`batch ${BATCH}; load average before: ${load()}`);
if (ONLY !== "snowflake") {
  const rows = PROFILE ? [] : rowsFor(config, sink, DUCK_ROWS);
  const direct = {
    appender: PROFILE ? NaN : await directAppender(path.join(work, "direct-appender.duckdb"), config, sink, rows, BATCH),
    datachunk: PROFILE ? NaN : await directDataChunk(path.join(work, "direct-chunk.duckdb"), config, sink, rows, BATCH),
    cast: PROFILE ? NaN : await directCastInsert(path.join(work, "direct-cast.duckdb"), config, sink, rows, BATCH),
    // the writer's own cell format (native since the typed appender)
    writer: PROFILE ? NaN : await writerOnly(path.join(work, "writer-only.duckdb"), config, sink, rowsFor(config, sink, DUCK_ROWS, new DuckdbWriter({ path: "" }).cellFormat)),
  };
  const through = await viaSink(DUCK_ROWS, new DuckdbWriter({ path: path.join(work, "sink.duckdb") }));
  const anchor = Math.max(direct.appender, direct.datachunk);
  console.log(`duckdb: ${DUCK_ROWS} rows: sink ${fmt(through.steady)} rows/s (with start-up ${fmt(through.withStartUp)}); direct: typed appender ${fmt(direct.appender)}, data chunks ${fmt(direct.datachunk)}, VARCHAR stage + cast INSERT ${fmt(direct.cast)}; sink / fastest direct ${(through.steady / anchor).toFixed(2)}`);
  console.log(`duckdb: the sink's writer alone (no Kafka, no decoding) ${fmt(direct.writer)} rows/s; writer / fastest direct ${(direct.writer / anchor).toFixed(2)}`);
  console.log(`load average after duckdb: ${load()}`);
}
if (ONLY !== "duckdb") {
  const through = await viaSink(SF_ROWS, () => new SnowflakeWriter({ settings }));
  const direct = await directSnowflake(settings, config, sink, rowsFor(config, sink, SF_ROWS));
  console.log(`snowflake (fakesnow): ${SF_ROWS} rows: sink ${fmt(through.steady)} rows/s (with start-up ${fmt(through.withStartUp)}); direct array-bound INSERT … SELECT ${fmt(direct)}; sink / direct ${(through.steady / direct).toFixed(2)}`);
  console.log(`load average after snowflake: ${load()}`);
}
process.exit(0);
