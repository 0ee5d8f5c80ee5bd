/**
 * Tests start from proto text: writes inline .proto files plus a copy of the evt vocabulary
 * (proto/evt/v1/options.proto) into a fresh temp directory and compiles it with the real buf.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadCatalog, type LoadedContracts } from "../../compiler/model/build-catalog.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const VOCABULARY = path.join(REPO_ROOT, "proto", "evt", "v1", "options.proto");

/** Writes `files` (path → text, relative to the root) and the vocabulary into a temp dir; returns the dir. */
export function writeProtoTree(files: Readonly<Record<string, string>>, options: { vocabulary?: boolean } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "evt-proto-"));
  if (options.vocabulary !== false) {
    mkdirSync(path.join(dir, "evt", "v1"), { recursive: true });
    cpSync(VOCABULARY, path.join(dir, "evt", "v1", "options.proto"));
  }
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Compiles inline proto files through buf; positions in the catalog are relative to the temp root. */
export async function compileProto(files: Readonly<Record<string, string>>): Promise<LoadedContracts & { readonly dir: string }> {
  const dir = writeProtoTree(files);
  return { ...(await loadCatalog(dir, "")), dir };
}

/** 1-based line and column of the `nth` (0-based) occurrence of `needle` in `text`. */
export function positionOf(text: string, needle: string, nth = 0): { line: number; column: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" (#${nth}) not found in fixture`);
  }
  const before = text.slice(0, at).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}
