/**
 * `evt ddl apply`: brings a warehouse to the generated DDL.
 *
 *  1. tables: every `tables/<SCHEMA>.<TABLE>.sql` whose table does not exist yet (CREATE SCHEMA/
 *     TABLE IF NOT EXISTS, the latest shape), in name order — not recorded; an existing table
 *     changes only through migrations (its file would COMMENT on columns it does not have yet);
 *  2. migrations: every `migrations/V*.sql` not yet in the history table, in name order, each
 *     recorded (name, sha256 of the file, applied_at) right after it ran. An already-applied
 *     migration whose file changed is refused before anything runs (MigrationChecksumError
 *     naming the file): history is append-only, a change needs a new migration.
 * A migration's `ADD COLUMN` runs as `ADD COLUMN IF NOT EXISTS`, because step 1 may already have
 * created the table in its latest shape (a fresh warehouse); every other migration statement
 * (widen, DROP NOT NULL, comments, CREATE … IF NOT EXISTS) is idempotent as written.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { EvtRuntimeError } from "../errors.js";
import { quoteIdent } from "../sinks/writer.js";
import { splitStatements } from "./snowflake.js";

export interface DdlFile {
  readonly name: string;
  readonly path: string;
  readonly sql: string;
  /** sha256 of the file's bytes, hex. */
  readonly checksum: string;
}

/** What the migrator needs from a warehouse connection. */
export interface DdlExecutor {
  readonly dialect: "snowflake" | "duckdb";
  run(sql: string, binds?: readonly (string | null)[]): Promise<void>;
  /** Rows with every value as text. */
  rows(sql: string, binds?: readonly (string | null)[]): Promise<Record<string, string | null>[]>;
}

export interface HistoryTable {
  readonly schema: string;
  readonly table: string;
}

export const DEFAULT_HISTORY: HistoryTable = { schema: "EVT", table: "EVT_MIGRATION_HISTORY" };

/** An applied migration whose file no longer matches what was applied. */
export class MigrationChecksumError extends EvtRuntimeError {
  override name = "MigrationChecksumError";
}

export interface ApplyPlan {
  /** Table files whose table does not exist yet. */
  readonly tables: readonly DdlFile[];
  /** Table files skipped because their table exists. */
  readonly existing?: readonly string[];
  /** Migrations not in the history, in the order they will run. */
  readonly pending: readonly DdlFile[];
  /** Migrations already applied (unchanged). */
  readonly applied: readonly string[];
}

export interface ApplyResult extends ApplyPlan {
  readonly statements: number;
}

export type ApplyEvent =
  | { readonly kind: "statement"; readonly file: string; readonly sql: string }
  | { readonly kind: "file"; readonly file: string; readonly what: "table" | "migration" };

/** `*.sql` of `dir` in name order (absent dir: none). */
export function readDdlDir(dir: string, pattern: RegExp = /\.sql$/): DdlFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => pattern.test(n))
    .sort()
    .map((name) => {
      const p = path.join(dir, name);
      const bytes = readFileSync(p);
      return { name, path: p, sql: bytes.toString("utf8"), checksum: createHash("sha256").update(bytes).digest("hex") };
    });
}

export const MIGRATION_FILE = /^V\d{4,}__[A-Za-z0-9_]+\.sql$/;

const q = quoteIdent;

function historyDdl(h: HistoryTable, dialect: DdlExecutor["dialect"]): string[] {
  const ts = dialect === "snowflake" ? "TIMESTAMP_NTZ(9)" : "TIMESTAMP_NS";
  return [
    `CREATE SCHEMA IF NOT EXISTS ${q(h.schema)}`,
    `CREATE TABLE IF NOT EXISTS ${q(h.schema)}.${q(h.table)} (\n  "NAME" VARCHAR NOT NULL,\n  "CHECKSUM" VARCHAR(64) NOT NULL,\n  "APPLIED_AT" ${ts} NOT NULL,\n  "APPLIED_BY" VARCHAR\n)`,
  ];
}

/** Makes a reviewed `ADD COLUMN` re-runnable over a table created in its latest shape. */
export function idempotentStatement(sql: string): string {
  return sql.replace(/\bADD\s+COLUMN\s+(?!IF\s+NOT\s+EXISTS\b)/gi, "ADD COLUMN IF NOT EXISTS ");
}

