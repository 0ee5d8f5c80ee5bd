import path from "node:path";
import { EvtCommand, findingFlags, type CommandResult } from "../base-command.js";

export default class Lint extends EvtCommand<typeof Lint> {
  static override summary = "Check contracts against evt's annotation and naming rules.";
  static override description =
    "Compiles the proto root with buf and runs every lint rule (topics, keys, owners, PII, warehouse columns, sinks), " +
    "then checks the processor files (processors/*.yaml) with Flink's planner: contracts, SQL, output columns. " +
    "Findings print as file:line:col: RULE_ID message. Exit 0 clean, 1 lint errors, 2 usage or input error.";
  static override examples = ["<%= config.bin %> lint", "<%= config.bin %> lint --format github", "<%= config.bin %> lint --config ci/evt.yaml --format json"];
  static override flags = { ...findingFlags };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    // Findings name files relative to the cwd so they are clickable and match GitHub's paths.
    const displayRoot = path.relative(process.cwd(), config.protoRoot) || ".";
    this.verbose(`linting ${displayRoot}`);
    const { lintProject } = await import("../../compiler/rules/lint/index.js"); // lazy: see generate.ts
    const { catalog, findings } = await lintProject({ root: displayRoot, displayRoot });
    this.verbose(`${catalog.events.length} events in ${catalog.files.length} files`);
    // processors/*.yaml: planned with Flink's planner (a JVM), only when there are any
    const { lintProcessors } = await import("../../compiler/processors/project.js");
    const processorFindings = await lintProcessors(config, catalog, (f) => path.relative(process.cwd(), f) || f);
    return { findings: [...findings, ...processorFindings], command: "lint" };
  }
}
