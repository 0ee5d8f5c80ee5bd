/**
 * evt generate vs buf build + buf generate (protoc-gen-es alone, strategy: all) on the same
 * synthetic catalog, in the same run, interleaved so that machine noise hits both alike.
 * Reports wall time (median of N) and peak RSS of each (from /usr/bin/time), plus the no-change
 * rerun of evt generate. Usage:
 *   npx tsx bench/generate/bench.ts [--events 1000] [--runs 3]
 * Writes bench/out/generate-bench.json; bench/README.md quotes a run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bufBinary } from "../../compiler/load/buf-build.js";
import { buildSyntheticSpec, writeSyntheticCatalog } from "../synthetic/catalog.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const OUT = path.join(REPO, "bench", "out", "generate");

interface Sample {
  readonly seconds: number;
  readonly maxRssKb: number;
  /** User + system CPU seconds: steadier than wall time when other processes share the cores. */
  readonly cpuSeconds: number;
}

/** Runs a command under /usr/bin/time; fails loudly on a non-zero exit. */
function timed(cmd: string, args: string[], cwd: string): Sample {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M %U %S", cmd, ...args], { cwd, encoding: "utf8", env: { ...process.env, BUF_CACHE_DIR: path.join(REPO, ".cache", "buf") } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  const last = r.stderr.trim().split("\n").pop()!.split(" ");
  return { seconds: Number(last[0]), maxRssKb: Number(last[1]), cpuSeconds: Math.round((Number(last[2]) + Number(last[3])) * 100) / 100 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export async function main(): Promise<void> {
  const events = arg("--events", 1000);
  const runs = arg("--runs", 3);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const protoDir = path.join(OUT, "proto");
  writeSyntheticCatalog(protoDir, buildSyntheticSpec({ events, seed: 1 }));
  writeFileSync(path.join(OUT, "evt.yaml"), "proto: proto\nout: evt-gen\n");
  writeFileSync(
    path.join(OUT, "buf.gen.yaml"),
    [
      "version: v2",
      "plugins:",
      `  - local: ${path.join(REPO, "node_modules", ".bin", "protoc-gen-es")}`,
      "    out: buf-gen",
      "    opt: target=ts,import_extension=js",
      "    strategy: all",
      "",
    ].join("\n"),
  );
  if (!existsSync(path.join(REPO, "dist", "cli", "commands", "generate.js"))) throw new Error("build first: npx tsc -b");
  const evtBin = path.join(REPO, "bin", "run.js");
  const buf = bufBinary();

  const evtCold: Sample[] = [];
  const evtRerun: Sample[] = [];
  const bufTotal: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    // evt, cold: no output dir, no cache.
    rmSync(path.join(OUT, "evt-gen"), { recursive: true, force: true });
    rmSync(path.join(OUT, ".cache", "evt"), { recursive: true, force: true });
    evtCold.push(timed(process.execPath, [evtBin, "generate", "--quiet"], OUT));
    evtRerun.push(timed(process.execPath, [evtBin, "generate", "--quiet"], OUT));
    // buf build + buf generate (protoc-gen-es only) on the same files.
    rmSync(path.join(OUT, "buf-gen"), { recursive: true, force: true });
    const build = timed(buf, ["build", "proto", "-o", "image.binpb"], OUT);
    const gen = timed(buf, ["generate", "image.binpb", "--template", "buf.gen.yaml"], OUT);
    bufTotal.push({ seconds: build.seconds + gen.seconds, maxRssKb: Math.max(build.maxRssKb, gen.maxRssKb), cpuSeconds: build.cpuSeconds + gen.cpuSeconds });
  }
  const result = {
    events,
    runs,
    evtColdSeconds: median(evtCold.map((s) => s.seconds)),
    evtColdCpuSeconds: median(evtCold.map((s) => s.cpuSeconds)),
    evtColdMaxRssMb: Math.round(Math.max(...evtCold.map((s) => s.maxRssKb)) / 1024),
    evtRerunSeconds: median(evtRerun.map((s) => s.seconds)),
    evtRerunCpuSeconds: median(evtRerun.map((s) => s.cpuSeconds)),
    evtRerunMaxRssMb: Math.round(Math.max(...evtRerun.map((s) => s.maxRssKb)) / 1024),
    bufSeconds: median(bufTotal.map((s) => s.seconds)),
    bufCpuSeconds: median(bufTotal.map((s) => s.cpuSeconds)),
    bufMaxRssMb: Math.round(Math.max(...bufTotal.map((s) => s.maxRssKb)) / 1024),
    samples: { evtCold, evtRerun, bufTotal },
  };
  const ratio = result.evtColdSeconds / result.bufSeconds;
  const spread = (xs: Sample[]): string => `${Math.min(...xs.map((s) => s.seconds)).toFixed(2)}-${Math.max(...xs.map((s) => s.seconds)).toFixed(2)} s`;
  const load = (await import("node:os")).loadavg()[0]!.toFixed(1);
  writeFileSync(path.join(REPO, "bench", "out", "generate-bench.json"), JSON.stringify({ ...result, ratio }, null, 2) + "\n");
  console.log(`events ${events}, median of ${runs} (wall range in brackets), load average at the end ${load}`);
  console.log(`evt generate (cold)           ${result.evtColdSeconds.toFixed(2)} s [${spread(evtCold)}]  cpu ${result.evtColdCpuSeconds.toFixed(2)} s  peak ${result.evtColdMaxRssMb} MB`);
  console.log(`buf build + buf generate (es) ${result.bufSeconds.toFixed(2)} s [${spread(bufTotal)}]  cpu ${result.bufCpuSeconds.toFixed(2)} s  peak ${result.bufMaxRssMb} MB`);
  console.log(`ratio evt / buf               ${ratio.toFixed(2)}x wall, ${(result.evtColdCpuSeconds / result.bufCpuSeconds).toFixed(2)}x cpu (target <= 1.5x)`);
  console.log(`evt generate (no change)      ${result.evtRerunSeconds.toFixed(2)} s [${spread(evtRerun)}]  cpu ${result.evtRerunCpuSeconds.toFixed(2)} s  peak ${result.evtRerunMaxRssMb} MB (target < 0.3 s)`);
}

await main();
