/**
 * Writes or checks the output directory of `evt generate`, under one ownership rule
 * (docs/decisions.md D40): evt replaces or removes only files it wrote itself, recorded with their
 * hashes in the manifest `.evt-manifest.json` inside the output directory. Anything else there
 * (a user's file, `.git`, sources) is never read for removal, overwritten or deleted.
 *
 * - An existing directory with content and no manifest is refused (evt did not create it).
 * - A planned path held by a file the manifest does not list is refused (a user's file).
 * - A generated file edited since evt wrote it is refused unless `force` (the edit would be lost).
 *
 * A write is atomic per file: new content is staged inside the output directory and renamed into
 * place, and the manifest (renamed last) lists both old and new hashes while files move, so a
 * crash mid-way leaves whole files that the next run still recognises as its own. When nothing
 * differs, nothing is written at all. `--check` compares without writing.
 *
 * PRESERVED_DIRS are written by other evt commands (reviewed migrations): generate never plans
 * files there, and a directory holding only them counts as empty.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { EvtError, OutputOwnershipError } from "../errors.js";
import { DUCKDB_MIGRATIONS_DIR, MIGRATIONS_DIR } from "./layout.js";

export const PRESERVED_DIRS: readonly string[] = [MIGRATIONS_DIR, DUCKDB_MIGRATIONS_DIR];

/** The manifest of what `evt generate` wrote, inside the output directory. */
export const MANIFEST_FILE = ".evt-manifest.json";
const MANIFEST_VERSION = 1;
/** Staging directories and manifest temp files of a write in progress (or of a crashed one). */
const STAGING_PREFIX = ".evt-staging-";

export interface PlannedFile {
  readonly path: string;
  readonly content: string;
}

export interface OutputDiff {
  /** Expected but absent (the manifest included). */
  readonly missing: readonly string[];
  /** Present with different content (the manifest included). */
  readonly stale: readonly string[];
  /** Written by an earlier run (listed in the manifest) but no longer generated: a write removes them. */
  readonly extra: readonly string[];
}

export interface Manifest {
  /** Path → sha256 of the content evt wrote. */
  readonly files: Readonly<Record<string, string>>;
  /** Only while a write is in progress: the hashes being written (either may be on disk after a crash). */
  readonly pending?: Readonly<Record<string, string>>;
}

export const isClean = (d: OutputDiff): boolean => d.missing.length + d.stale.length + d.extra.length === 0;

export function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

const isPreserved = (rel: string): boolean => PRESERVED_DIRS.some((d) => rel === d || rel.startsWith(`${d}/`));

/** How a directory is named in messages: relative to the cwd. */
function shown(abs: string): string {
  return path.relative(process.cwd(), abs) || ".";
}

/** Every file under `dir` (relative, `/`-separated, sorted), preserved dirs skipped; [] when absent. */
export function listOutputFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (isPreserved(r)) continue;
      if (entry.isDirectory()) walk(path.join(abs, entry.name), r);
      else out.push(r);
    }
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir, "");
  return out.sort();
}

/** Path → sha256 of the content, computed once per run (the diff and the no-change cache share it). */
export function contentHashes(files: readonly PlannedFile[]): Map<string, string> {
  return new Map(files.map((f) => [f.path, sha256(f.content)]));
}

const sortedRecord = (entries: Iterable<readonly [string, string]>): Record<string, string> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The manifest's text for a set of generated files: deterministic (sorted, no timestamps), so it can be committed. */
export function manifestText(hashes: ReadonlyMap<string, string>, pending?: ReadonlyMap<string, string>): string {
  const body = {
    about: "Files written by evt generate, with their sha256. evt replaces or removes only these; everything else here is left alone.",
    version: MANIFEST_VERSION,
    files: sortedRecord(hashes),
    ...(pending ? { pending: sortedRecord(pending) } : {}),
  };
  return JSON.stringify(body, null, 2) + "\n";
}

