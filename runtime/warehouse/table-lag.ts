/**
 * `evt run`'s start-up check: a sink must not start while its table lags its contract (a column
 * missing, narrower or of another type, or NOT NULL where the contract may leave it empty — a field
 * that left the contract, say), because every row would then go to the dead-letter topic. The live
 * columns come from INFORMATION_SCHEMA; the pending migration that would fix the table is named
 * from the migration files not yet in the history table.
 */
import { tableColumns, type SinkConfig, type SinkSpec } from "../sinks/config.js";
import { qualified, splitTable } from "../sinks/writer.js";
import { WarehouseError } from "./errors.js";
import { planApply, type DdlExecutor, type DdlFile, type HistoryTable } from "./migrate.js";

interface LiveColumn {
  readonly type: string;
  readonly nullable: boolean;
  readonly precision?: number;
  readonly length?: number;
}

type Expected = ReturnType<typeof tableColumns>[number];

async function liveColumns(exec: DdlExecutor, table: string): Promise<Map<string, LiveColumn> | undefined> {
  const [schema, name] = splitTable(table);
  const rows = await exec.rows(
    exec.dialect === "snowflake"
      ? "SELECT COLUMN_NAME AS C, DATA_TYPE AS T, IS_NULLABLE AS N, NUMERIC_PRECISION AS P, CHARACTER_MAXIMUM_LENGTH AS L FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
      : "SELECT column_name AS C, data_type AS T, is_nullable AS N, NULL AS P, NULL AS L FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
    [schema, name],
  );
  if (rows.length === 0) return undefined;
  const num = (v: string | null | undefined): number | undefined => (v === null || v === undefined ? undefined : Number(v));
  return new Map(rows.map((r) => [String(r.C), { type: String(r.T).toUpperCase(), nullable: r.N === "YES", precision: num(r.P), length: num(r.L) }]));
}

const FAMILY: Record<string, string> = { DECIMAL: "NUMBER", NUMERIC: "NUMBER", TEXT: "VARCHAR", STRING: "VARCHAR", VARCHAR: "VARCHAR", VARBINARY: "BINARY", DOUBLE: "FLOAT", REAL: "FLOAT" };

/** Why the live column cannot take the contract's values, or undefined when it can. */
function typeLag(dialect: DdlExecutor["dialect"], want: Expected, live: LiveColumn): string | undefined {
  if (dialect === "duckdb") {
    // TIMESTAMP_NS: how evt created timestamp columns before the full-range TIMESTAMP; it takes
    // every value the sink writes except those after 2262, so an older local file keeps working.
    const norm = (t: string): string => t.toUpperCase().replace(/\s+/g, "").replace(/^TIMESTAMP_NS$/, "TIMESTAMP");
    return norm(live.type) === norm(want.duckdbType) ? undefined : `is ${live.type}, the contract needs ${want.duckdbType}`;
  }
  const m = /^([A-Z_]+)(?:\((\d+)(?:,\d+)?\))?$/.exec(want.sqlType.toUpperCase().replace(/\s+/g, ""));
  const base = m?.[1] ?? want.sqlType;
  const family = (t: string): string => FAMILY[t] ?? t;
  // a VARIANT column holds any semi-structured value: ARRAY and OBJECT rows land in it unchanged
  // (servers that store ARRAY as VARIANT, such as the Snowflake-protocol test server, report it so)
  if (live.type.toUpperCase() === "VARIANT" && (base === "ARRAY" || base === "OBJECT")) return undefined;
  if (family(live.type) !== family(base)) return `is ${live.type}, the contract needs ${want.sqlType}`;
  const arg = m?.[2] === undefined ? undefined : Number(m[2]);
  if (family(base) === "NUMBER" && arg !== undefined && live.precision !== undefined && live.precision < arg) return `is NUMBER(${live.precision},0), the contract needs ${want.sqlType}`;
  if (family(base) === "VARCHAR" && live.length !== undefined && live.length < (arg ?? 16_777_216)) return `is VARCHAR(${live.length}), the contract needs ${want.sqlType}`;
  return undefined;
}

/** The first way the live table lags the sink's columns, or undefined. */
function lagOf(dialect: DdlExecutor["dialect"], expected: readonly Expected[], live: ReadonlyMap<string, LiveColumn>): string | undefined {
  const wanted = new Set<string>();
  for (const c of expected) {
    wanted.add(c.name);
    const l = live.get(c.name);
    if (!l) return `column ${c.name} is missing`;
    const t = typeLag(dialect, c, l);
    if (t) return `column ${c.name} ${t}`;
    if (!l.nullable && c.nullable) return `column ${c.name} is NOT NULL, the contract may leave it empty`;
  }
  for (const [name, l] of live) if (!wanted.has(name) && !l.nullable) return `column ${name} is NOT NULL but no longer in the contract (rows would get NULL there)`;
  return undefined;
}

/**
 * Throws a fatal WarehouseError (one line: table, what lags, the pending migration or `evt ddl
 * plan`) for the first selected sink whose existing table lags its contract. Missing tables pass:
 * creating them is the writer's or `evt ddl apply`'s job. `pending`: migrations not yet applied.
 */
export async function checkTablesCurrent(exec: DdlExecutor, config: SinkConfig, sinks: readonly SinkSpec[], pending: readonly DdlFile[]): Promise<void> {
  for (const sink of sinks) {
    const live = await liveColumns(exec, sink.table);
    if (!live) continue;
    const lag = lagOf(exec.dialect, tableColumns(config, sink), live);
    if (!lag) continue;
    const [schema, table] = splitTable(sink.table);
    const target = qualified(schema, table);
    const fixes = pending.filter((m) => m.sql.includes(target)).map((m) => m.name);
    const how = fixes.length > 0
      ? `pending migration ${fixes.join(", ")}: run \`evt ddl apply --target ${exec.dialect}\``
      : "no pending migration covers it: run `evt ddl plan --against <baseline>`, then `evt ddl apply`";
    throw new WarehouseError(`table ${sink.table} of sink ${sink.name} lags its contract (${lag}); ${how}`, "fatal", {
      context: { table: sink.table, ...(fixes.length > 0 ? { migration: fixes.join(",") } : {}) },
    });
  }
}

/** The check with the pending migrations read from `migrations` and the history table (read only). */
export async function checkSinkTables(exec: DdlExecutor, config: SinkConfig, sinks: readonly SinkSpec[], migrations: readonly DdlFile[], history: HistoryTable): Promise<void> {
  const plan = await planApply(exec, [], migrations, history, { readOnly: true });
  await checkTablesCurrent(exec, config, sinks, plan.pending);
}
