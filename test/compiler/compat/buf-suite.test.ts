/**
 * buf's own breaking-change suite (bufbuild/buf at BUF_COMMIT: testdata/breaking/{previous,current}
 * and the expected annotations in breaking_test.go, extracted by scripts/extract-compat-suites.ts).
 * In scope: every case whose rules (its buf.yaml `use`, or the rules it expects when it has none)
 * are evt wire-layer rules (buf's WIRE and WIRE_JSON categories plus MESSAGE_NO_DELETE and
 * ENUM_NO_DELETE), without buf-only configuration (ignore lists, unstable packages, build roots,
 * plugins, policies). For each, evt in FULL mode (buf judges both directions) with the case's rules
 * must report exactly buf's annotations: same rule ID (or its documented split), file, start line
 * and start column. buf's NoLocation annotations (a top-level type deleted) match a finding of the
 * same rule in the same file.
 */
import { describe, expect, it } from "vitest";
import { checkCompat } from "../../../compiler/rules/compat/check.js";
import { COMPAT_RULES } from "../../../compiler/rules/compat/registry.js";
import type { BufAnnotation, BufCase } from "../../../scripts/extract-compat-suites.js";
import { BUF_COMMIT, catalogOfDir, suites } from "./suite-helpers.js";

const WIRE_IDS = new Set(COMPAT_RULES.filter((r) => r.layer === "wire").map((r) => r.id));

/**
 * buf rule → the evt rules that report its findings. evt reports a wire-incompatible type or
 * cardinality change once, under the WIRE rule, so buf's WIRE_JSON rule for the same change maps
 * to it too (docs/compat-rules.md, "ID splits").
 */
const SPLITS: Readonly<Record<string, readonly string[]>> = {
  FIELD_WIRE_JSON_COMPATIBLE_TYPE: ["FIELD_WIRE_JSON_COMPATIBLE_TYPE", "FIELD_WIRE_COMPATIBLE_TYPE"],
  FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY: ["FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", "FIELD_WIRE_COMPATIBLE_CARDINALITY"],
};
const evtRulesOf = (bufRule: string): readonly string[] => SPLITS[bufRule] ?? [bufRule];

function rulesOf(c: BufCase): readonly string[] | undefined {
  if (c.config.other.length > 0 || c.config.except || c.annotations.some((a) => a.plugin)) return undefined;
  const rules = c.config.use ?? [...new Set(c.annotations.map((a) => a.rule))];
  return rules.length > 0 && rules.every((r) => WIRE_IDS.has(r)) ? rules : undefined;
}

const key = (a: { rule: string; file?: string; line?: number; column?: number }): string =>
  a.line === undefined ? `${a.rule} ${a.file ?? ""}` : `${a.rule} ${a.file}:${a.line}:${a.column}`;

const all = suites().buf;
const inScope = all.filter((c) => rulesOf(c) !== undefined);

describe(`buf's breaking suite (bufbuild/buf@${BUF_COMMIT.slice(0, 12)})`, () => {
  it("has the cases and annotations it had when pinned", () => {
    expect(all.length).toBe(57);
    expect(inScope.length).toBe(23);
    expect(inScope.reduce((n, c) => n + c.annotations.length, 0)).toBe(TOTAL_IN_SCOPE_ANNOTATIONS);
  });

  it.each(inScope.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const bufRules = rulesOf(c)!;
    const toBuf = new Map<string, string>();
    for (const r of bufRules) for (const e of evtRulesOf(r)) if (!toBuf.has(e)) toBuf.set(e, r);
    const rules = COMPAT_RULES.filter((r) => toBuf.has(r.id));
    const [before, after] = await Promise.all([catalogOfDir(c.previous), catalogOfDir(c.current)]);
    const findings = checkCompat({ before, after }, { mode: "FULL", rules });
    const expected = c.annotations.map(key).sort();
    const noLocation = new Set(c.annotations.filter((a) => a.line === undefined).map(key));
    const got = findings
      .map((f) => {
        const rule = toBuf.get(f.ruleId)!;
        const loose = key({ rule, file: f.file });
        return noLocation.has(loose) && !expected.includes(key({ rule, file: f.file, line: f.line, column: f.column })) ? loose : key({ rule, file: f.file, line: f.line, column: f.column });
      })
      .sort();
    const missing = diff(expected, got);
    const extra = diff(got, expected);
    const detail = findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`).join("\n");
    expect({ missing, extra }, detail).toEqual({ missing: [], extra: [] });
  });
});

/** Multiset difference a − b. */
function diff(a: readonly string[], b: readonly string[]): string[] {
  const left = [...b];
  return a.filter((x) => {
    const i = left.indexOf(x);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

const TOTAL_IN_SCOPE_ANNOTATIONS = -1;
export type { BufAnnotation };
