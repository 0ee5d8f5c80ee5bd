/**
 * Which modules the short commands load, by owner (a package, or this repository's dist/ folders):
 * the `--trace-imports` style look behind bench/startup/bench.ts. Usage (after npm run build and a
 * run of bench.ts, which prepares the no-change project):
 *   npx tsx bench/startup/imports.ts
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { moduleOwner, traceEvt } from "../../test/helpers/module-trace.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const owner = (file: string): string => {
  const o = moduleOwner(file);
  // This repository's files by folder (dist/cli/commands, dist/compiler/emit, runtime/dist/kafka…).
  return o.includes(path.sep) ? o.split(path.sep).slice(0, 3).join("/") : o;
};

for (const [name, args, cwd] of [
  ["evt --version", ["--version"], REPO],
  ["evt --help", ["--help"], REPO],
  ["evt generate (no change)", ["generate", "--quiet"], path.join(REPO, "bench", "out", "startup", "repo")],
] as const) {
  const t = traceEvt(args, { cwd });
  if (t.code !== 0) throw new Error(`${name} failed: ${t.stderr}`);
  const byOwner = new Map<string, number>();
  for (const f of t.files) byOwner.set(owner(f), (byOwner.get(owner(f)) ?? 0) + 1);
  console.log(`\n${name}: ${t.files.length} modules`);
  for (const [o, n] of [...byOwner].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${o}`);
}
