import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export function kafkaPort(): number {
  const raw = process.env.EVT_KAFKA_PORT ?? "19092";
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`EVT_KAFKA_PORT is not a port: ${raw}`);
  return port;
}

/** Bootstrap brokers of the test broker. */
export function kafkaBrokers(): string[] {
  return [`127.0.0.1:${kafkaPort()}`];
}

async function script(action: "start" | "stop" | "status"): Promise<string> {
  const { stdout } = await run("bash", ["scripts/kafka.sh", action], {
    cwd: repoRoot,
    env: { ...process.env, EVT_KAFKA_PORT: String(kafkaPort()) },
    // the first start fetches the jars from Maven Central: allow a few minutes
    timeout: 600_000,
  });
  return stdout.trim();
}

/** Starts the broker when it is not running (idempotent) and returns its bootstrap brokers. */
export async function ensureKafka(): Promise<string[]> {
  try {
    await script("start");
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`scripts/kafka.sh start failed: ${err.stderr?.trim() || err.message}`);
  }
  return kafkaBrokers();
}

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}.${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}