/** Reads the history and compares it with the files; refuses edited applied migrations. */
export async function planApply(
  exec: DdlExecutor, tables: readonly DdlFile[], migrations: readonly DdlFile[], history: HistoryTable = DEFAULT_HISTORY, options: { readOnly?: boolean } = {},
): Promise<ApplyPlan> {
  const applied = await readHistory(exec, history, options.readOnly ?? false);
  const edited = migrations.filter((m) => applied.has(m.name) && applied.get(m.name) !== m.checksum);
  if (edited.length > 0) {
    const names = edited.map((m) => m.path).join(", ");
    throw new MigrationChecksumError(
      `migration ${names} was already applied but its content changed since (checksum differs from ${history.schema}.${history.table}); ` +
        "applied migrations are immutable: restore the file and put the change in a new migration (evt ddl plan)",
      { context: { files: edited.map((m) => m.name).join(",") } },
    );
  }
  const missing: DdlFile[] = [];
  const existing: string[] = [];
  for (const t of tables) {
    if (await tableExists(exec, t.name.replace(/\.sql$/, ""))) existing.push(t.name);
    else missing.push(t);
  }
  return {
    tables: missing,
    existing,
    pending: migrations.filter((m) => !applied.has(m.name)),
    applied: migrations.filter((m) => applied.has(m.name)).map((m) => m.name),
  };
}

/** Whether `SCHEMA.TABLE` exists (names as evt emits them: quoted upper case). */
export async function tableExists(exec: DdlExecutor, qualifiedName: string): Promise<boolean> {
  const i = qualifiedName.indexOf(".");
  if (i < 0) return false;
  const found = await exec.rows("SELECT COUNT(*) AS N FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", [qualifiedName.slice(0, i), qualifiedName.slice(i + 1)]);
  return Number(found[0]?.N ?? found[0]?.n ?? 0) > 0;
}

async function readHistory(exec: DdlExecutor, h: HistoryTable, readOnly: boolean): Promise<Map<string, string>> {
  if (readOnly) {
    // a dry run changes nothing: no history table yet means nothing applied yet
    if (!(await tableExists(exec, `${h.schema}.${h.table}`))) return new Map();
  } else {
    for (const stmt of historyDdl(h, exec.dialect)) await exec.run(stmt);
  }
  const rows = await exec.rows(`SELECT "NAME", "CHECKSUM" FROM ${q(h.schema)}.${q(h.table)}`);
  return new Map(rows.map((r) => [String(r.NAME), String(r.CHECKSUM)]));
}

/** Runs the plan: tables, then each pending migration followed by its history row. */
export async function applyPlan(exec: DdlExecutor, plan: ApplyPlan, options: { history?: HistoryTable; appliedBy?: string; onEvent?: (e: ApplyEvent) => void } = {}): Promise<ApplyResult> {
  const h = options.history ?? DEFAULT_HISTORY;
  let statements = 0;
  for (const f of plan.tables) {
    options.onEvent?.({ kind: "file", file: f.name, what: "table" });
    for (const stmt of splitStatements(f.sql)) {
      options.onEvent?.({ kind: "statement", file: f.name, sql: stmt });
      await exec.run(stmt);
      statements += 1;
    }
  }
  // DuckDB has transactional DDL: a migration and its history row commit together. (Snowflake
  // commits each DDL statement on its own; its statements are idempotent, so a rerun completes it.)
  const atomic = exec.dialect === "duckdb";
  for (const m of plan.pending) {
    options.onEvent?.({ kind: "file", file: m.name, what: "migration" });
    if (atomic) await exec.run("BEGIN TRANSACTION");
    try {
      for (const stmt of splitStatements(m.sql)) {
        const sql = idempotentStatement(stmt);
        options.onEvent?.({ kind: "statement", file: m.name, sql });
        await exec.run(sql);
        statements += 1;
      }
      const now = new Date().toISOString().replace("T", " ").replace("Z", "");
      const ts = exec.dialect === "snowflake" ? "TO_TIMESTAMP_NTZ(?)" : "CAST(? AS TIMESTAMP_NS)";
      await exec.run(`INSERT INTO ${q(h.schema)}.${q(h.table)} ("NAME", "CHECKSUM", "APPLIED_AT", "APPLIED_BY") SELECT ?, ?, ${ts}, ?`, [m.name, m.checksum, now, options.appliedBy ?? null]);
      if (atomic) await exec.run("COMMIT");
    } catch (e) {
      if (atomic) await exec.run("ROLLBACK").catch(() => {});
      throw e;
    }
  }
  return { ...plan, statements };
}

/** The SQL a run would execute, for `--dry-run` (no connection needed beyond the history read). */
export function renderPlan(plan: ApplyPlan): string {
  const out: string[] = [];
  for (const f of plan.tables) out.push(`-- table: ${f.name}`, ...splitStatements(f.sql).map((s) => `${s};`), "");
  if (plan.existing && plan.existing.length > 0) out.push(`-- tables that exist (changed only by migrations): ${plan.existing.join(", ")}`, "");
  for (const m of plan.pending) out.push(`-- migration: ${m.name} (sha256 ${m.checksum})`, ...splitStatements(m.sql).map((s) => `${idempotentStatement(s)};`), "");
  if (plan.applied.length > 0) out.push(`-- already applied: ${plan.applied.join(", ")}`);
  return out.join("\n");
}
