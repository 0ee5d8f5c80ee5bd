/**
 * Start-up of the `evt` binary (issue 16 item 3): hyperfine-style repeated runs of `evt --help`,
 * `evt --version` and a no-change `evt generate` (the repository's own contracts, and the
 * synthetic 1,000-event catalog), with `node -e 0` as the anchor in the same run: node's own start
 * is the floor no CLI on it goes below. Commands are interleaved round by round so that machine
 * noise hits all alike; warm-up rounds are not counted. Usage:
 *   npm run build                       # dist/ and oclif.manifest.json
 *   npx tsx bench/startup/bench.ts [--runs 30] [--warmup 3] [--events 1000] [--compare DIR]
 * `--compare DIR` adds the same evt cases run from another built checkout (e.g. before a change).
 *   npx tsx bench/startup/imports.ts    # which modules each command loads
 * Writes bench/out/startup-bench.json; bench/README.md quotes a run.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { manifestState } from "../../cli/manifest.js";
import { buildSyntheticSpec, writeSyntheticCatalog } from "../synthetic/catalog.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const OUT = path.join(REPO, "bench", "out", "startup");
const EVT = path.join(REPO, "bin", "run.js");

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

interface Stats {
  readonly median: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function stats(ms: readonly number[]): Stats {
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { median: round(median), mean: round(ms.reduce((a, b) => a + b, 0) / ms.length), min: round(sorted[0]!), max: round(sorted.at(-1)!), runs: ms.length };
}

const TIME = "/usr/bin/time";
const CPU_FILE = path.join(OUT, "cpu.txt");

/**
 * One run: wall clock from spawn to exit (what hyperfine measures) and, through /usr/bin/time,
 * user + system CPU, which other processes on the machine inflate less; fails on a non-zero exit.
 */
function timeOnce(c: Case): { wall: number; cpu: number } {
  const withTime = existsSync(TIME);
  const [cmd, args] = withTime ? [TIME, ["-o", CPU_FILE, "-f", "%U %S", process.execPath, ...c.args]] : [process.execPath, [...c.args]];
  const started = performance.now();
  const r = spawnSync(cmd, args, { cwd: c.cwd, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  const wall = performance.now() - started;
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr?.toString()}`);
  const [user, sys] = withTime ? readFileSync(CPU_FILE, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number) : [NaN, NaN];
  return { wall, cpu: (user! + sys!) * 1000 };
}

/** A copy of a contract tree with its evt.yaml, generated once so that the measured runs change nothing. */
function project(name: string, evt: string, writeProto: (dir: string) => void): string {
  const dir = path.join(OUT, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeProto(path.join(dir, "proto"));
  writeFileSync(path.join(dir, "evt.yaml"), "proto: proto\nout: generated\n");
  const r = spawnSync(process.execPath, [evt, "generate", "--quiet"], { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`evt generate in ${dir} failed: ${r.stderr}`);
  return dir;
}

async function main(): Promise<void> {
  const runs = arg("--runs", 30);
  const warmup = arg("--warmup", 3);
  const events = arg("--events", 1000);
  if (!existsSync(path.join(REPO, "dist", "cli", "manifest.js"))) throw new Error("build first: npm run build");
  const manifest = manifestState(REPO);
  if (manifest !== "current") console.warn(`warning: oclif.manifest.json is ${manifest}; the first run rewrites it (run npm run build)`);
  const compareIdx = process.argv.indexOf("--compare");
  const builds: [string, string][] = [["", EVT]];
  if (compareIdx >= 0) builds.push([" [compare]", path.join(path.resolve(process.argv[compareIdx + 1]!), "bin", "run.js")]);
  const cases: Case[] = [{ name: "node -e 0 (anchor)", args: ["-e", "0"], cwd: REPO }];
  for (const [label, evt] of builds) {
    // Each build its own projects: the no-change cache is keyed on the generator's code.
    const tag = label ? "-compare" : "";
    const repoProject = project(`repo${tag}`, evt, (dir) => cpSync(path.join(REPO, "proto"), dir, { recursive: true }));
    const synthetic = project(`synthetic-${events}${tag}`, evt, (dir) => writeSyntheticCatalog(dir, buildSyntheticSpec({ events, seed: 1 })));
    cases.push(
      { name: `evt --version${label}`, args: [evt, "--version"], cwd: REPO },
      { name: `evt --help${label}`, args: [evt, "--help"], cwd: REPO },
      { name: `evt generate, no change (proto/ of this repo)${label}`, args: [evt, "generate", "--quiet"], cwd: repoProject },
      { name: `evt generate, no change (${events} events)${label}`, args: [evt, "generate", "--quiet"], cwd: synthetic },
    );
  }
  const loadBefore = loadavg().map((x) => x.toFixed(2));
  const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
  const cpu = new Map(cases.map((c) => [c.name, [] as number[]]));
  for (let round = 0; round < warmup + runs; round++) {
    for (const c of cases) {
      const t = timeOnce(c);
      if (round < warmup) continue;
      samples.get(c.name)!.push(t.wall);
      cpu.get(c.name)!.push(t.cpu);
    }
  }
  const loadAfter = loadavg().map((x) => x.toFixed(2));
  const anchor = stats(samples.get(cases[0]!.name)!).median;
  const rows = cases.map((c) => {
    const s = stats(samples.get(c.name)!);
    return { case: c.name, ...s, overNode: Math.round((s.median - anchor) * 10) / 10, cpuMedian: stats(cpu.get(c.name)!).median };
  });
  const result = { date: new Date().toISOString(), node: process.version, runs, warmup, loadavg: { before: loadBefore, after: loadAfter }, rows };
  mkdirSync(path.join(REPO, "bench", "out"), { recursive: true });
  writeFileSync(path.join(REPO, "bench", "out", "startup-bench.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(`${result.date}  node ${process.version}  ${runs} runs + ${warmup} warm-up, interleaved  load average ${loadBefore.join(" ")} → ${loadAfter.join(" ")}`);
  console.log("| command | wall median | min-max | mean | over node -e 0 | CPU median |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(`| ${r.case} | ${r.median} ms | ${r.min}-${r.max} ms | ${r.mean} ms | ${r.overNode} ms | ${r.cpuMedian} ms |`);
}

await main();
