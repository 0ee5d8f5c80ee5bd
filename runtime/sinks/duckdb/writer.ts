/**
 * DuckDB warehouse writer: the embedded local default (`warehouse.target: duckdb`).
 *
 * Config: `path` of the database file (one process holds it), `controlSchema` (default EVT),
 *   `createTables` (default true: the sink tables are created from the sink config's `duckdbType`s,
 *   the same DDL `evt generate` writes to generated/duckdb/tables/).
 * writeBatch, one transaction (the writer serialises batches: one DuckDB connection, one
 *   transaction at a time): BEGIN; append the cells into a per-connection TEMP staging table with
 *   DuckDB's appender, typed where the appender has a native call for the column's type, text +
 *   CAST otherwise (stage-columns.ts); APPEND: INSERT the stage's rows whose event id the table
 *   lacks, the table side bounded to the batch's id range (a batch keyed by event id is
 *   de-duplicated here before staging, latest offset wins: the SQL window doing it cost ~2/3 of the
 *   INSERT); UPSERT: MERGE, latest offset wins; MERGE the high-water offsets; DELETE the stage;
 *   COMMIT — or ROLLBACK and a classified WarehouseError.
 */
import { formatTimestampNs } from "../row-mapping.js";
import type { MappedRow } from "../row-mapping.js";
import { tableColumns, type SinkConfig, type SinkSpec } from "../config.js";
import { insertNewSql, mergeBatchSql, metaName, offsetBinds, offsetsTableDdl, upsertOffsetsSql } from "../merge-sql.js";
import { stageColumns, type StageColumn } from "./stage-columns.js";
import {
  CONTROL_SCHEMA, OFFSETS_TABLE, qualified, quoteIdent as q, splitTable, type FreshnessColumns, type NewestRows, type PartitionOffset, type WarehouseWriter, type WriteResult,
} from "../writer.js";
import { WarehouseError, classifyDuckdbError } from "../../warehouse/errors.js";
import { closeDuckdb, execDuckdb, openDuckdb, queryDuckdb, type DuckdbHandle } from "../../warehouse/duckdb.js";

export interface DuckdbWriterOptions {
  readonly path: string;
  readonly controlSchema?: string;
  readonly createTables?: boolean;
}

const OFFSET_TYPES = { partition: "INTEGER", offset: "BIGINT", timestamp: (p: string) => `CAST(${p} AS TIMESTAMP_NS)` };

/** DDL of one sink table in DuckDB's dialect (also what compiler/emit/duckdb writes). */
export function duckdbTableDdl(config: SinkConfig, sink: SinkSpec): string[] {
  const [schema, table] = splitTable(sink.table);
  const cols = tableColumns(config, sink)
    .map((c) => `  ${q(c.name)} ${c.duckdbType}${c.nullable ? "" : " NOT NULL"}`)
    .join(",\n");
  return [`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`, `CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (\n${cols}\n)`];
}

interface Stage {
  readonly name: string;
  readonly columns: readonly StageColumn[];
}

