import path from "node:path";
import { Flags } from "@oclif/core";
import { DEFAULTS, type EvtConfig } from "../../../compiler/config/index.js";
import { EvtError } from "../../../compiler/errors.js";
import {
  MIGRATION_FILE, applyPlan, planApply, readDdlDir, renderPlan, type DdlExecutor, type HistoryTable,
} from "@evt/runtime/warehouse/migrate.js";
import {
  SNOWFLAKE_ENV, connectSnowflake, describeSettings, destroySnowflake, resolveSnowflakeSettings, type SnowflakeSettings,
} from "@evt/runtime/warehouse/snowflake.js";
import { DUCKDB_MIGRATIONS_DIR, MIGRATIONS_DIR } from "../../../compiler/emit/layout.js";
import { EvtCommand, type CommandResult } from "../../base-command.js";

export type WarehouseTarget = "snowflake" | "duckdb";

/** evt.yaml `snowflake:` (+ `warehouse.database`) and the `EVT_SNOWFLAKE_*` environment → connection settings. */
export function snowflakeSettingsFrom(config: EvtConfig, env: NodeJS.ProcessEnv = process.env): SnowflakeSettings {
  const s = config.snowflake ?? {};
  try {
    return resolveSnowflakeSettings({ ...s, ...(s.database === undefined && config.warehouse.database ? { database: config.warehouse.database } : {}) }, env);
  } catch (e) {
    throw new EvtError((e as Error).message);
  }
}

export function targetOf(config: EvtConfig, flag: string | undefined): WarehouseTarget {
  return (flag ?? config.warehouse.target ?? "duckdb") as WarehouseTarget;
}

export function duckdbPathOf(config: EvtConfig, flag: string | undefined): string {
  return path.resolve(flag ?? config.warehouse.duckdbPath ?? path.join(config.baseDir, DEFAULTS.duckdbPath));
}

export function historyOf(config: EvtConfig): HistoryTable {
  const [schema, table] = config.history.table.split(".") as [string, string];
  return { schema, table };
}

export const ENV_HELP =
  `Snowflake connection: evt.yaml \`snowflake:\` (account, user, role, warehouse, database, schema, host, port, protocol) ` +
  `overridden by ${Object.values(SNOWFLAKE_ENV).join(", ")}. Secrets only from the environment: ${SNOWFLAKE_ENV.password}, ` +
  `or key-pair auth with ${SNOWFLAKE_ENV.privateKey} / ${SNOWFLAKE_ENV.privateKeyPath} (+ ${SNOWFLAKE_ENV.privateKeyPassphrase}); ` +
  `evt.yaml may rename them (passwordEnv, privateKeyEnv, privateKeyPathEnv). ${SNOWFLAKE_ENV.accessUrl} points at a local server.`;

