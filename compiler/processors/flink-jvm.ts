/**
 * evt's Flink helper JVM (infra/flink/src): fetching Flink and building the contract classes
 * through scripts/flink.sh (the project's own files, Maven Central into the ignored cache), and
 * running `plan` (Flink's planner) or `run` (a MiniCluster) with a request file.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { FlinkEnvironmentError } from "../errors.js";

export interface FlinkHome {
  /** The evt checkout or package (holds scripts/flink.sh and infra/flink). */
  readonly root: string;
  /** .cache/flink of it, or EVT_FLINK_CACHE. */
  readonly cache: string;
}

/** Heap of the helper JVM: the machine is shared; a MiniCluster with small state fits in this. */
const DEFAULT_HEAP = "768m";

export function flinkHome(env: NodeJS.ProcessEnv = process.env): FlinkHome {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "scripts", "flink.sh"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new FlinkEnvironmentError("cannot find scripts/flink.sh above the evt installation");
    dir = up;
  }
  return { root: dir, cache: env.EVT_FLINK_CACHE ? path.resolve(env.EVT_FLINK_CACHE) : path.join(dir, ".cache", "flink") };
}

function script(home: FlinkHome, args: string[]): void {
  const r = spawnSync("bash", [path.join(home.root, "scripts", "flink.sh"), ...args], {
    stdio: ["ignore", "inherit", "pipe"],
    env: { ...process.env, EVT_FLINK_CACHE: home.cache },
    encoding: "utf8",
  });
  if (r.status !== 0) {
    const last = (r.stderr ?? "").trim().split("\n").filter(Boolean).pop() ?? `scripts/flink.sh ${args[0]} failed`;
    throw new FlinkEnvironmentError(last.replace(/^flink: /, ""));
  }
}

/** Fetches Flink and builds the helper when the cache is missing or stale. */
export function ensureFlink(home: FlinkHome): void {
  script(home, ["fetch"]);
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".proto")) out.push(p);
  }
}

/** The jar of the contract classes built from `<out>/java/pom.xml`; rebuilt when the pom or a .proto changes. */
export function ensureContractsJar(home: FlinkHome, javaPom: string, protoRoot: string): string {
  if (!existsSync(javaPom)) {
    throw new FlinkEnvironmentError(`${javaPom} does not exist: set flink.java: true in evt.yaml and run evt generate`);
  }
  const files: string[] = [];
  walk(protoRoot, files);
  const h = createHash("sha256").update(readFileSync(javaPom));
  for (const f of files) h.update(path.relative(protoRoot, f)).update(readFileSync(f));
  const dir = path.join(home.cache, "contracts", h.digest("hex").slice(0, 16));
  const jar = path.join(dir, "evt-contracts-1.jar");
  if (!existsSync(jar)) script(home, ["contracts", javaPom, dir]);
  if (!existsSync(jar)) throw new FlinkEnvironmentError(`building ${javaPom} made no ${jar}`);
  return jar;
}

/** Class path of the helper: Flink's jars (a JVM wildcard), the helper, the contract classes. */
export function helperClasspath(home: FlinkHome, contractsJar: string): string[] {
  return [path.join(home.cache, "build", "evt-flink-1.jar"), path.join(home.cache, "libs", "*"), contractsJar];
}

export interface HelperRequest {
  readonly statements: readonly string[];
  readonly query?: string;
  readonly insert?: string;
  readonly config: Readonly<Record<string, string>>;
  readonly parallelism?: number;
}

export interface PlannedColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

export type PlanResult =
  | { readonly ok: true; readonly columns: readonly PlannedColumn[]; readonly explain?: string }
  | { readonly ok: false; readonly stage: "statement" | "query" | "insert" | "request"; readonly index: number; readonly message: string; readonly columns?: readonly PlannedColumn[] };

function javaArgs(home: FlinkHome, classpath: readonly string[], logFile: string | undefined, heap: string): string[] {
  return [
    `-Xmx${heap}`, "-XX:+UseSerialGC",
    `-Dlog4j2.configurationFile=${path.join(home.root, "infra", "flink", "log4j2.properties")}`,
    ...(logFile ? [`-Devt.flink.log=${logFile}`] : []),
    // Flink 2 on Java 17 needs these opened (as flink's own config.yaml sets env.java.opts.all)
    "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "-cp", classpath.join(path.delimiter),
    "dev.evt.flink.EvtFlink",
  ].filter(Boolean);
}

function javaBinary(env: NodeJS.ProcessEnv): string {
  if (env.JAVA) return env.JAVA;
  if (env.JAVA_HOME && existsSync(path.join(env.JAVA_HOME, "bin", "java"))) return path.join(env.JAVA_HOME, "bin", "java");
  return "java";
}