/** The manifest of `dir`, undefined when there is none; a manifest that is not evt's is refused. */
export function readManifest(dir: string): Manifest | undefined {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw new EvtError(`cannot read ${path.join(shown(dir), MANIFEST_FILE)}: ${(e as Error).message}`, [], { cause: e });
  }
  try {
    const m = JSON.parse(text) as { version?: unknown; files?: unknown; pending?: unknown };
    const isMap = (v: unknown): v is Record<string, string> => typeof v === "object" && v !== null && Object.values(v).every((h) => typeof h === "string");
    if (m.version === MANIFEST_VERSION && isMap(m.files) && (m.pending === undefined || isMap(m.pending))) {
      return { files: m.files, ...(m.pending ? { pending: m.pending } : {}) };
    }
  } catch {
    // reported below
  }
  throw new OutputOwnershipError(
    `${path.join(shown(dir), MANIFEST_FILE)} is not a manifest written by evt. Restore it from version control, or generate into a new directory.`,
    shown(dir),
    [MANIFEST_FILE],
  );
}

/** A file's size and modification time: unchanged stamp, unchanged content (as git's index assumes). */
export function fileStamp(abs: string): string {
  const s = statSync(abs);
  return `${s.size}:${s.mtimeMs}`;
}

/** Stamps of `paths` under `dir` (those that exist). */
export function fileStamps(dir: string, paths: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of paths) {
    try {
      out.set(rel, fileStamp(path.join(dir, rel)));
    } catch {
      // absent: no stamp, the next diff hashes it (or reports it missing)
    }
  }
  return out;
}

