/** Debian's chromium for the browser tests, installed by scripts/chromium.sh when missing (never a downloaded build). */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { REPO_ROOT } from "./compile-proto.js";

const run = promisify(execFile);

export const CHROMIUM = process.env.EVT_CHROMIUM ?? "/usr/bin/chromium";

export async function ensureChromium(): Promise<string> {
  try {
    await run("bash", ["scripts/chromium.sh"], { cwd: REPO_ROOT, env: { ...process.env, EVT_CHROMIUM: CHROMIUM }, timeout: 900_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`scripts/chromium.sh failed: ${err.stderr?.trim() || err.message}`);
  }
  return CHROMIUM;
}
