import path from "node:path";
import { Flags } from "@oclif/core";
import { MIGRATIONS_DIR } from "../../../compiler/emit/layout.js";
import { EvtCommand, findingFlags, type CommandResult } from "../../base-command.js";

export default class DdlPlan extends EvtCommand<typeof DdlPlan> {
  static override summary = "Write the Snowflake migration a contract change needs.";
  static override description =
    "Diffs the sink tables of --against (git ref, proto directory or buf image) and the working tree, and writes the next " +
    "generated/snowflake/migrations/V<NNNN>__<slug>.sql with what Snowflake's ALTER allows (new nullable columns, wider NUMBER/VARCHAR, " +
    "DROP NOT NULL, comments, CREATE TABLE IF NOT EXISTS for new sinks). Changes no migration can express (renames, narrowing, " +
    "incompatible types) are reported as findings. Exit 0 planned (or nothing to do), 1 inexpressible changes, 2 usage or input error.";
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
    const result = await runDdlPlan({
      protoRoot: config.protoRoot,
      cwd,
      against: this.flags.against,
      migrationsDir,
      schemaPrefix: config.warehouse.schemaPrefix,
      dryRun: this.flags["dry-run"],
    });
    // The migration goes to stderr as a note so stdout stays the findings report in every format.
    if (result.file) {
      const where = path.relative(cwd, result.file.path);
      process.stderr.write(this.flags["dry-run"] ? `evt: would write ${where}:\n${result.file.content}` : `evt: wrote ${where} (${result.file.steps.length} change(s))\n`);
    } else {
      process.stderr.write("evt: no migration needed (every change is already covered)\n");
    }
    return { findings: result.findings, command: "ddl plan", groupByFile: true };
  }
}
