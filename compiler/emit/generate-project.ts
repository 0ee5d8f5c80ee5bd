/**
 * `evt generate` end to end: compile the proto root, generate, then write or check the output
 * directory. A rerun with no input change takes the fast path: a fingerprint of everything that
 * decides the output (proto files, options, generator code, generator dependency versions) is
 * compared with the one cached from the last run together with the hashes of the files it
 * produced; when both match what is on disk, neither buf nor protoc-gen-es is loaded. Files whose
 * size and mtime still equal the stamps recorded with those hashes are not re-read.
 * Heavy modules are imported lazily for that reason.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { flinkConfigOf, type EvtConfig } from "../config/schema.js";
import type { OutputFile, OutputKind } from "./generate.js";
import { assertOutputLocation, contentHashes, diffOutput, fileStamps, isClean, MANIFEST_FILE, ownedOutput, sha256, writeOutput, type OutputDiff } from "./write-output.js";
import { EVT_VERSION } from "./header.js";
import type { StepListener } from "../steps.js";

export interface GenerateRunOptions {
  readonly config: EvtConfig;
  /** Absolute output directory (`--out`), default `config.out`. */
  readonly outDir?: string;
  /** Compare only; never write. */
  readonly check?: boolean;
  /** Directory of the no-change cache; null disables it. Default `<config.baseDir>/.cache/evt`. */
  readonly cacheDir?: string | null;
  /** Proto root as shown in error positions (default: relative to the cwd). */
  readonly displayRoot?: string;
  /** Overwrite generated files edited since evt wrote them (never files evt did not write). */
  readonly force?: boolean;
  /** Told each step (for the CLI's progress line). */
  readonly onStep?: StepListener;
}

export interface GenerateRunResult {
  readonly outDir: string;
  /** Files generate produces, per kind. */
  readonly counts: Readonly<Partial<Record<OutputKind, number>>>;
  readonly files: number;
  /** How the output directory differed before this run (empty: it was up to date). */
  readonly diff: OutputDiff;
  /** Whether this run wrote the output directory. */
  readonly written: boolean;
  /** True when the cached fingerprint matched and nothing was regenerated. */
  readonly cacheHit: boolean;
  readonly ms: number;
}

const CACHE_FORMAT = 2;

interface CacheEntry {
  readonly format: number;
  readonly input: string;
  readonly files: Record<string, { readonly sha256: string; readonly kind: OutputKind; readonly stamp?: string }>;
}

function walkFiles(dir: string, visit: (rel: string, abs: string) => void, rel = ""): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const abs = path.join(dir, entry.name);
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walkFiles(abs, visit, r);
    else visit(r, abs);
  }
}

const require = createRequire(import.meta.url);
const DEPENDENCIES = ["@bufbuild/buf", "@bufbuild/protobuf", "@bufbuild/protoc-gen-es", "@bufbuild/protoplugin"];

/** Everything that decides the output, hashed: proto tree contents, options, generator code and dependency versions. */
export function inputFingerprint(config: EvtConfig): string {
  const h = sha256Stream();
  h.add(`format ${CACHE_FORMAT} evt ${EVT_VERSION}\n`);
  h.add(JSON.stringify({ runtimeImport: config.runtimeImport, warehouse: config.warehouse, brokers: config.kafka.brokers, java: flinkConfigOf(config).java }) + "\n");
  walkFiles(config.protoRoot, (rel, abs) => h.add(`proto ${rel} ${sha256(readFileSync(abs))}\n`));
  // The generator's own code (compiler/ as it runs: sources under tsx, dist/ when built): size and mtime suffice.
  const compilerDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  walkFiles(compilerDir, (rel, abs) => {
    const s = statSync(abs);
    h.add(`code ${rel} ${s.size} ${s.mtimeMs}\n`);
  });
  for (const dep of DEPENDENCIES) {
    try {
      h.add(`dep ${dep} ${(require(`${dep}/package.json`) as { version: string }).version}\n`);
    } catch {
      h.add(`dep ${dep} ?\n`);
    }
  }
  return h.digest();
}

function sha256Stream(): { add(s: string): void; digest(): string } {
  const hash = createHash("sha256");
  return { add: (s) => void hash.update(s), digest: () => hash.digest("hex") };
}

function cacheFile(cacheDir: string, outDir: string): string {
  return path.join(cacheDir, `generate-${sha256(path.resolve(outDir)).slice(0, 16)}.json`);
}

