/**
 * Snowflake warehouse writer.
 *
 * Config: `SnowflakeSettings` (runtime/warehouse/snowflake.ts: evt.yaml `snowflake:` + `EVT_SNOWFLAKE_*`),
 *   `controlSchema` (default EVT: holds EVT_SINK_OFFSETS).
 * Tables: the targets come from `evt ddl apply` (ensureTables checks they exist); the writer owns
 *   `EVT.EVT_SINK_OFFSETS` and one TRANSIENT staging table per sink and schema version
 *   (`<TABLE>__EVT_STAGE_<fingerprint>`), so a migrated table never meets a stale staging shape.
 * writeBatch, one transaction:
 *   BEGIN; INSERT INTO stage SELECT <conversions of ?> (one array bind: TO_TIMESTAMP_NTZ, PARSE_JSON,
 *   TO_BINARY(?, 'HEX'), CAST); MERGE target from the de-duplicated stage; MERGE the high-water
 *   offsets; DELETE FROM stage; COMMIT — or ROLLBACK and a classified WarehouseError.
 * connect is idempotent; after a transient error the session is dropped and the next connect opens
 * a new one (a server restart invalidates sessions).
 */
import { formatTimestampNs } from "../row-mapping.js";
import type { Cell, MappedRow } from "../row-mapping.js";
import { tableColumns, type ColumnKind, type SinkConfig, type SinkSpec } from "../config.js";
import { mergeBatchSql, offsetBinds, offsetsTableDdl, upsertOffsetsSql } from "../merge-sql.js";
import {
  CONTROL_SCHEMA, OFFSETS_TABLE, qualified, quoteIdent as q, splitTable, type FreshnessColumns, type NewestRows, type PartitionOffset, type WarehouseWriter, type WriteResult,
} from "../writer.js";
import { WarehouseError, isWarehouseError } from "../../warehouse/errors.js";
import {
  connectSnowflake, destroySnowflake, execSnowflake, type SnowflakeConnection, type SnowflakeSettings,
} from "../../warehouse/snowflake.js";

export interface SnowflakeWriterOptions {
  readonly settings: SnowflakeSettings;
  readonly controlSchema?: string;
}

const OFFSET_TYPES = { partition: "NUMBER(10,0)", offset: "NUMBER(19,0)", timestamp: (p: string) => `TO_TIMESTAMP_NTZ(${p})` };

/** Conversion of one bound cell into the column's Snowflake type. */
function convert(kind: ColumnKind, sqlType: string): string {
  switch (kind) {
    case "timestamp": return "TO_TIMESTAMP_NTZ(?)";
    case "variant": return "PARSE_JSON(?)";
    case "array": return "PARSE_JSON(?)::ARRAY";
    case "binary": return "TO_BINARY(?, 'HEX')";
    case "number": case "duration_ns": case "float": return `CAST(? AS ${sqlType})`;
    default: return "?";
  }
}

/** Cells → binds: text for numbers (exact), text for floats (NaN/inf survive), booleans as such. */
function bindOf(cell: Cell): string | boolean | null {
  if (cell === null || typeof cell === "string" || typeof cell === "boolean") return cell;
  // the writer asks for text cells; these two are native forms, kept exact should one arrive
  if (typeof cell === "bigint") return cell.toString();
  if (cell instanceof Uint8Array) return Buffer.from(cell.buffer, cell.byteOffset, cell.byteLength).toString("hex");
  if (Number.isNaN(cell)) return "NaN";
  if (cell === Infinity) return "inf";
  if (cell === -Infinity) return "-inf";
  return String(cell);
}

export function stageTableName(sink: SinkSpec): string {
  const [, table] = splitTable(sink.table);
  return `${table}__EVT_STAGE_${(sink.fingerprint || "0").toUpperCase()}`;
}

export class SnowflakeWriter implements WarehouseWriter {
  readonly target = "snowflake" as const;
  private conn: SnowflakeConnection | undefined;
  private readonly offsetsTable: string;
  private config: SinkConfig | undefined;

  constructor(private readonly options: SnowflakeWriterOptions) {
    this.offsetsTable = qualified(options.controlSchema ?? CONTROL_SCHEMA, OFFSETS_TABLE);
  }

  async connect(): Promise<void> {
    if (this.conn) return;
    this.conn = await connectSnowflake(this.options.settings, { application: "evt-sink" });
  }

  /** Runs `task` on the session; a transient failure drops the session so the next connect() replaces it. */
  private async withConn<T>(task: (conn: SnowflakeConnection) => Promise<T>): Promise<T> {
    await this.connect();
    try {
      return await task(this.conn!);
    } catch (e) {
      if (isWarehouseError(e) && e.kind === "transient") {
        const dead = this.conn;
        this.conn = undefined;
        if (dead) void destroySnowflake(dead);
      }
      throw e;
    }
  }