export default class DdlApply extends EvtCommand<typeof DdlApply> {
  static override summary = "Apply the generated tables and pending migrations to the warehouse, with history.";
  static override description =
    "Runs <out>/snowflake/tables/<SCHEMA>.<TABLE>.sql for every table that does not exist yet (an existing table changes only " +
    "through migrations), then each migration of <out>/snowflake/migrations/ not yet recorded in the history table (evt.yaml " +
    "history.table, default EVT.EVT_MIGRATION_HISTORY), in name order, recording its name, sha256 and time. A rerun is a no-op. " +
    "An applied migration whose file changed is refused (exit 2, the file named). With --target duckdb the same happens on the " +
    "local database file (warehouse.duckdbPath) with <out>/duckdb/tables/ and <out>/duckdb/migrations/ (the DuckDB dialect of the " +
    "same migrations, same names), each migration and its history row in one transaction. " +
    ENV_HELP;
  static override examples = [
    "<%= config.bin %> ddl apply --target snowflake",
    "<%= config.bin %> ddl apply --dry-run",
    "EVT_SNOWFLAKE_ACCESS_URL=http://127.0.0.1:18080 <%= config.bin %> ddl apply --target snowflake",
  ];
  static override flags = {
    target: Flags.option({ options: ["snowflake", "duckdb"] as const, summary: "Warehouse to apply to (default: evt.yaml warehouse.target, else duckdb)." })(),
    "dry-run": Flags.boolean({ summary: "Print the SQL that would run (reads the history, changes nothing)." }),
    "duckdb-path": Flags.string({ summary: "DuckDB database file (default: warehouse.duckdbPath, else .evt/warehouse.duckdb).", helpValue: "FILE" }),
    quiet: Flags.boolean({ summary: "Print nothing on success, and no progress line on a terminal." }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const target = targetOf(config, this.flags.target);
    const dryRun = this.flags["dry-run"];
    const history = historyOf(config);
    const tablesDir = path.join(config.out, target === "snowflake" ? "snowflake" : "duckdb", "tables");
    const tables = readDdlDir(tablesDir);
    if (tables.length === 0) throw new EvtError(`no table DDL in ${path.relative(process.cwd(), tablesDir) || tablesDir}; run \`evt generate\` first`);
    const migrations = readDdlDir(path.join(config.out, target === "snowflake" ? MIGRATIONS_DIR : DUCKDB_MIGRATIONS_DIR), MIGRATION_FILE);

    // Drivers load only when this command runs (oclif imports every command module at start-up).
    const { duckdbExecutor, snowflakeExecutor } = await import("@evt/runtime/warehouse/executors.js");
    let exec: DdlExecutor;
    let close: () => Promise<void>;
    if (target === "snowflake") {
      const settings = snowflakeSettingsFrom(config);
      this.verbose(`connecting to Snowflake ${JSON.stringify(describeSettings(settings))}`);
      this.progress.step("connecting to Snowflake");
      const conn = await connectSnowflake(settings, { application: "evt-ddl-apply" }).catch((e: unknown) => {
        throw new EvtError(`cannot connect to Snowflake: ${(e as Error).message}`);
      });
      exec = snowflakeExecutor(conn);
      close = () => destroySnowflake(conn);
    } else {
      const file = duckdbPathOf(config, this.flags["duckdb-path"]);
      this.verbose(`opening DuckDB ${file}`);
      this.progress.step(`opening ${path.relative(process.cwd(), file) || file}`);
      const { mkdirSync } = await import("node:fs");
      mkdirSync(path.dirname(file), { recursive: true });
      const { closeDuckdb, openDuckdb } = await import("@evt/runtime/warehouse/duckdb.js");
      const h = await openDuckdb(file);
      exec = duckdbExecutor(h);
      close = async () => closeDuckdb(h);
    }
    try {
      this.progress.step(`reading the history (${tables.length} tables, ${migrations.length} migrations)`);
      const plan = await planApply(exec, tables, migrations, history, { readOnly: dryRun }).catch((e: unknown) => {
        throw (e as Error).name === "MigrationChecksumError" ? new EvtError((e as Error).message) : e;
      });
      if (dryRun) {
        return { json: { target, dryRun: true, tables: plan.tables.map((t) => t.name), pending: plan.pending.map((m) => m.name), applied: plan.applied }, text: renderPlan(plan) };
      }
      const done = { table: 0, migration: 0 };
      const total = { table: plan.tables.length, migration: plan.pending.length };
      const result = await applyPlan(exec, plan, {
        history,
        appliedBy: process.env.USER ?? "evt",
        onEvent: (e) => {
          if (e.kind !== "file") return;
          this.verbose(`applying ${e.what} ${e.file}`);
          this.progress.step(`applying ${e.what}s`, { done: done[e.what]++, total: total[e.what] });
        },
      });
      const text = [
        `applied ${result.tables.length} table file(s) to ${target} (${result.statements} statement(s))` +
          (result.existing && result.existing.length > 0 ? `; ${result.existing.length} table(s) already exist` : ""),
        result.pending.length > 0 ? `applied migration(s): ${result.pending.map((m) => m.name).join(", ")}` : "no pending migrations",
        ...(result.applied.length > 0 ? [`already applied: ${result.applied.join(", ")}`] : []),
      ].join("\n");
      return { json: { target, tables: result.tables.map((t) => t.name), applied: result.pending.map((m) => m.name), alreadyApplied: result.applied, statements: result.statements }, ...(this.flags.quiet ? {} : { text }) };
    } finally {
      await close();
    }
  }
}