/** sha256 of a file, undefined when it does not exist (or is not a regular file). */
function hashOnDisk(abs: string): string | undefined {
  try {
    return sha256(readFileSync(abs));
  } catch {
    return undefined;
  }
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Compares planned content (or content hashes) with what is on disk: only the planned paths, the
 * manifest, and the files the manifest lists are looked at (never the rest of the directory).
 * `stamps` (recorded when the files were known to hold the expected content) let an unchanged
 * file skip the read and hash.
 */
export function diffOutput(dir: string, files: readonly PlannedFile[] | ReadonlyMap<string, string>, stamps?: ReadonlyMap<string, string>): OutputDiff {
  const expected = files instanceof Map ? (files as ReadonlyMap<string, string>) : contentHashes(files as readonly PlannedFile[]);
  const missing: string[] = [];
  const stale: string[] = [];
  const planned = [...expected, [MANIFEST_FILE, sha256(manifestText(expected))] as const].sort(([a], [b]) => byName(a, b));
  // A first run: nothing to read (not one failed open per planned file).
  if (!existsSync(dir)) return { missing: planned.map(([rel]) => rel), stale, extra: [] };
  for (const [rel, hash] of planned) {
    const abs = path.join(dir, rel);
    const stamp = stamps?.get(rel);
    if (stamp !== undefined && existsSync(abs) && fileStamp(abs) === stamp) continue;
    const actual = hashOnDisk(abs);
    if (actual === undefined) missing.push(rel);
    else if (actual !== hash) stale.push(rel);
  }
  let owned: Manifest | undefined;
  try {
    owned = readManifest(dir);
  } catch {
    owned = undefined; // a foreign manifest owns nothing (a write refuses it; a check reports it stale)
  }
  const extra = Object.keys(owned?.files ?? {})
    .filter((p) => !expected.has(p) && existsSync(path.join(dir, p)))
    .sort(byName);
  return { missing, stale, extra };
}

/** Best-effort cleanup that never masks the original error (the path may not even be reachable). */
function removeQuietly(p: string): void {
  try {
    rmSync(p, { recursive: true, force: true });
  } catch {
    // nothing to clean, or not removable: the original error is what matters
  }
}

function notWritable(dir: string, e: unknown): EvtError {
  const err = e as NodeJS.ErrnoException;
  return new EvtError(`output directory ${shown(dir)} is not writable: ${err.message}`, [], { cause: e });
}

/** Entries of `dir` that count as content: everything except evt's own manifest, staging leftovers and preserved dirs. */
function foreignEntries(dir: string): string[] {
  return readdirSync(dir).filter((n) => n !== MANIFEST_FILE && !n.startsWith(STAGING_PREFIX) && !preservedOnly(path.join(dir, n), n));
}

/** A preserved dir, or a directory holding nothing but (parents of) preserved dirs, e.g. `snowflake/` with only `migrations/`. */
function preservedOnly(abs: string, rel: string): boolean {
  if (isPreserved(rel)) return true;
  if (!PRESERVED_DIRS.some((d) => d.startsWith(`${rel}/`)) || !statSync(abs).isDirectory()) return false;
  return readdirSync(abs).every((n) => preservedOnly(path.join(abs, n), `${rel}/${n}`));
}

/** Refuses an output path that exists and is not a directory. */
export function assertOutputLocation(dir: string): void {
  const abs = path.resolve(dir);
  if (existsSync(abs) && !statSync(abs).isDirectory()) {
    throw new OutputOwnershipError(`output ${shown(abs)} is a file, not a directory. Pass --out a directory (new, empty, or one evt generate wrote).`, shown(abs));
  }
}

/**
 * Checks that evt may write into `dir` before anything is generated, and returns what it owns
 * there. Refuses a path that is a file and a non-empty directory without a manifest.
 */
export function ownedOutput(dir: string): Manifest {
  const abs = path.resolve(dir);
  assertOutputLocation(abs);
  if (!existsSync(abs)) return { files: {} };
  const manifest = readManifest(abs);
  if (manifest) return manifest;
  const foreign = foreignEntries(abs);
  if (foreign.length > 0) {
    throw new OutputOwnershipError(
      `output directory ${shown(abs)} is not empty and has no ${MANIFEST_FILE}, so evt did not create it and will not write into it. ` +
        `Pass --out a new or empty directory (e.g. ${path.join(shown(abs), "gen")}).`,
      shown(abs),
      foreign.sort(byName),
    );
  }
  return { files: {} };
}

/** Whether the file on disk still holds what evt wrote (either hash of an interrupted write counts). */
function isOwnContent(manifest: Manifest, rel: string, actual: string): boolean {
  return manifest.files[rel] === actual || manifest.pending?.[rel] === actual;
}

const isOwned = (manifest: Manifest, rel: string): boolean => rel in manifest.files || (manifest.pending !== undefined && rel in manifest.pending);

/** Refuses before anything moves: planned paths held by a user's file, and (without force) edited generated files. */
function assertNoConflicts(abs: string, manifest: Manifest, expected: ReadonlyMap<string, string>, touched: readonly string[], force: boolean): void {
  const foreign: string[] = [];
  const edited: string[] = [];
  for (const rel of touched) {
    const actual = hashOnDisk(path.join(abs, rel));
    if (actual === undefined || actual === expected.get(rel)) continue;
    if (!isOwned(manifest, rel)) foreign.push(rel);
    else if (!isOwnContent(manifest, rel, actual)) edited.push(rel);
  }
  const list = (ps: string[]): string => ps.slice(0, 5).map((p) => path.join(shown(abs), p)).join(", ") + (ps.length > 5 ? ` and ${ps.length - 5} more` : "");
  if (foreign.length > 0) {
    throw new OutputOwnershipError(
      `${list(foreign)} ${foreign.length === 1 ? "is" : "are"} not listed in ${MANIFEST_FILE}, so evt did not write ${foreign.length === 1 ? "it" : "them"} and will not replace ${foreign.length === 1 ? "it" : "them"}. Move ${foreign.length === 1 ? "it" : "them"} out of ${shown(abs)}, or generate into another directory.`,
      shown(abs),
      foreign,
    );
  }
  if (edited.length > 0 && !force) {
    throw new OutputOwnershipError(
      `${list(edited)} ${edited.length === 1 ? "was" : "were"} edited after evt wrote ${edited.length === 1 ? "it" : "them"}. Revert the edit (or delete the file), or rerun with --force to overwrite it.`,
      shown(abs),
      edited,
    );
  }
}

/** Writes `content` to `file` through a temp file and a rename (never a half-written file). */
function writeAtomically(file: string, content: string, tag: string): void {
  const tmp = path.join(path.dirname(file), `${STAGING_PREFIX}${tag}-${path.basename(file)}`);
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/** Removes `rel`'s parent directories that are now empty, up to (not including) the output directory. */
function pruneEmptyParents(abs: string, rel: string): void {
  for (let d = path.posix.dirname(rel); d !== "."; d = path.posix.dirname(d)) {
    try {
      rmdirSync(path.join(abs, d)); // fails when not empty: then every parent is non-empty too
    } catch {
      return;
    }
  }
}

/** Leftovers of a crashed write (staging dirs and temp files evt names `.evt-staging-*`). */
function removeStagingLeftovers(abs: string): void {
  for (const n of readdirSync(abs)) if (n.startsWith(STAGING_PREFIX)) rmSync(path.join(abs, n), { recursive: true, force: true });
}

/**
 * Runs `task` on every item, WRITE_CONCURRENCY at a time (libuv's file-system threads): thousands
 * of files, and on a busy disk each write or rename waits on the journal, so waits overlap
 * instead of adding up. Rejects with the first failure once the started tasks have settled.
 */
async function concurrently<T>(items: readonly T[], task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        await task(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, items.length) }, lane));
  if (failure) throw failure.error;
}

