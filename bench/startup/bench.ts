/**
 * Start-up of the `evt` binary (issue 16 item 3): hyperfine-style repeated runs of `evt --help`,
 * `evt --version` and a no-change `evt generate` (the repository's own contracts, and the
 * synthetic 1,000-event catalog), with `node -e 0` as the anchor in the same run: node's own start
 * is the floor no CLI on it goes below. Commands are interleaved round by round so that machine
 * noise hits all alike; warm-up rounds are not counted. Usage:
 *   npm run build                       # dist/ and oclif.manifest.json
 *   npx tsx bench/startup/bench.ts [--runs 30] [--warmup 3] [--events 1000]
 *   npx tsx bench/startup/imports.ts    # which modules each command loads
 * Writes bench/out/startup-bench.json; bench/README.md quotes a run.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
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

/** One run, wall clock from spawn to exit (what hyperfine measures); fails loudly on a non-zero exit. */
function timeOnce(c: Case): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, c.args, { cwd: c.cwd, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr?.toString()}`);
  return ms;
}

/** A copy of a contract tree with its evt.yaml, generated once so that the measured runs change nothing. */
function project(name: string, writeProto: (dir: string) => void): string {
  const dir = path.join(OUT, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeProto(path.join(dir, "proto"));
  writeFileSync(path.join(dir, "evt.yaml"), "proto: proto\nout: generated\n");
  const r = spawnSync(process.execPath, [EVT, "generate", "--quiet"], { cwd: dir, encoding: "utf8" });
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
  const repoProject = project("repo", (dir) => cpSync(path.join(REPO, "proto"), dir, { recursive: true }));
  const synthetic = project(`synthetic-${events}`, (dir) => writeSyntheticCatalog(dir, buildSyntheticSpec({ events, seed: 1 })));
  const cases: Case[] = [
    { name: "node -e 0 (anchor)", args: ["-e", "0"], cwd: REPO },
    { name: "evt --version", args: [EVT, "--version"], cwd: REPO },
    { name: "evt --help", args: [EVT, "--help"], cwd: REPO },
    { name: "evt generate, no change (proto/ of this repo)", args: [EVT, "generate", "--quiet"], cwd: repoProject },
    { name: `evt generate, no change (${events} events)`, args: [EVT, "generate", "--quiet"], cwd: synthetic },
  ];
  const loadBefore = loadavg().map((x) => x.toFixed(2));
  const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
  for (let round = 0; round < warmup + runs; round++) {
    for (const c of cases) {
      const ms = timeOnce(c);
      if (round >= warmup) samples.get(c.name)!.push(ms);
    }
  }
  const loadAfter = loadavg().map((x) => x.toFixed(2));
  const anchor = stats(samples.get(cases[0]!.name)!).median;
  const rows = cases.map((c) => {
    const s = stats(samples.get(c.name)!);
    return { case: c.name, ...s, overNode: Math.round((s.median - anchor) * 10) / 10 };
  });
  const result = { date: new Date().toISOString(), node: process.version, runs, warmup, loadavg: { before: loadBefore, after: loadAfter }, rows };
  mkdirSync(path.join(REPO, "bench", "out"), { recursive: true });
  writeFileSync(path.join(REPO, "bench", "out", "startup-bench.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(`${result.date}  node ${process.version}  ${runs} runs + ${warmup} warm-up, interleaved  load average ${loadBefore.join(" ")} → ${loadAfter.join(" ")}`);
  console.log("| command | median | min-max | mean | over node -e 0 |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(`| ${r.case} | ${r.median} ms | ${r.min}-${r.max} ms | ${r.mean} ms | ${r.overNode} ms |`);
}

await main();