function requestFile(request: HelperRequest): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "evt-flink-"));
  const file = path.join(dir, "request.json");
  writeFileSync(file, JSON.stringify(request));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Planner {
  /** Plans with Flink's own planner: DDL, the SELECT's columns, the optimised INSERT. */
  plan(request: HelperRequest): Promise<PlanResult>;
  close(): Promise<void>;
}

/** One planner JVM answering requests in turn (`serve`): the planner is warm after the first. */
export function openPlanner(home: FlinkHome, classpath: readonly string[]): Planner {
  const child = spawn(javaBinary(process.env), [...javaArgs(home, classpath, undefined, "512m"), "serve"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const waiting: { resolve: (r: PlanResult) => void; reject: (e: Error) => void }[] = [];
  const exited = exitOf(child).then((code) => {
    const why = new FlinkEnvironmentError(`the Flink planner exited (code ${code}): ${stderr.trim().split("\n").slice(-3).join(" ") || "no output"}`);
    for (const w of waiting.splice(0)) w.reject(why);
    return code;
  });
  exited.catch(() => undefined);
  createInterface({ input: child.stdout! }).on("line", (l) => {
    if (l.startsWith("{")) waiting.shift()?.resolve(JSON.parse(l) as PlanResult);
  });
  return {
    plan: (request) =>
      new Promise<PlanResult>((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin!.write(`${JSON.stringify(request)}\n`);
      }),
    close: async () => {
      child.stdin!.end();
      await exited.catch(() => undefined);
    },
  };
}

function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on("error", (e) => reject(new FlinkEnvironmentError(`cannot start java: ${e.message}`, [], { cause: e })));
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export type JobEvent =
  | { readonly event: "started"; readonly jobId: string }
  | { readonly event: "finished"; readonly jobId: string }
  | { readonly event: "failed"; readonly message: string };

export interface FlinkJob {
  readonly pid: number;
  /** Resolves with the job id once the job was submitted to the MiniCluster. */
  readonly started: Promise<string>;
  /** Resolves when the JVM exits: the last event (finished/failed) and the exit code. */
  readonly done: Promise<{ readonly code: number; readonly last?: JobEvent }>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts the job on a MiniCluster in a helper JVM; Flink's log goes to `logFile`. */
export function startOnFlink(
  home: FlinkHome,
  classpath: readonly string[],
  request: HelperRequest,
  options: { readonly logFile: string; readonly heap?: string; readonly onEvent?: (e: JobEvent) => void },
): FlinkJob {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const { file, cleanup } = requestFile(request);
  const child = spawn(javaBinary(process.env), [...javaArgs(home, classpath, options.logFile, options.heap ?? DEFAULT_HEAP), "run", file], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let last: JobEvent | undefined;
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let resolveStarted!: (id: string) => void;
  let rejectStarted!: (e: Error) => void;
  const started = new Promise<string>((res, rej) => ((resolveStarted = res), (rejectStarted = rej)));
  started.catch(() => undefined);
  createInterface({ input: child.stdout! }).on("line", (l) => {
    if (!l.startsWith("{")) return;
    const e = JSON.parse(l) as JobEvent;
    last = e;
    options.onEvent?.(e);
    if (e.event === "started") resolveStarted(e.jobId);
  });
  const done = exitOf(child).then((code) => {
    cleanup();
    rejectStarted(new FlinkEnvironmentError(last?.event === "failed" ? last.message : `the Flink JVM exited (code ${code}) before the job started: ${stderr.trim().split("\n").slice(-3).join(" ")}`));
    return { code, ...(last ? { last } : {}) };
  });
  return { pid: child.pid ?? -1, started, done, kill: (signal = "SIGTERM") => void child.kill(signal) };
}

/** The newest completed checkpoint (`chk-N` holding `_metadata`) under a checkpoint directory. */
export function latestCheckpoint(checkpointDir: string): string | undefined {
  if (!existsSync(checkpointDir)) return undefined;
  let best: { n: number; dir: string } | undefined;
  for (const job of readdirSync(checkpointDir)) {
    const jobDir = path.join(checkpointDir, job);
    if (!statSync(jobDir).isDirectory()) continue;
    for (const name of readdirSync(jobDir)) {
      const m = /^chk-(\d+)$/.exec(name);
      const dir = path.join(jobDir, name);
      if (!m || !existsSync(path.join(dir, "_metadata"))) continue;
      const n = Number(m[1]);
      const mtime = statSync(dir).mtimeMs;
      if (!best || mtime > statSync(best.dir).mtimeMs || (mtime === statSync(best.dir).mtimeMs && n > best.n)) best = { n, dir };
    }
  }
  return best?.dir;
}
