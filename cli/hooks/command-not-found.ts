/**
 * oclif's `command_not_found` hook: one line naming the mistyped command and the closest real
 * one (`evt ddl aply` → `evt ddl apply`), or the stray argument after a real command
 * (`evt generate extra`), exit 2 like every usage error.
 */
import type { Hook } from "@oclif/core";
import { didYouMean } from "../../compiler/report/suggest.js";
import { ExitCode } from "../exit-codes.js";

const spaced = (id: string): string => id.replace(/:/g, " ");

const hook: Hook<"command_not_found"> = async function (options) {
  const ids = options.config.commandIDs.filter((id) => !id.startsWith("plugins") && id !== "help");
  const parts = options.id.split(":");
  // With spaces as topic separators, `generate extra` arrives here as the id `generate:extra`.
  for (let n = parts.length - 1; n > 0; n--) {
    const prefix = parts.slice(0, n).join(":");
    if (!ids.includes(prefix)) continue;
    const extra = parts.slice(n).join(" ");
    process.stderr.write(`error: evt ${spaced(prefix)} takes no argument "${extra}". See evt ${spaced(prefix)} --help.\n`);
    process.exitCode = ExitCode.Error;
    return;
  }
  const hint = didYouMean(spaced(options.id), ids.map(spaced), (s) => `evt ${s}`);
  process.stderr.write(`error: evt ${spaced(options.id)} is not an evt command.${hint || " Run evt --help for the list of commands."}\n`);
  process.exitCode = ExitCode.Error;
};

export default hook;
