/**
 * Writes or checks the output directory of `evt generate`. A write never leaves a half-written
 * directory: everything goes into a sibling temp directory that then replaces the old one with
 * renames; when nothing differs, nothing is written at all. `--check` compares without writing.
 *
 * The output directory belongs to `evt generate`, except PRESERVED_DIRS (written by other
 * commands, e.g. reviewed migrations), which are carried over on a swap and ignored by checks.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { EvtError } from "../errors.js";
import { DUCKDB_MIGRATIONS_DIR, MIGRATIONS_DIR } from "./layout.js";

export const PRESERVED_DIRS: readonly string[] = [MIGRATIONS_DIR, DUCKDB_MIGRATIONS_DIR];

export interface PlannedFile {
  readonly path: string;
  readonly content: string;
}

export interface OutputDiff {
  /** Expected but absent. */
  readonly missing: readonly string[];
  /** Present with different content. */
  readonly stale: readonly string[];
  /** Present but not produced by generate. */
  readonly extra: readonly string[];
}

export const isClean = (d: OutputDiff): boolean => d.missing.length + d.stale.length + d.extra.length === 0;

export function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

const isPreserved = (rel: string): boolean => PRESERVED_DIRS.some((d) => rel === d || rel.startsWith(`${d}/`));

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

/**
 * Compares planned content (or content hashes) with what is on disk. `stamps` (recorded when the
 * files were known to hold the expected content) let an unchanged file skip the read and hash.
 */
export function diffOutput(dir: string, files: readonly PlannedFile[] | ReadonlyMap<string, string>, stamps?: ReadonlyMap<string, string>): OutputDiff {
  const expected = files instanceof Map ? (files as ReadonlyMap<string, string>) : contentHashes(files as readonly PlannedFile[]);
  const present = listOutputFiles(dir);
  const presentSet = new Set(present);
  const missing: string[] = [];
  const stale: string[] = [];
  for (const [rel, hash] of [...expected].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!presentSet.has(rel)) {
      missing.push(rel);
      continue;
    }
    const abs = path.join(dir, rel);
    const stamp = stamps?.get(rel);
    if (stamp !== undefined && fileStamp(abs) === stamp) continue;
    if (sha256(readFileSync(abs)) !== hash) stale.push(rel);
  }
  const extra = present.filter((p) => !expected.has(p));
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
  return new EvtError(`output directory ${dir} is not writable: ${err.message}`, [], { cause: e });
}

/**
 * Replaces `dir` with exactly `files` (preserved dirs kept). Returns false when the directory
 * already matched (nothing written). Throws EvtError when the location cannot be written.
 */
export function writeOutput(dir: string, files: readonly PlannedFile[], diff = diffOutput(dir, files)): boolean {
  if (isClean(diff)) return false;
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = path.join(parent, `.${path.basename(abs)}.evt-tmp-${tag}`);
  const old = path.join(parent, `.${path.basename(abs)}.evt-old-${tag}`);
  try {
    if (existsSync(abs) && !statSync(abs).isDirectory()) throw Object.assign(new Error("exists and is not a directory"), { code: "ENOTDIR" });
    mkdirSync(parent, { recursive: true });
    mkdirSync(tmp);
    // Each directory once (2,000+ files share ~100 directories), then the files.
    for (const d of new Set(files.map((f) => path.posix.dirname(f.path)))) mkdirSync(path.join(tmp, d), { recursive: true });
    for (const f of files) writeFileSync(path.join(tmp, f.path), f.content);
    for (const d of PRESERVED_DIRS) {
      const src = path.join(abs, d);
      if (existsSync(src)) cpSync(src, path.join(tmp, d), { recursive: true });
    }
  } catch (e) {
    removeQuietly(tmp);
    throw notWritable(dir, e);
  }
  // The swap: two renames in the same parent directory.
  try {
    if (existsSync(abs)) renameSync(abs, old);
    renameSync(tmp, abs);
  } catch (e) {
    if (!existsSync(abs) && existsSync(old)) renameSync(old, abs);
    removeQuietly(tmp);
    throw notWritable(dir, e);
  }
  rmSync(old, { recursive: true, force: true });
  return true;
}
