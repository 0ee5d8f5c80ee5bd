/**
 * DuckDB warehouse writer: the embedded local default (`warehouse.target: duckdb`).
 *
 * Config: `path` of the database file (one process holds it), `controlSchema` (default EVT),
 *   `createTables` (default true: the sink tables are created from the sink config's `duckdbType`s,
 *   the same DDL `evt generate` writes to generated/duckdb/tables/).
 * writeBatch, one transaction (the writer serialises batches: one DuckDB connection, one
 *   transaction at a time): BEGIN; append the cells as text into a per-connection TEMP staging
 *   table (DuckDB's appender, no SQL text per value); MERGE into the target from the de-duplicated
 *   stage with CASTs (TIMESTAMP_NS, HUGEINT, unhex → BLOB, JSON, JSON → LIST); MERGE the high-water
 *   offsets; DELETE the stage; COMMIT — or ROLLBACK and a classified WarehouseError.
 */
import { formatTimestampNs } from "../row-mapping.js";
import type { Cell, MappedRow } from "../row-mapping.js";
import { tableColumns, type ColumnKind, type SinkConfig, type SinkSpec } from "../config.js";
import { mergeBatchSql, offsetBinds, offsetsTableDdl, upsertOffsetsSql } from "../merge-sql.js";
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

/** Text cell → column type. */
export function duckdbCast(kind: ColumnKind, duckdbType: string, expr: string): string {
  switch (kind) {
    case "varchar": case "enum_name": case "oneof_case": return expr;
    case "binary": return `unhex(${expr})`;
    case "variant": return `CAST(${expr} AS JSON)`;
    case "array": return `CAST(CAST(${expr} AS JSON) AS ${duckdbType})`;
    default: return `CAST(${expr} AS ${duckdbType})`;
  }
}

/** DDL of one sink table in DuckDB's dialect (also what compiler/emit/duckdb writes). */
export function duckdbTableDdl(config: SinkConfig, sink: SinkSpec): string[] {
  const [schema, table] = splitTable(sink.table);
  const cols = tableColumns(config, sink)
    .map((c) => `  ${q(c.name)} ${c.duckdbType}${c.nullable ? "" : " NOT NULL"}`)
    .join(",\n");
  return [`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`, `CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (\n${cols}\n)`];
}

function textOf(cell: Cell): string | null {
  if (cell === null) return null;
  if (typeof cell === "string") return cell;
  if (typeof cell === "boolean") return cell ? "true" : "false";
  return String(cell); // NaN, Infinity, -Infinity cast back exactly; finite numbers round-trip
}

export class DuckdbWriter implements WarehouseWriter {
  readonly target = "duckdb" as const;
  private handle: DuckdbHandle | undefined;
  private config: SinkConfig | undefined;
  private readonly offsetsTable: string;
  private readonly stages = new Map<string, string>();
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

  private async stageFor(h: DuckdbHandle, sink: SinkSpec, columns: readonly string[]): Promise<string> {
    let stage = this.stages.get(sink.name);
    if (!stage) {
      stage = `evt_stage_${sink.table.replace(/[^A-Za-z0-9]/g, "_").toLowerCase()}`;
      await execDuckdb(h, `CREATE OR REPLACE TEMP TABLE ${q(stage)} (${columns.map((c) => `${q(c)} VARCHAR`).join(", ")})`);
      this.stages.set(sink.name, stage);
    }
    return stage;
  }

  writeBatch(sink: SinkSpec, rows: readonly MappedRow[], offsets: readonly PartitionOffset[]): Promise<WriteResult> {
    return this.serial(async () => {
      const config = this.config;
      if (!config) throw new WarehouseError("writeBatch before ensureTables", "fatal");
      const h = await this.h();
      const cols = tableColumns(config, sink);
      const names = cols.map((c) => c.name);
      const stage = await this.stageFor(h, sink, names);
      await execDuckdb(h, "BEGIN TRANSACTION");
      try {
        let written = 0;
        if (rows.length > 0) {
          const appender = await h.conn.createAppender(stage, "main", "temp");
          try {
            for (const r of rows) {
              for (const cell of r.cells) {
                const t = textOf(cell);
                if (t === null) appender.appendNull();
                else appender.appendVarchar(t);
              }
              appender.endRow();
            }
            appender.flushSync();
          } catch (e) {
            throw classifyDuckdbError(e, `append to staging of ${sink.table}`);
          } finally {
            appender.closeSync();
          }
          const source = `SELECT ${cols.map((c) => `${duckdbCast(c.kind, c.duckdbType, q(c.name))} AS ${q(c.name)}`).join(", ")} FROM temp.main.${q(stage)}`;
          const [schema, table] = splitTable(sink.table);
          const res = await h.conn.run(mergeBatchSql(config, sink, qualified(schema, table), source, names)).catch((e: unknown) => {
            throw classifyDuckdbError(e, `MERGE INTO ${sink.table}`);
          });
          written = Number(res.rowsChanged);
          await execDuckdb(h, `DELETE FROM temp.main.${q(stage)}`);
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
        await h.conn.run(`DELETE FROM temp.main.${q(stage)}`).catch(() => {});
        throw e;
      }
    });
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
