import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Connection info for the Snowflake-protocol server (fakesnow via infra/fakesnow/launcher.py). */
export interface FakesnowInfo {
  port: number;
  accessUrl: string;
}

export function fakesnowPort(): number {
  const raw = process.env.EVT_FAKESNOW_PORT ?? "18080";
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`EVT_FAKESNOW_PORT is not a port: ${raw}`);
  return port;
}

export function fakesnowInfo(): FakesnowInfo {
  const port = fakesnowPort();
  return { port, accessUrl: `http://127.0.0.1:${port}` };
}

async function script(action: "start" | "stop" | "status"): Promise<string> {
  const { stdout } = await run("bash", ["scripts/fakesnow.sh", action], {
    cwd: repoRoot,
    env: { ...process.env, EVT_FAKESNOW_PORT: String(fakesnowPort()) },
    // first start builds the virtualenv (pip install): allow a few minutes
    timeout: 600_000,
  });
  return stdout.trim();
}

/** Starts the server when it is not running (idempotent) and returns how to reach it. */
export async function ensureFakesnow(): Promise<FakesnowInfo> {
  try {
    await script("start");
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`scripts/fakesnow.sh start failed: ${err.stderr?.trim() || err.message}`);
  }
  return fakesnowInfo();
}

/** Stops the server started by scripts/fakesnow.sh (its own pid file only). */
export async function stopFakesnow(): Promise<void> {
  await script("stop");
}

/** Restart = stop + start; with the default data directory, rows survive it. */
export async function restartFakesnow(): Promise<FakesnowInfo> {
  await stopFakesnow();
  return ensureFakesnow();
}

/** Path of the venv's python, for cross-checks through snowflake-connector-python. */
export const fakesnowPython = `${repoRoot}.cache/fakesnow-venv/bin/python`;
