/**
 * Sink throughput, one run: rows/s through the whole sink (Kafka → map → batch → staging → MERGE +
 * high-water, one transaction per batch) into DuckDB and into the Snowflake-protocol server, against
 * a direct bulk INSERT of the same mapped rows with the same driver and batch size (no Kafka, no
 * staging, no MERGE, no offsets).
 *
 *   npx tsx bench/sink/bench.ts [--duckdb-rows 20000] [--snowflake-rows 4000] [--batch 1000]
 * Needs the broker and fakesnow running (scripts/kafka.sh start, scripts/fakesnow.sh start).
 */
import os from "node:os";
import path from "node:path";
import { mkdtempSync, readFileSync } from "node:fs";
import { compileRowMapper, type MappedRow } from "../../runtime/sinks/row-mapping.js";
import { startSinks } from "../../runtime/sinks/sink.js";
import { DuckdbWriter, duckdbCast, duckdbTableDdl } from "../../runtime/sinks/duckdb/writer.js";
import { SnowflakeWriter } from "../../runtime/sinks/snowflake/writer.js";
import type { SinkConfig, SinkSpec } from "../../runtime/sinks/config.js";
import type { WarehouseWriter } from "../../runtime/sinks/writer.js";
import { closeDuckdb, execDuckdb, openDuckdb } from "../../runtime/warehouse/duckdb.js";
import { connectSnowflake, destroySnowflake, execSnowflake, splitStatements, type SnowflakeSettings } from "../../runtime/warehouse/snowflake.js";
import { jsonLogger } from "../../runtime/log.js";
import { catalog } from "../../generated/ts/index.js";
import { searchPerformed } from "../../test/integration/fixtures/sink-events.js";
import { committedTotal, createTopics, freshConfig, produce, waitUntil } from "../../test/integration/fixtures/sink-setup.js";
import { kafkaBrokers } from "../../test/helpers/kafka.js";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const DUCK_ROWS = arg("duckdb-rows", 20_000);
const SF_ROWS = arg("snowflake-rows", 4_000);
const BATCH = arg("batch", 1_000);
const work = mkdtempSync(path.join(os.tmpdir(), "evt-bench-sink-"));
const quiet = jsonLogger({ level: "silent" });

function rowsFor(config: SinkConfig, sink: SinkSpec, n: number): MappedRow[] {
  const m = compileRowMapper(config, sink, catalog.find((c) => c.type === sink.eventType)!.schema);
  return Array.from({ length: n }, (_, i) => m.mapEvent(searchPerformed(i), { id: `bench-${i}`, time: "2024-05-06T07:08:09Z", topic: sink.topic, partition: i % 2, offset: String(i >> 1), ingestMs: Date.now() }));
}

/** Through the sink: produce first (untimed), then time from start until every offset is committed. */
async function viaSink(n: number, writer: WarehouseWriter | ((s: SinkSpec) => WarehouseWriter)): Promise<number> {
  const { config } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
  const sink = config.sinks[0]!;
  await createTopics(config);
  await produce(Array.from({ length: n }, (_, i) => ({ sink, event: searchPerformed(i), partition: i % 2 })));
  const group = `bench-sink-${Date.now()}`;
  const started = performance.now();
  const runner = await startSinks({ config, contracts: catalog, writer, brokers: kafkaBrokers(), groupPrefix: group, batch: { maxRows: BATCH, maxMs: 1_000 }, logger: quiet, kafka: { logLevel: "nothing" } });
  await waitUntil(async () => (await committedTotal(`${group}.${sink.table}`, sink.topic)) === n, "bench caught up", 900_000);
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  return n / seconds;
}

async function directDuckdb(config: SinkConfig, sink: SinkSpec, rows: MappedRow[]): Promise<number> {
  const h = await openDuckdb(path.join(work, "direct.duckdb"));
  for (const s of duckdbTableDdl(config, sink)) await execDuckdb(h, s);
  const cols = [...config.metadataColumns, ...sink.columns];
  await execDuckdb(h, `CREATE TEMP TABLE stage (${cols.map((c) => `"${c.name}" VARCHAR`).join(", ")})`);
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    const app = await h.conn.createAppender("stage", "main", "temp");
    for (const r of rows.slice(i, i + BATCH)) {
      for (const c of r.cells) c === null ? app.appendNull() : app.appendVarchar(typeof c === "string" ? c : String(c));
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
    await execDuckdb(h, `INSERT INTO "CLICKSTREAM"."SEARCH_PERFORMED" SELECT ${cols.map((c) => duckdbCast(c.kind, c.duckdbType, `"${c.name}"`)).join(", ")} FROM temp.main.stage`);
    await execDuckdb(h, "DELETE FROM temp.main.stage");
  }
  const rate = rows.length / ((performance.now() - started) / 1000);
  closeDuckdb(h);
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
{
  const conn = await connectSnowflake(settings);
  for (const s of splitStatements(readFileSync("generated/snowflake/tables/CLICKSTREAM.SEARCH_PERFORMED.sql", "utf8"))) await execSnowflake(conn, s);
  await destroySnowflake(conn);
}
const results = {
  duckdb: {
    rows: DUCK_ROWS,
    sink: await viaSink(DUCK_ROWS, new DuckdbWriter({ path: path.join(work, "sink.duckdb") })),
    direct: await directDuckdb(config, sink, rowsFor(config, sink, DUCK_ROWS)),
  },
  snowflake: {
    rows: SF_ROWS,
    sink: await viaSink(SF_ROWS, () => new SnowflakeWriter({ settings })),
    direct: await directSnowflake(settings, config, sink, rowsFor(config, sink, SF_ROWS)),
  },
};
for (const [target, r] of Object.entries(results)) {
  console.log(`${target}: ${r.rows} rows, batch ${BATCH}: sink ${Math.round(r.sink)} rows/s, direct bulk insert ${Math.round(r.direct)} rows/s (sink/direct ${(r.sink / r.direct).toFixed(2)})`);
}
process.exit(0);