const WRITE_CONCURRENCY = 16;

export interface WriteOutputOptions {
  /** Overwrite (or remove) generated files that were edited since evt wrote them. */
  readonly force?: boolean;
  /** Owned files (path → recorded hash) that `files` does not include but the manifest keeps listing, untouched. */
  readonly keep?: ReadonlyMap<string, string>;
  /** contentHashes(files), when the caller has them already (47 MB of output at 1,000 events: hashed once). */
  readonly hashes?: ReadonlyMap<string, string>;
}

/**
 * Makes the owned part of `dir` exactly `files` (plus the manifest). Returns false when it
 * already matched (nothing written). Throws OutputOwnershipError (nothing written) when the
 * ownership rule forbids the write, EvtError when the location cannot be written.
 */
export async function writeOutput(dir: string, files: readonly PlannedFile[], diff = diffOutput(dir, files), options: WriteOutputOptions = {}): Promise<boolean> {
  if (isClean(diff)) return false;
  const abs = path.resolve(dir);
  const manifest = ownedOutput(abs);
  const written = options.hashes ?? contentHashes(files);
  const expected = new Map([...(options.keep ?? []), ...written]);
  const differing = new Set([...diff.missing, ...diff.stale]);
  const changed = files.filter((f) => differing.has(f.path));
  assertNoConflicts(abs, manifest, written, [...changed.map((f) => f.path), ...diff.extra], options.force ?? false);

  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const staging = path.join(abs, `${STAGING_PREFIX}${tag}`);
  try {
    mkdirSync(abs, { recursive: true });
    removeStagingLeftovers(abs);
    mkdirSync(staging);
    await concurrently(changed, (f, i) => writeFile(path.join(staging, String(i)), f.content));
    // The journal: old and new hashes both count as evt's while files move.
    const union = new Map([...Object.entries(manifest.files), ...Object.entries(manifest.pending ?? {})]);
    writeAtomically(path.join(abs, MANIFEST_FILE), manifestText(union, expected), tag);
  } catch (e) {
    removeQuietly(staging);
    throw notWritable(abs, e);
  }
  try {
    // Each directory once (2,000+ files share ~100 directories), then one rename per file.
    for (const d of new Set(changed.map((f) => path.posix.dirname(f.path)))) mkdirSync(path.join(abs, d), { recursive: true });
    await concurrently(changed, (f, i) => rename(path.join(staging, String(i)), path.join(abs, f.path)));
    for (const rel of diff.extra) {
      unlinkSync(path.join(abs, rel));
      pruneEmptyParents(abs, rel);
    }
    writeAtomically(path.join(abs, MANIFEST_FILE), manifestText(expected), tag);
  } catch (e) {
    throw notWritable(abs, e);
  } finally {
    removeQuietly(staging);
  }
  return true;
}

/**
 * Refuses, before any work, to write `paths` into `dir`: a directory evt did not create, a path
 * held by a file the manifest does not list, or (without force) a file edited since evt wrote it.
 * For commands that take long to produce their content (`evt flink plan` starts a JVM).
 */
export function assertMayWrite(dir: string, paths: readonly string[], force = false): void {
  const abs = path.resolve(dir);
  assertNoConflicts(abs, ownedOutput(abs), new Map(), paths, force);
}

/**
 * Writes `files` into `dir` under the same ownership rule, keeping the other files its manifest
 * lists: a directory that several runs fill in turn (`evt flink plan` of each processor), where
 * writing one processor's files must not remove another's.
 */
export async function addToOutput(dir: string, files: readonly PlannedFile[], options: Omit<WriteOutputOptions, "keep"> = {}): Promise<boolean> {
  const abs = path.resolve(dir);
  const planned = contentHashes(files);
  const keep = new Map(Object.entries(ownedOutput(abs).files).filter(([p]) => !planned.has(p) && existsSync(path.join(abs, p))));
  return writeOutput(abs, files, diffOutput(abs, new Map([...keep, ...planned])), { ...options, keep });
}