  async ensureTables(config: SinkConfig, sinks: readonly SinkSpec[]): Promise<void> {
    this.config = config;
    await this.withConn(async (conn) => {
      await execSnowflake(conn, `CREATE SCHEMA IF NOT EXISTS ${q(this.options.controlSchema ?? CONTROL_SCHEMA)}`);
      await execSnowflake(conn, offsetsTableDdl(this.offsetsTable, { partition: "NUMBER(10,0)", offset: "NUMBER(19,0)", timestamp: "TIMESTAMP_NTZ(9)" }));
      for (const sink of sinks) {
        const [schema, table] = splitTable(sink.table);
        const found = await execSnowflake<{ N: string }>(conn,
          "SELECT COUNT(*) AS N FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", [schema, table], { numbersAsText: true });
        if (Number(found[0]?.N ?? 0) === 0) {
          throw new WarehouseError(`table ${sink.table} of sink ${sink.name} does not exist; run \`evt ddl apply\` first`, "fatal", { context: { table: sink.table } });
        }
        const columns = tableColumns(config, sink).map((c) => `  ${q(c.name)} ${c.sqlType}`).join(",\n");
        await execSnowflake(conn, `CREATE TRANSIENT TABLE IF NOT EXISTS ${qualified(schema, stageTableName(sink))} (\n${columns}\n)`);
      }
    });
  }

  async writeBatch(sink: SinkSpec, rows: readonly MappedRow[], offsets: readonly PartitionOffset[]): Promise<WriteResult> {
    const config = this.config;
    if (!config) throw new WarehouseError("writeBatch before ensureTables", "fatal");
    const [schema, table] = splitTable(sink.table);
    const target = qualified(schema, table);
    const stage = qualified(schema, stageTableName(sink));
    const cols = tableColumns(config, sink);
    const names = cols.map((c) => c.name);
    return this.withConn(async (conn) => {
      await execSnowflake(conn, "BEGIN");
      try {
        let written = 0;
        if (rows.length > 0) {
          const insert = `INSERT INTO ${stage} (${names.map(q).join(", ")}) SELECT ${cols.map((c) => convert(c.kind, c.sqlType)).join(", ")}`;
          await execSnowflake(conn, insert, rows.map((r) => r.cells.map(bindOf)) as never);
          const merged = await execSnowflake<Record<string, unknown>>(conn, mergeBatchSql(config, sink, target, `SELECT * FROM ${stage}`, names));
          written = countMerged(merged);
          await execSnowflake(conn, `DELETE FROM ${stage}`);
        }
        if (offsets.length > 0) {
          const now = formatTimestampNs(BigInt(Date.now()) * 1_000_000n);
          await execSnowflake(conn, upsertOffsetsSql(this.offsetsTable, offsets.length, OFFSET_TYPES), offsetBinds(sink, offsets, now));
        }
        await execSnowflake(conn, "COMMIT");
        return { written };
      } catch (e) {
        await execSnowflake(conn, "ROLLBACK").catch(() => {});
        throw e;
      }
    });
  }

  async readHighWater(sink: SinkSpec): Promise<Map<number, bigint>> {
    const rows = await this.withConn((conn) => execSnowflake<{ KAFKA_PARTITION: string; HIGH_WATER_OFFSET: string }>(conn,
      `SELECT "KAFKA_PARTITION", "HIGH_WATER_OFFSET" FROM ${this.offsetsTable} WHERE "TABLE_NAME" = ? AND "TOPIC" = ?`,
      [sink.table, sink.topic], { numbersAsText: true }));
    return new Map(rows.map((r) => [Number(r.KAFKA_PARTITION), BigInt(r.HIGH_WATER_OFFSET)]));
  }

  async newestRows(sink: SinkSpec, cols: FreshnessColumns, sinceMs: number): Promise<NewestRows> {
    const [schema, table] = splitTable(sink.table);
    const [e, i] = [q(cols.eventTime), q(cols.ingestTime)];
    const ms = (c: string) => `DATE_PART(EPOCH_MILLISECOND, ${c})`;
    const rows = await this.withConn((conn) => execSnowflake<{ NE: string | null; NI: string | null; D: string | null }>(conn,
      `SELECT ${ms(`MAX(${e})`)} AS NE, ${ms(`MAX(${i})`)} AS NI, MAX(CASE WHEN ${ms(i)} >= ? THEN ${ms(i)} - ${ms(e)} END) AS D FROM ${qualified(schema, table)}`,
      [sinceMs], { numbersAsText: true }));
    const num = (v: string | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
    return { newestEventMs: num(rows[0]?.NE), newestIngestMs: num(rows[0]?.NI), maxDelayMsSince: num(rows[0]?.D) };
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    if (conn) await destroySnowflake(conn);
  }
}

/** Snowflake answers MERGE with "number of rows inserted"/"number of rows updated" columns. */
function countMerged(rows: readonly Record<string, unknown>[]): number {
  let n = 0;
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (/rows (inserted|updated)/i.test(k)) n += Number(v) || 0;
  return n;
}
