import path from "node:path";
import { Flags } from "@oclif/core";
import { isClean } from "../../compiler/emit/write-output.js";
import { EvtCommand, type CommandResult } from "../base-command.js";

export default class Generate extends EvtCommand<typeof Generate> {
  static override summary = "Generate TypeScript clients, Snowflake DDL, sink configs and catalog.json from the contracts.";
  static override description =
    "Compiles the proto root with buf and writes everything under the output directory (evt.yaml `out`, default generated/). " +
    "Output is byte-identical on rerun; a run with no input change writes nothing. " +
    "--check writes nothing and exits 1 listing missing, stale and extra files when the directory is out of date. " +
    "evt writes, replaces and removes only the files listed in the directory's .evt-manifest.json; it refuses a non-empty directory without one. Contracts with lint errors are refused: nothing is written, the errors are listed (exit 1).";
  static override examples = ["<%= config.bin %> generate", "<%= config.bin %> generate --check", "<%= config.bin %> generate --out src/gen --quiet"];
  static override flags = {
    check: Flags.boolean({ summary: "Only compare the output directory with what would be generated; exit 1 when it differs." }),
    out: Flags.string({ summary: "Output directory (overrides evt.yaml `out`).", helpValue: "DIR" }),
    quiet: Flags.boolean({ summary: "Print nothing on success, and no progress line on a terminal." }),
    force: Flags.boolean({ summary: "Overwrite generated files edited since evt wrote them (files evt did not write are never touched)." }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const outDir = this.flags.out !== undefined ? path.resolve(this.flags.out) : config.out;
    const check = this.flags.check;
    this.verbose(`generating from ${config.protoRoot} into ${outDir}${check ? " (check)" : ""}`);
    // Imported on use: oclif loads every command module to parse argv, so heavy imports stay lazy.
    const { formatGenerateSummary, runGenerate } = await import("../../compiler/emit/generate-project.js");
    let result: Awaited<ReturnType<typeof runGenerate>>;
    try {
      result = await runGenerate({ config, outDir, check, force: this.flags.force, onStep: (step, count) => this.progress.step(step, count) });
    } catch (e) {
      // contracts with lint errors: nothing is written, the errors are the findings (exit 1).
      // The guard's module holds every lint rule: loaded only on failure, not by a no-change run.
      const { isLintRefusalError } = await import("../../compiler/rules/lint/refuse.js");
      if (isLintRefusalError(e)) return { findings: e.findings, command: "generate" };
      throw e;
    }
    const failed = check && !isClean(result.diff);
    const displayOut = path.relative(process.cwd(), outDir) || ".";
    const text = this.flags.quiet && !failed ? undefined : formatGenerateSummary(result, check, displayOut);
    return { failed, json: result, ...(text !== undefined ? { text } : {}) };
  }
}