function readCache(file: string): CacheEntry | undefined {
  try {
    const c = JSON.parse(readFileSync(file, "utf8")) as CacheEntry;
    return c.format === CACHE_FORMAT ? c : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, entry: CacheEntry): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(entry));
  } catch {
    // The cache is an optimisation only; an unwritable cache directory is not an error.
  }
}

function countKinds(kinds: Iterable<OutputKind>): Partial<Record<OutputKind, number>> {
  const out: Partial<Record<OutputKind, number>> = {};
  for (const k of kinds) out[k] = (out[k] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Loads the contracts and generates every output file (no I/O on the output directory). */
export async function generateFiles(config: EvtConfig, displayRoot?: string, outDir?: string, onStep?: StepListener): Promise<OutputFile[]> {
  // protoc-gen-es gets its own thread, started first so that it loads while buf compiles in its own
  // process; this thread loads protobuf-es and the model meanwhile (ts/protoc-gen-es-thread.ts).
  const { startMessageTypes } = await import("./ts/protoc-gen-es-thread.js");
  const messageTypes = startMessageTypes();
  try {
    onStep?.(`compiling ${path.relative(process.cwd(), config.protoRoot) || "."} with buf`);
    const { buildDescriptorSetBytes } = await import("../load/buf-process.js");
    const [bytes, { decodeDescriptorSet }, { catalogFromDecoded }, { generate }, { canonicalDecodedOrder }] = await Promise.all([
      buildDescriptorSetBytes(config.protoRoot),
      import("../load/descriptor-set.js"),
      import("../model/build-catalog.js"),
      import("./generate.js"),
      import("./descriptor-order.js"),
    ]);
    const messages = messageTypes.run(bytes);
    messages.catch(() => undefined); // awaited by generate, unless the catalog fails first
    // The catalog needs no source info objects: the raw reader indexes what it uses (load/descriptor-set.ts).
    const decoded = canonicalDecodedOrder(decodeDescriptorSet(bytes));
    onStep?.(`modelling ${decoded.set.file.length} proto files`);
    const loaded = catalogFromDecoded(decoded, "");
    onStep?.(`generating code and DDL for ${loaded.catalog.events.length} events`);
    return await generate(loaded, {
      runtimeImport: config.runtimeImport,
      schemaPrefix: config.warehouse.schemaPrefix,
      batch: config.warehouse.batch,
      ...(config.warehouse.database ? { database: config.warehouse.database } : {}),
      displayRoot: displayRoot ?? (path.relative(process.cwd(), config.protoRoot) || "."),
      bootstrapServers: config.kafka.brokers.join(","),
      ...(flinkConfigOf(config).java ? { javaProtoRoot: path.relative(path.join(outDir ?? config.out, "java"), config.protoRoot) } : {}),
    }, messages);
  } finally {
    messageTypes.close();
  }
}

export async function runGenerate(options: GenerateRunOptions): Promise<GenerateRunResult> {
  const started = performance.now();
  const { config } = options;
  const outDir = path.resolve(options.outDir ?? config.out);
  const cacheDir = cacheDirOf(options);
  const elapsed = (): number => Math.round(performance.now() - started);
  const input = unchangedInput(options, outDir, cacheDir);
  if (input.result) return { ...input.result, ms: elapsed() };

  const files = await generateFiles(config, options.displayRoot, outDir, options.onStep);
  options.onStep?.(`comparing ${files.length} files with ${path.relative(process.cwd(), outDir) || "."}`);
  const hashes = contentHashes(files);
  const diff = diffOutput(outDir, hashes);
  if (!options.check && !isClean(diff)) options.onStep?.(`writing ${diff.missing.length + diff.stale.length} files`);
  const written = options.check ? false : await writeOutput(outDir, files, diff, { force: options.force ?? false, hashes });
  if (cacheDir !== null && input.fingerprint !== undefined) {
    // Stamps only of files now known to hold the generated content (after a check: those not reported).
    const differing = options.check ? new Set([...diff.missing, ...diff.stale]) : new Set<string>();
    const stamps = fileStamps(outDir, files.map((f) => f.path).filter((p) => !differing.has(p)));
    writeCache(cacheFile(cacheDir, outDir), {
      format: CACHE_FORMAT,
      input: input.fingerprint,
      files: Object.fromEntries(files.map((f) => [f.path, { sha256: hashes.get(f.path)!, kind: f.kind, ...(stamps.has(f.path) ? { stamp: stamps.get(f.path)! } : {}) }])),
    });
  }
  return { outDir, counts: countKinds(files.map((f) => f.kind)), files: files.length, diff, written, cacheHit: false, ms: elapsed() };
}

/**
 * The no-change answer of `evt generate`, or undefined when the inputs changed (or there is no
 * cache) or, unless checking, the output directory differs: then the full run is needed. Reads
 * only evt.yaml's inputs, the cache and the output directory's stamps (no buf, no protobuf-es):
 * what bin/run.js answers a no-change `generate` with before loading oclif.
 */
export function unchangedGenerate(options: GenerateRunOptions): GenerateRunResult | undefined {
  const started = performance.now();
  const result = unchangedInput(options, path.resolve(options.outDir ?? options.config.out), cacheDirOf(options)).result;
  return result && { ...result, ms: Math.round(performance.now() - started) };
}

function cacheDirOf(options: GenerateRunOptions): string | null {
  return options.cacheDir === undefined ? path.join(options.config.baseDir, ".cache", "evt") : options.cacheDir;
}

/** The inputs' fingerprint (when there is a cache), and the run's result when they are unchanged and the directory needs no write. */
function unchangedInput(options: GenerateRunOptions, outDir: string, cacheDir: string | null): { fingerprint?: string; result?: Omit<GenerateRunResult, "ms"> } {
  const { config } = options;
  // Refuse a location evt may not write before the expensive part (the write re-checks it).
  if (options.check) assertOutputLocation(outDir);
  else ownedOutput(outDir);
  if (cacheDir === null || !existsSync(config.protoRoot)) return {};
  options.onStep?.("comparing the inputs with the last run");
  const fingerprint = inputFingerprint(config);
  const cached = readCache(cacheFile(cacheDir, outDir));
  if (!cached || cached.input !== fingerprint) return { fingerprint };
  const expected = new Map(Object.entries(cached.files).map(([p, f]) => [p, f.sha256]));
  const stamps = new Map(Object.entries(cached.files).flatMap(([p, f]) => (f.stamp ? [[p, f.stamp] as const] : [])));
  options.onStep?.(`checking ${expected.size} output files`);
  const diff = diffOutput(outDir, expected, stamps);
  // Inputs unchanged: the cached hashes are exactly what generate would produce, so a
  // check needs no regeneration at all, and an up-to-date directory needs no write.
  if (!isClean(diff) && !options.check) return { fingerprint };
  const counts = countKinds(Object.values(cached.files).map((f) => f.kind));
  return { fingerprint, result: { outDir, counts, files: expected.size, diff, written: false, cacheHit: true } };
}

/** The terminal summary (one line per kind, then totals). */
export function formatGenerateSummary(r: GenerateRunResult, check: boolean, displayOut: string): string {
  const changed = r.diff.missing.length + r.diff.stale.length + r.diff.extra.length;
  const secs = (r.ms / 1000).toFixed(2);
  const lines: string[] = [];
  if (check) {
    if (changed === 0) return `${displayOut} is up to date (${r.files} files, ${secs} s)`;
    lines.push(`${displayOut} is stale: ${changed} file(s) differ from evt generate (run evt generate and commit the result)`);
    for (const p of r.diff.missing) lines.push(`  missing ${path.posix.join(displayOut, p)}`);
    for (const p of r.diff.stale) lines.push(`  stale   ${path.posix.join(displayOut, p)}`);
    for (const p of r.diff.extra) lines.push(`  extra   ${path.posix.join(displayOut, p)}`);
    return lines.join("\n");
  }
  for (const [kind, n] of Object.entries(r.counts)) lines.push(`  ${kind.padEnd(14)} ${n}`);
  // The manifest is bookkeeping, not one of the generated files counted here.
  const count = (ps: readonly string[]): number => ps.filter((p) => p !== MANIFEST_FILE).length;
  const what = r.written
    ? `wrote ${r.files} files to ${displayOut} (${count(r.diff.missing)} new, ${count(r.diff.stale)} changed, ${r.diff.extra.length} removed)`
    : `${displayOut} is up to date (${r.files} files, nothing written${r.cacheHit ? ", cached" : ""})`;
  return [...lines, `${what} in ${secs} s`].join("\n");
}