export class DuckdbWriter implements WarehouseWriter {
  readonly target = "duckdb" as const;
  /** The appender takes typed values: no text round trip for numbers, timestamps, bytes. */
  readonly cellFormat = "native" as const;
  private handle: DuckdbHandle | undefined;
  private config: SinkConfig | undefined;
  private readonly offsetsTable: string;
  private readonly stages = new Map<string, Stage>();
  /** One transaction at a time on the one connection. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DuckdbWriterOptions) {
    this.offsetsTable = qualified(options.controlSchema ?? CONTROL_SCHEMA, OFFSETS_TABLE);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  async connect(): Promise<void> {
    if (this.handle) return;
    this.handle = await openDuckdb(this.options.path);
    this.stages.clear();
  }

  private async h(): Promise<DuckdbHandle> {
    await this.connect();
    return this.handle!;
  }

  async ensureTables(config: SinkConfig, sinks: readonly SinkSpec[]): Promise<void> {
    this.config = config;
    await this.serial(async () => {
      const h = await this.h();
      await execDuckdb(h, `CREATE SCHEMA IF NOT EXISTS ${q(this.options.controlSchema ?? CONTROL_SCHEMA)}`);
      await execDuckdb(h, offsetsTableDdl(this.offsetsTable, { partition: "INTEGER", offset: "BIGINT", timestamp: "TIMESTAMP_NS" }));
      for (const sink of sinks) {
        if (this.options.createTables !== false) {
          for (const stmt of duckdbTableDdl(config, sink)) await execDuckdb(h, stmt);
        } else {
          const [schema, table] = splitTable(sink.table);
          const found = await queryDuckdb(h, "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, table]);
          if (Number(found[0]?.n ?? 0) === 0) {
            throw new WarehouseError(`table ${sink.table} of sink ${sink.name} does not exist; run \`evt ddl apply --target duckdb\` first`, "fatal");
          }
        }
      }
    });
  }

  /** The per-connection TEMP staging table of a sink, typed column by column (stage-columns.ts). */
  private async stageFor(h: DuckdbHandle, config: SinkConfig, sink: SinkSpec): Promise<Stage> {
    let stage = this.stages.get(sink.name);
    if (!stage) {
      const columns = stageColumns(tableColumns(config, sink), (micros) => new h.api.DuckDBTimestampValue(micros));
      stage = { name: `evt_stage_${sink.table.replace(/[^A-Za-z0-9]/g, "_").toLowerCase()}`, columns };
      await execDuckdb(h, `CREATE OR REPLACE TEMP TABLE ${q(stage.name)} (${columns.map((c) => `${q(c.name)} ${c.stageType}`).join(", ")})`);
      this.stages.set(sink.name, stage);
    }
    return stage;
  }

  writeBatch(sink: SinkSpec, rows: readonly MappedRow[], offsets: readonly PartitionOffset[]): Promise<WriteResult> {
    return this.serial(async () => {
      const config = this.config;
      if (!config) throw new WarehouseError("writeBatch before ensureTables", "fatal");
      const h = await this.h();
      const stage = await this.stageFor(h, config, sink);
      const staged = `temp.main.${q(stage.name)}`;
      await execDuckdb(h, "BEGIN TRANSACTION");
      try {
        let written = 0;
        if (rows.length > 0) {
          const byEventId = keyedByEventId(config, sink);
          await appendRows(h, stage, byEventId ? latestPerEventId(rows) : rows, sink);
          const res = await h.conn.run(this.batchSql(config, sink, stage, byEventId)).catch((e: unknown) => {
            throw classifyDuckdbError(e, `${sink.mode === "APPEND" ? "INSERT" : "MERGE"} INTO ${sink.table}`);
          });
          written = Number(res.rowsChanged);
          await execDuckdb(h, `DELETE FROM ${staged}`);
        }
        if (offsets.length > 0) {
          const now = formatTimestampNs(BigInt(Date.now()) * 1_000_000n);
          await execDuckdb(h, upsertOffsetsSql(this.offsetsTable, offsets.length, OFFSET_TYPES), offsetBinds(sink, offsets, now));
        }
        await execDuckdb(h, "COMMIT");
        return { written };
      } catch (e) {
        await h.conn.run("ROLLBACK").catch(() => {});
        // the stage may hold this batch's rows if the failure came before the DELETE
        await h.conn.run(`DELETE FROM ${staged}`).catch(() => {});
        throw e;
      }
    });
  }

  /** APPEND: an anti-join INSERT over the batch's event-id window; UPSERT: MERGE, latest offset wins. */
  private batchSql(config: SinkConfig, sink: SinkSpec, stage: Stage, stageUnique: boolean): string {
    const staged = `temp.main.${q(stage.name)}`;
    const source = `SELECT ${stage.columns.map((c) => `${c.select} AS ${q(c.name)}`).join(", ")} FROM ${staged}`;
    const [schema, table] = splitTable(sink.table);
    const names = stage.columns.map((c) => c.name);
    if (sink.mode === "UPSERT") return mergeBatchSql(config, sink, qualified(schema, table), source, names);
    const key = sink.mergeKey.length === 1 ? stage.columns.find((c) => c.name === sink.mergeKey[0]) : undefined;
    const window = key ? { low: `(SELECT min(${key.select}) FROM ${staged})`, high: `(SELECT max(${key.select}) FROM ${staged})` } : undefined;
    return insertNewSql(config, sink, qualified(schema, table), source, names, window, stageUnique);
  }

