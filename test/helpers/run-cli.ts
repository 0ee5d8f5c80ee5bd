/** Spawns the built `evt` binary (dist/ is built by the unit project's global setup). */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./compile-proto.js";

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runEvt(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliRun {
  const res = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "run.js"), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
