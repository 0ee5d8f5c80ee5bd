import { execFileSync } from "node:child_process";
import path from "node:path";
import { Flags } from "@oclif/core";
import { EvtCommand, type CommandResult } from "../../base-command.js";

export default class HistoryRecord extends EvtCommand<typeof HistoryRecord> {
  static override summary = "Record the current contracts as the next version of the history that _TRANSITIVE modes check against.";
  static override description =
    "Compiles the proto root with buf and writes <history.dir>/<NNNN>-<label>.binpb (evt.yaml `history.dir`, default .evt/history). " +
    "Run it when a contract version is released and commit the file: BACKWARD_TRANSITIVE, FORWARD_TRANSITIVE and FULL_TRANSITIVE " +
    "events are then checked against every recorded version, not only the --against baseline. Nothing is written when the " +
    "contracts are byte-identical to the latest recorded version.";
  static override examples = ["<%= config.bin %> history record --label v1.4.0", "<%= config.bin %> history record"];
  static override flags = {
    label: Flags.string({ summary: "Name of this version in the file name (default: the short git commit, else 'snapshot').", helpValue: "LABEL" }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const { recordHistory } = await import("../../../compiler/history/record.js");
    const label = this.flags.label ?? gitShortCommit(config.baseDir) ?? "snapshot";
    const result = await recordHistory(config.protoRoot, config.history.dir, label);
    const shown = path.relative(process.cwd(), result.file) || result.file;
    return {
      json: { file: shown, recorded: result.recorded },
      text: result.recorded ? `recorded ${shown}; commit it` : `contracts unchanged since ${shown}; nothing recorded`,
    };
  }
}

function gitShortCommit(cwd: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
  } catch {
    return undefined;
  }
}
