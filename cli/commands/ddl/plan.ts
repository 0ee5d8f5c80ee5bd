import path from "node:path";
import { Flags } from "@oclif/core";
import { DUCKDB_MIGRATIONS_DIR, MIGRATIONS_DIR } from "../../../compiler/emit/layout.js";
import type { DdlPlanResult } from "../../../compiler/warehouse/migrations-plan.js";
import { EvtCommand, findingFlags, type CommandResult } from "../../base-command.js";

export default class DdlPlan extends EvtCommand<typeof DdlPlan> {
  static override summary = "Write the Snowflake and DuckDB migration a contract change needs.";
  static override description =
    "Diffs the sink tables of --against (git ref, proto directory or buf image) and the working tree, and writes the next " +
    "generated/snowflake/migrations/V<NNNN>__<slug>.sql with what Snowflake's ALTER allows (new nullable columns, wider NUMBER/VARCHAR, " +
    "DROP NOT NULL — also for a required field that left the contract —, comments, CREATE TABLE IF NOT EXISTS for new sinks), and the " +
    "same steps in DuckDB's dialect as generated/duckdb/migrations/V<NNNN>__<slug>.sql. Changes no migration can express (renames, " +
    "narrowing, incompatible types) are reported as findings; the approvals of evt-approvals.yaml apply as in check-compat, and an " +
    "approved change that still needs table work prints that work. Contracts with lint errors are refused. " +
    "Exit 0 planned (or nothing to do), 1 inexpressible changes, 2 usage or input error.";
  static override examples = ["<%= config.bin %> ddl plan --against origin/main", "<%= config.bin %> ddl plan --against main --dry-run"];
  static override flags = {
    ...findingFlags,
    against: Flags.string({ required: true, summary: "Baseline: git ref, proto directory, or buf image file.", helpValue: "REF" }),
    "dry-run": Flags.boolean({ summary: "Print the planned migration instead of writing it." }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const cwd = process.cwd();
    const migrationsDir = path.join(config.out, MIGRATIONS_DIR);
    // Loaded on use: oclif imports every command module to list commands.
    const { runDdlPlan } = await import("../../../compiler/warehouse/migrations-plan.js");
    const { isLintRefusalError } = await import("../../../compiler/rules/lint/refuse.js");
    const result: DdlPlanResult = await runDdlPlan({
      protoRoot: config.protoRoot,
      cwd,
      against: this.flags.against,
      migrationsDir,
      duckdbMigrationsDir: path.join(config.out, DUCKDB_MIGRATIONS_DIR),
      schemaPrefix: config.warehouse.schemaPrefix,
      approvalsFile: config.approvals,
      dryRun: this.flags["dry-run"],
    }).catch((e: unknown) => {
      if (isLintRefusalError(e)) return { findings: e.findings, manual: [] } satisfies DdlPlanResult;
      throw e;
    });
    // The migration goes to stderr as a note so stdout stays the findings report in every format.
    if (result.file) {
      const where = path.relative(cwd, result.file.path);
      const duckdbWhere = path.relative(cwd, result.file.duckdbPath);
      process.stderr.write(this.flags["dry-run"]
        ? `evt: would write ${where}:\n${result.file.content}evt: would write ${duckdbWhere}:\n${result.file.duckdbContent}`
        : `evt: wrote ${where} and ${duckdbWhere} (${result.file.steps.length} change(s))\n`);
    } else if (result.findings.every((f) => f.layer !== "lint")) {
      process.stderr.write("evt: no migration needed (every change is already covered)\n");
    }
    for (const m of result.manual) {
      process.stderr.write(
        `evt: approved ${m.ruleId} on ${m.element} still needs table work that evt does not write (it rewrites the column); ` +
          "review it and commit it as a migration of your own under both migration directories:\n" +
          `  snowflake: ${m.snowflake.map((s) => `${s};`).join(" ")}\n  duckdb: ${m.duckdb.map((s) => `${s};`).join(" ")}\n`,
      );
    }
    return { findings: result.findings, command: "ddl plan", groupByFile: true };
  }
}
