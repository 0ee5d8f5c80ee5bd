import path from "node:path";
import { Flags } from "@oclif/core";
import type { CompatibilityMode } from "../../compiler/model/catalog.js";
import { COMPATIBILITY_MODES } from "../../compiler/rules/compat/modes.js";
import { MIGRATIONS_DIR } from "../../compiler/emit/layout.js";
import { caseInsensitiveOption, EvtCommand, findingFlags, type CommandResult } from "../base-command.js";

export default class CheckCompat extends EvtCommand<typeof CheckCompat> {
  static override summary = "Check the contracts for breaking changes against a baseline.";
  static override description =
    "Compares the proto root with --against (a git ref, a proto directory, or a buf image file) on three layers: " +
    "wire/JSON (every message and enum), contract (topics, keys, owners, PII, required) and warehouse (sink tables). " +
    "Each event is judged in its own compatibility mode; --mode overrides them all. Approved findings (evt-approvals.yaml) " +
    "do not fail. Exit 0 compatible, 1 breaking changes, 2 usage or input error. Rules: docs/compat-rules.md.";
  static override examples = [
    "<%= config.bin %> check-compat --against origin/main",
    "<%= config.bin %> check-compat --against main --mode FULL --format github",
    "<%= config.bin %> check-compat --against baseline.binpb --format json",
  ];
  static override flags = {
    ...findingFlags,
    against: Flags.string({ required: true, summary: "Baseline: git ref, proto directory, or buf image file.", helpValue: "REF" }),
    mode: caseInsensitiveOption(COMPATIBILITY_MODES, { summary: "Override every event's compatibility mode (any case: full = FULL)." }),
    quiet: Flags.boolean({ summary: "No progress line on a terminal (findings are printed as always)." }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const cwd = process.cwd();
    // Loaded on use: oclif imports every command module to list commands, and this one pulls buf and protobuf.
    const { runCheckCompat } = await import("../../compiler/rules/compat/run.js");
    const result = await runCheckCompat({
      protoRoot: config.protoRoot,
      cwd,
      against: this.flags.against,
      ...(this.flags.mode ? { mode: this.flags.mode as CompatibilityMode } : {}),
      approvalsFile: config.approvals,
      historyDir: config.history.dir,
      migrationsDir: path.join(config.out, MIGRATIONS_DIR),
      schemaPrefix: config.warehouse.schemaPrefix,
      onStep: (step, count) => this.progress.step(step, count),
    });
    this.verbose(`compared ${path.relative(cwd, config.protoRoot) || "."} with ${result.baseline.label}` + (result.history.length ? ` and ${result.history.length} history versions` : ""));
    return { findings: result.findings, command: "check-compat", groupByFile: true };
  }
}