  readHighWater(sink: SinkSpec): Promise<Map<number, bigint>> {
    return this.serial(async () => {
      const h = await this.h();
      const rows = await queryDuckdb(h, `SELECT "KAFKA_PARTITION" AS p, "HIGH_WATER_OFFSET" AS o FROM ${this.offsetsTable} WHERE "TABLE_NAME" = ? AND "TOPIC" = ?`, [sink.table, sink.topic]);
      return new Map(rows.map((r) => [Number(r.p), BigInt(r.o as bigint)]));
    });
  }

  newestRows(sink: SinkSpec, cols: FreshnessColumns, sinceMs: number): Promise<NewestRows> {
    return this.serial(async () => {
      const h = await this.h();
      const [schema, table] = splitTable(sink.table);
      const [e, i] = [q(cols.eventTime), q(cols.ingestTime)];
      const rows = await queryDuckdb(h,
        `SELECT epoch_ms(max(${e})) AS ne, epoch_ms(max(${i})) AS ni, max(epoch_ms(${i}) - epoch_ms(${e})) FILTER (WHERE epoch_ms(${i}) >= ?) AS d FROM ${qualified(schema, table)}`,
        [sinceMs]);
      const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
      return { newestEventMs: num(rows[0]?.ne), newestIngestMs: num(rows[0]?.ni), maxDelayMsSince: num(rows[0]?.d) };
    });
  }

  async close(): Promise<void> {
    await this.queue;
    const h = this.handle;
    this.handle = undefined;
    if (h) closeDuckdb(h);
  }
}

/** APPEND keyed by the event id alone (the usual sink): the batch can be de-duplicated before staging. */
function keyedByEventId(config: SinkConfig, sink: SinkSpec): boolean {
  return sink.mode === "APPEND" && sink.mergeKey.length === 1 && sink.mergeKey[0] === metaName(config, "ce_id");
}

const isLater = (a: MappedRow, b: MappedRow): boolean =>
  a.partition !== b.partition ? a.partition > b.partition : BigInt(a.offset) > BigInt(b.offset);

/**
 * One row per event id, the one from the highest (partition, offset) — what the SQL window
 * (`dedupSql`) keeps — in arrival order. Without duplicates (nearly always) the batch itself.
 */
export function latestPerEventId(rows: readonly MappedRow[]): readonly MappedRow[] {
  const keep = new Map<string, number>();
  let duplicates = false;
  for (let i = 0; i < rows.length; i++) {
    const id = rows[i]!.eventId;
    const j = keep.get(id);
    if (j === undefined) keep.set(id, i);
    else {
      duplicates = true;
      if (isLater(rows[i]!, rows[j]!)) keep.set(id, i);
    }
  }
  if (!duplicates) return rows;
  return [...keep.values()].sort((a, b) => a - b).map((i) => rows[i]!);
}

/** Appends the batch to the stage through DuckDB's appender, one typed call per value. */
async function appendRows(h: DuckdbHandle, stage: Stage, rows: readonly MappedRow[], sink: SinkSpec): Promise<void> {
  const appender = await h.conn.createAppender(stage.name, "main", "temp");
  const cols = stage.columns;
  try {
    for (const r of rows) {
      const cells = r.cells;
      for (let i = 0; i < cells.length; i++) {
        const cell = cells[i];
        if (cell === null || cell === undefined) appender.appendNull();
        else cols[i]!.append(appender, cell);
      }
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
  } catch (e) {
    // a value that did not fit leaves a half row: drop what the appender holds so closing cannot
    // fail over it (rows it flushed already are deleted with the stage by the caller)
    try {
      appender.clear();
      appender.closeSync();
    } catch {
      // the appender is unusable either way; the first error is the one to report
    }
    throw classifyDuckdbError(e, `append to staging of ${sink.table}`);
  }
}
