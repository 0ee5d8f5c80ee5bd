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
import type { BufCase } from "../../../scripts/extract-compat-suites.js";
import { BUF_COMMIT, catalogOfDir, suites } from "./suite-helpers.js";

const WIRE_IDS = new Set(COMPAT_RULES.filter((r) => r.layer === "wire").map((r) => r.id));

/**
 * buf rule → further evt rules whose findings may stand for it (docs/compat-rules.md, "ID splits").
 * evt reports a wire-incompatible type or cardinality change once, under the WIRE rule, so buf's
 * WIRE_JSON rule for the same change maps to it; buf's WIRE type rule also compares enum value
 * names (a different enum with the same numbers), which the binary format does not carry: evt
 * reports that under the WIRE_JSON rule. A split rule's findings only ever match an expected
 * annotation; extras are counted for the case's own rules.
 */
const SPLITS: Readonly<Record<string, readonly string[]>> = {
  FIELD_WIRE_JSON_COMPATIBLE_TYPE: ["FIELD_WIRE_COMPATIBLE_TYPE"],
  FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY: ["FIELD_WIRE_COMPATIBLE_CARDINALITY"],
  FIELD_WIRE_COMPATIBLE_TYPE: ["FIELD_WIRE_JSON_COMPATIBLE_TYPE"],
};

/**
 * Findings evt reports where buf's suite expects none, each where evt is right on the binary
 * format or proto3 JSON (mirrored in docs/compat-rules.md, "Where evt reports more than buf").
 * buf's WIRE/WIRE_JSON groups treat int32/uint32/int64/uint64/bool (and sint32/sint64,
 * fixed32/sfixed32, fixed64/sfixed64) as interchangeable; evt reports the values that change
 * (sign, truncation, bool) per direction. In FULL mode an enum that gained values breaks old
 * readers, and string → bytes breaks old readers of non-UTF-8 bytes.
 */
const EVT_STRICTER: Readonly<Record<string, string>> = Object.fromEntries([
  ...["2.proto:6:3", "2.proto:7:3", "2.proto:8:3", "2.proto:9:3", "2.proto:10:3", "2.proto:12:3", "2.proto:13:3", "2.proto:15:3", "2.proto:16:3", "2.proto:18:3", "2.proto:19:3", "3.proto:16:5"].map(
    (at) => [`breaking_field_wire_compatible_type ${at}`, "integer values change sign, are truncated or collapse to bool"],
  ),
  ...["2.proto:84:3", "3.proto:14:5", "2.proto:90:3"].map((at) => [`breaking_field_wire_compatible_type ${at}`, "string → bytes: old readers reject bytes that are not UTF-8"]),
  ...["2.proto:60:3", "2.proto:61:3"].map((at) => [`breaking_field_wire_compatible_type ${at}`, "the new enum has values old readers do not know (FULL mode)"]),
  ...["2.proto:6:3", "2.proto:7:3", "2.proto:9:3", "2.proto:10:3", "2.proto:12:3", "2.proto:13:3", "2.proto:15:3", "2.proto:16:3"].map(
    (at) => [`breaking_field_wire_json_compatible_type ${at}`, "integer values change sign or are truncated (JSON parsers reject out-of-range numbers)"],
  ),
  ...["2.proto:63:3", "2.proto:64:3"].map((at) => [`breaking_field_wire_json_compatible_type ${at}`, "the new enum has names old readers do not know (FULL mode)"]),
]);

function rulesOf(c: BufCase): readonly string[] | undefined {
  if (c.config.other.length > 0 || c.config.except || c.annotations.some((a) => a.plugin)) return undefined;
  const rules = c.config.use ?? [...new Set(c.annotations.map((a) => a.rule))];
  return rules.length > 0 && rules.every((r) => WIRE_IDS.has(r)) ? rules : undefined;
}

const key = (a: { rule: string; file?: string; line?: number; column?: number }): string =>
  a.line === undefined ? `${a.rule} ${a.file ?? ""}` : `${a.rule} ${a.file}:${a.line}:${a.column}`;

/**
 * buf annotations evt deliberately does not report, because no byte and no JSON text changes
 * (mirrored in docs/compat-rules.md). buf's FIELD_SAME_ONEOF compares oneof names; evt compares
 * which fields exclude each other: a field moved into or out of a oneof of its own, or between
 * singleton oneofs (a rename), has no companion to lose (Confluent agrees, examples #17, #21, #46, #50).
 */
const BUF_STRICTER: Readonly<Record<string, string>> = Object.fromEntries(
  ["1.proto:6:3", "1.proto:8:5", "1.proto:11:5", "1.proto:18:7", "1.proto:20:9", "1.proto:23:9", "1.proto:37:5", "1.proto:39:7", "1.proto:42:7", "2.proto:95:3", "2.proto:97:5", "2.proto:100:5"].map(
    (at) => [`breaking_field_same_oneof FIELD_SAME_ONEOF ${at}`, "a singleton oneof added, removed or renamed: no companion field, same bytes and JSON"],
  ),
);

const all = suites().buf;
const inScope = all.filter((c) => rulesOf(c) !== undefined);

describe(`buf's breaking suite (bufbuild/buf@${BUF_COMMIT.slice(0, 12)})`, () => {
  it("has the cases and annotations it had when pinned", () => {
    expect(all.length).toBe(57);
    expect(inScope.length).toBe(22);
    expect(inScope.reduce((n, c) => n + c.annotations.length, 0)).toBe(TOTAL_IN_SCOPE_ANNOTATIONS);
  });

  it.each(inScope.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const own = new Set(rulesOf(c)!);
    const toBuf = new Map<string, string>([...own].map((r) => [r, r]));
    for (const r of own) for (const e of SPLITS[r] ?? []) if (!toBuf.has(e)) toBuf.set(e, r);
    const rules = COMPAT_RULES.filter((r) => toBuf.has(r.id));
    const [before, after] = await Promise.all([catalogOfDir(c.previous), catalogOfDir(c.current)]);
    const findings = checkCompat({ before, after }, { mode: "FULL", rules });

    const expected = c.annotations.map(key);
    const unmatched = [...expected];
    const matched = new Set<string>();
    // evt may report one buf finding twice at the same token, once per direction, under the two
    // rules of a split (binary breaks one direction, JSON the other): the second is no extra.
    const take = (k: string): boolean => {
      const i = unmatched.indexOf(k);
      if (i >= 0) unmatched.splice(i, 1);
      if (i < 0 && !matched.has(k)) return false;
      matched.add(k);
      return true;
    };
    const extra: string[] = [];
    for (const f of findings) {
      const rule = toBuf.get(f.ruleId)!;
      const at = `${f.file}:${f.line}:${f.column}`;
      // buf's NoLocation annotations (a top-level type deleted) carry only the file.
      if (take(key({ rule, file: f.file, line: f.line, column: f.column })) || take(key({ rule, file: f.file }))) continue;
      if (own.has(f.ruleId) && EVT_STRICTER[`${c.name} ${at}`] === undefined) extra.push(`${f.ruleId} ${at} ${f.message}`);
    }
    const missing = unmatched.filter((k) => BUF_STRICTER[`${c.name} ${k}`] === undefined);
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it("allows no stale entry in the list of places evt is stricter", async () => {
    const cases = new Set(inScope.map((c) => c.name));
    expect([...Object.keys(EVT_STRICTER), ...Object.keys(BUF_STRICTER)].filter((k) => !cases.has(k.split(" ")[0]!))).toEqual([]);
  });
});

const TOTAL_IN_SCOPE_ANNOTATIONS = 331;
