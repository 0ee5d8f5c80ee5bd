/** What a run of the built `evt` loads (test/helpers/module-trace/register.mjs), by package. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./compile-proto.js";

export interface ModuleTrace {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Absolute paths of every file module loaded, de-duplicated. */
  readonly files: readonly string[];
}

export function traceEvt(args: readonly string[], options: { cwd?: string } = {}): ModuleTrace {
  const dir = mkdtempSync(path.join(tmpdir(), "evt-trace-"));
  const file = path.join(dir, "modules.txt");
  try {
    const res = spawnSync(process.execPath, ["--import", path.join(REPO_ROOT, "test", "helpers", "module-trace", "register.mjs"), path.join(REPO_ROOT, "bin", "run.js"), ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      encoding: "utf8",
      env: { ...process.env, EVT_MODULE_TRACE: file, NO_COLOR: "1" },
      timeout: 60_000,
    });
    const files = [...new Set(readFileSync(file, "utf8").split("\n").filter(Boolean))];
    return { code: res.status, stdout: res.stdout, stderr: res.stderr, files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `node_modules/@oclif/core/lib/x.js` → `@oclif/core`; a file of this repository → its path from the root. */
export function moduleOwner(file: string): string {
  const nm = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (nm >= 0) {
    const parts = file.slice(nm + 14).split(path.sep);
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return path.relative(REPO_ROOT, file);
}
