/**
 * `evt generate` with no input change, answered before oclif is loaded (issue 16.3: importing
 * @oclif/core is most of a no-change run's time; decisions D101). Only the plain forms take this
 * path (`generate`, with `--quiet` and/or `--check`); anything else, and any run that has work to
 * do, a stale directory to report or an error to explain, returns false and bin/run.js runs the
 * command through oclif, which does and reports it as always. Output is the command's own.
 * A run with work to do starts buf on the proto root first, as check-compat does (D105).
 */
import path from "node:path";
import { loadConfigCached } from "../compiler/config/config-cache.js";
import { isClean } from "../compiler/emit/write-output.js";
import { writeTextResult } from "./relative-paths.js";

const PLAIN_FLAGS = new Set(["--quiet", "--check"]);

/** True when argv (after `node bin/run.js`) is a plain `generate` and it was answered here. */
export async function answerNoChangeGenerate(argv: readonly string[]): Promise<boolean> {
  if (argv[0] !== "generate" || !argv.slice(1).every((a) => PLAIN_FLAGS.has(a))) return false;
  const check = argv.includes("--check");
  try {
    const config = await loadConfigCached(process.cwd());
    const { formatGenerateSummary, unchangedGenerate } = await import("../compiler/emit/generate-project.js");
    const result = unchangedGenerate({ config, outDir: config.out, check });
    if (!result) {
      // work to do: buf compiles while oclif loads, for the command's build of the same root to take
      const { startDescriptorSetBuild } = await import("../compiler/load/buf-process.js");
      startDescriptorSetBuild(config.protoRoot);
      return false;
    }
    if (!isClean(result.diff)) return false;
    if (!argv.includes("--quiet")) writeTextResult(formatGenerateSummary(result, check, path.relative(process.cwd(), config.out) || "."));
    return true;
  } catch {
    return false; // the command itself reports it
  }
}
