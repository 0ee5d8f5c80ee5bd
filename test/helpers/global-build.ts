import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { manifestState } from "../../cli/manifest.js";

/**
 * CLI tests spawn the built `evt` binary, so make sure dist/ is current (incremental: ~1 s when
 * nothing changed) and oclif.manifest.json describes it (what `npm run build` does).
 */
export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-b", "tsconfig.json"], { cwd: root, stdio: "inherit" });
  if (manifestState(root) !== "current") execFileSync(process.execPath, ["dist/cli/build-manifest.js"], { cwd: root, stdio: "inherit" });
}
