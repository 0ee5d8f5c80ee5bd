#!/usr/bin/env node
// Start-up is most of a short command's time (decisions D87, D88): oclif reads the command
// manifest written at build instead of importing every command module, and never a stale one.
import { fileURLToPath } from "node:url";

// A plain no-change `evt generate` is answered without oclif (cli/no-change-generate.ts, D101).
const answered = process.argv[2] === "generate" && await importBuilt("../dist/cli/no-change-generate.js", (m) => m.answerNoChangeGenerate(process.argv.slice(2)));
// `check-compat` starts buf on the working tree while the CLI loads (cli/early-compile.ts).
if (!answered && process.argv[2] === "check-compat") await importBuilt("../dist/cli/early-compile.js", (m) => m.startCheckCompatBuild(process.argv.slice(2)));
if (!answered) await runCommand();

async function importBuilt(module, use) {
  return import(module).then(use, (e) => {
    if (e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
    return false; // not built yet
  });
}

async function runCommand() {
  // oclif's engine check loads all of semver (47 modules) to compare node with @oclif/core's own
  // engines, which evt's (node >= 20.19) are stricter than: skipped, for this import only.
  const engineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING;
  process.env.OCLIF_DISABLE_ENGINE_WARNING = "true";
  const { execute, settings } = await import("@oclif/core");
  if (engineCheck === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING;
  else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineCheck;
  // evt runs its compiled dist/: with NODE_ENV=development or test oclif would otherwise look for
  // TypeScript sources and load the TypeScript compiler.
  settings.enableAutoTranspile = false;

  let loadOptions;
  try {
    const { cliLoadOptions } = await import("../dist/cli/manifest.js");
    loadOptions = await cliLoadOptions(fileURLToPath(new URL("..", import.meta.url)));
  } catch (e) {
    // Not built yet: oclif finds the commands (or says they are missing) itself.
    if (e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
  }
  await execute(loadOptions === undefined ? { dir: import.meta.url } : { loadOptions });
}
