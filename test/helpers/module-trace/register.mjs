/**
 * `node --import test/helpers/module-trace/register.mjs …` records every file module the process
 * loads into $EVT_MODULE_TRACE, one absolute path a line: ES modules through a load hook (they
 * run off-thread, hence the file), CommonJS modules from require.cache when the process exits.
 * Used by the start-up tests and bench/startup/imports.ts to see what a command imports.
 */
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const file = process.env.EVT_MODULE_TRACE;
if (!file) throw new Error("EVT_MODULE_TRACE must name the file to record loaded modules in");
register(new URL("./hooks.mjs", import.meta.url), { data: { file } });
const require = createRequire(import.meta.url);
process.on("exit", () => appendFileSync(file, Object.keys(require.cache).map((p) => `${p}\n`).join("")));
