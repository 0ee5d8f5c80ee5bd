/**
 * Compatibility fixtures: `test/fixtures/compat/<RULE_ID>/{before,after,near}/**\/*.proto`.
 * `after` trips the rule; `near` is a close variant that must not. Expected findings are
 * markers in the proto text: `// @expect RULE_ID` on the line the finding points at (column =
 * the line's first non-blank character, or the column of `"needle"` when one follows the ID;
 * `RULE_ID*2` expects two findings there).
 * A marker in `before/` means the position is in the old tree (nothing survived). `// @mode M`
 * in an after/near file runs the case with `--mode M`; otherwise each element's own mode applies.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadCatalog } from "../../../compiler/model/build-catalog.js";
import type { Catalog, CompatibilityMode } from "../../../compiler/model/catalog.js";
import { REPO_ROOT, VOCABULARY } from "../../helpers/compile-proto.js";

export const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "compat");
export type Side = "before" | "after" | "near";

export interface Position {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export function fixtureRules(): string[] {
  return existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((d) => statSync(path.join(FIXTURES, d)).isDirectory()).sort() : [];
}

function protoFiles(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    const rel = prefix ? `${prefix}/${n}` : n;
    if (statSync(p).isDirectory()) return protoFiles(p, rel);
    return n.endsWith(".proto") ? [rel] : [];
  });
}

export function sideDir(rule: string, side: Side): string {
  return path.join(FIXTURES, rule, side);
}

export function hasSide(rule: string, side: Side): boolean {
  return protoFiles(sideDir(rule, side)).length > 0;
}

/** Copies a fixture side plus the evt vocabulary into a fresh buf module directory. */
export function materialize(rule: string, side: Side): string {
  const dir = mkdtempSync(path.join(tmpdir(), `evt-compat-${side}-`));
  cpSync(sideDir(rule, side), dir, { recursive: true });
  mkdirSync(path.join(dir, "evt", "v1"), { recursive: true });
  cpSync(VOCABULARY, path.join(dir, "evt", "v1", "options.proto"));
  return dir;
}

export async function catalogOf(rule: string, side: Side): Promise<{ catalog: Catalog; dir: string }> {
  const dir = materialize(rule, side);
  return { catalog: (await loadCatalog(dir, "")).catalog, dir };
}

/** Markers of `rule` in the files of one side. */
export function expectedMarkers(rule: string, side: Side): Position[] {
  const out: Position[] = [];
  const re = new RegExp(`//.*@expect ${rule}(?:\\*(\\d+))?(?:\\s+"([^"]+)")?(?:\\s|$)`);
  for (const file of protoFiles(sideDir(rule, side))) {
    readFileSync(path.join(sideDir(rule, side), file), "utf8")
      .split("\n")
      .forEach((text, i) => {
        const m = re.exec(text);
        if (!m) return;
        const column = m[2] !== undefined ? text.indexOf(m[2]) + 1 : text.search(/\S/) + 1;
        for (let n = Number(m[1] ?? 1); n > 0; n--) out.push({ file, line: i + 1, column });
      });
  }
  return out;
}

export function modeOf(rule: string, side: Side): CompatibilityMode | undefined {
  for (const file of protoFiles(sideDir(rule, side))) {
    const m = /@mode (\w+)/.exec(readFileSync(path.join(sideDir(rule, side), file), "utf8"));
    if (m) return m[1] as CompatibilityMode;
  }
  return undefined;
}

export function key(p: Position): string {
  return `${p.file}:${p.line}:${p.column}`;
}
