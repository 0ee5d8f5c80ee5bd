import path from "node:path";
import { Flags } from "@oclif/core";
import { EvtCommand, type CommandResult } from "../base-command.js";

export default class Init extends EvtCommand<typeof Init> {
  static override summary = "Start a contract repository: evt.yaml, buf.yaml, the evt vocabulary, an example contract, .gitignore entries.";
  static override description =
    "Writes into the current directory what evt lint and evt generate need: evt.yaml, <proto>/buf.yaml, <proto>/evt/v1/options.proto " +
    "(the vocabulary, copied from the installed evt), an example contract when the proto root has none, and .gitignore entries for " +
    "evt's local state (.cache/evt/, the local DuckDB file). Existing files are kept; .gitignore only gains lines.";
  static override examples = ["<%= config.bin %> init", "<%= config.bin %> init --force"];
  static override flags = {
    force: Flags.boolean({ summary: "Replace a vocabulary copy that differs from the installed evt's (nothing else is ever replaced)." }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const { formatInitSteps, initProject } = await import("../../compiler/scaffold/init-project.js");
    const steps = initProject({ dir: config.baseDir, protoRoot: config.protoRoot, force: this.flags.force });
    const shown = path.relative(process.cwd(), config.baseDir) || ".";
    return { json: { steps }, text: formatInitSteps(steps, shown === "." ? "" : shown) };
  }
}
