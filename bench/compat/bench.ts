/**
 * evt check-compat vs buf breaking on the synthetic catalog (1,000 events by default) with 50
 * mutations (half safe, half breaking, bench/synthetic/mutate.ts), both against the same buf image
 * of the baseline, interleaved so machine noise hits both alike. Counts findings and how many of
 * the breaking mutations each tool caught. Usage:
 *   npx tsx bench/compat/bench.ts [--events 1000] [--runs 5]
 * Writes bench/out/compat/compat-bench.json; bench/README.md quotes a run.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bufBinary } from "../../compiler/load/buf-build.js";
import { buildSyntheticSpec, writeSyntheticCatalog } from "../synthetic/catalog.js";
import { mutateSpec, type Mutation } from "../synthetic/mutate.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const OUT = path.join(REPO, "bench", "out", "compat");
const ENV = { ...process.env, BUF_CACHE_DIR: path.join(REPO, ".cache", "buf"), NO_COLOR: "1" };

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Run {
  readonly seconds: number;
  readonly maxRssKb: number;
  readonly stdout: string;
  readonly code: number | null;
}

function timed(cmd: string, args: readonly string[], cwd: string): Run {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", cmd, ...args], { cwd, encoding: "utf8", env: ENV, maxBuffer: 1 << 28 });
  const last = r.stderr.trim().split("\n").pop()!.split(" ");
  return { seconds: Number(last[0]), maxRssKb: Number(last[1]), stdout: r.stdout, code: r.status };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** How many breaking mutations a tool's findings mention (by message name or field). */
function caught(mutations: readonly Mutation[], texts: readonly string[]): number {
  return mutations.filter((m) => m.breaking).filter((m) => {
    const short = m.event.slice(m.event.lastIndexOf(".") + 1);
    return texts.some((t) => t.includes(`"${short}"`) || t.includes(m.event) || (m.field !== undefined && t.includes(`"${m.field}"`) && t.includes(short)));
  }).length;
}

const events = arg("--events", 1000);
const runs = arg("--runs", 5);
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const base = path.join(OUT, "base");
const after = path.join(OUT, "after");
writeSyntheticCatalog(base, buildSyntheticSpec({ events, seed: 1 }));
const spec = buildSyntheticSpec({ events, seed: 1 });
const mutations = mutateSpec(spec, { count: 50, seed: 7 });
writeSyntheticCatalog(after, spec);
writeFileSync(path.join(OUT, "evt.yaml"), "proto: after\n");
const image = path.join(OUT, "base.binpb");
const built = spawnSync(bufBinary(), ["build", base, "-o", image], { env: ENV, encoding: "utf8" });
if (built.status !== 0) throw new Error(built.stderr);

const bufArgs = ["breaking", after, "--against", image, "--config", JSON.stringify({ version: "v2", breaking: { use: ["WIRE_JSON"] } }), "--error-format", "json"];
const evtArgs = [path.join(REPO, "bin", "run.js"), "check-compat", "--against", image, "--mode", "FULL", "--format", "json"];
const bufRuns: Run[] = [];
const evtRuns: Run[] = [];
timed(bufBinary(), bufArgs, OUT); // warm caches for both
timed(process.execPath, evtArgs, OUT);
for (let i = 0; i < runs; i++) {
  bufRuns.push(timed(bufBinary(), bufArgs, OUT));
  evtRuns.push(timed(process.execPath, evtArgs, OUT));
}
const bufFindings = bufRuns[0]!.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { type: string; message: string });
const evtOut = JSON.parse(evtRuns[0]!.stdout) as { findings: { ruleId: string; layer: string; message: string; element?: string }[] };
const evtDefault = JSON.parse(timed(process.execPath, evtArgs.filter((a, i, all) => a !== "--mode" && all[i - 1] !== "--mode"), OUT).stdout) as { findings: unknown[] };
const byLayer: Record<string, number> = {};
for (const f of evtOut.findings) byLayer[f.layer] = (byLayer[f.layer] ?? 0) + 1;

const result = {
  events,
  mutations: { total: mutations.length, breaking: mutations.filter((m) => m.breaking).length },
  buf: {
    seconds: median(bufRuns.map((r) => r.seconds)),
    maxRssMb: Math.round(median(bufRuns.map((r) => r.maxRssKb)) / 1024),
    findings: bufFindings.length,
    caughtBreaking: caught(mutations, bufFindings.map((f) => f.message)),
    exit: bufRuns[0]!.code,
  },
  evt: {
    seconds: median(evtRuns.map((r) => r.seconds)),
    maxRssMb: Math.round(median(evtRuns.map((r) => r.maxRssKb)) / 1024),
    findings: evtOut.findings.length,
    findingsByLayer: byLayer,
    findingsDefaultModes: evtDefault.findings.length,
    caughtBreaking: caught(mutations, evtOut.findings.map((f) => `${f.message} ${f.element ?? ""}`)),
    exit: evtRuns[0]!.code,
  },
  runs,
  samples: { buf: bufRuns.map((r) => r.seconds), evt: evtRuns.map((r) => r.seconds) },
};
writeFileSync(path.join(OUT, "compat-bench.json"), JSON.stringify(result, null, 2) + "\n");
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
