import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** CLI tests spawn the built `evt` binary, so make sure dist/ is current (incremental: ~1 s when nothing changed). */
export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-b", "tsconfig.json"], { cwd: root, stdio: "inherit" });
}
