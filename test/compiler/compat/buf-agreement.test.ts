/**
 * Agreement with buf: on every fixture pair (before→after and before→near), when
 * `buf breaking --against <before>` with the WIRE_JSON category reports a breaking change, evt in
 * FULL mode reports at least one blocking wire/JSON finding too. (evt may report more: it judges
 * truncation and sign changes that buf's groups allow, and has contract/warehouse layers.)
 */
import { describe, expect, it } from "vitest";
import { runBuf } from "../../../compiler/load/buf-build.js";
import { loadCatalog } from "../../../compiler/model/build-catalog.js";
import { checkCompat } from "../../../compiler/rules/compat/check.js";
import { fixtureRules, hasSide, materialize, type Side } from "./fixture-helpers.js";

const CONFIG = JSON.stringify({ version: "v2", breaking: { use: ["WIRE_JSON"] } });

interface BufFinding {
  readonly type: string;
  readonly message: string;
}

async function bufBreaking(after: string, before: string): Promise<BufFinding[]> {
  const res = await runBuf(["breaking", ".", "--against", before, "--config", CONFIG, "--error-format", "json"], after);
  if (res.code !== 0 && res.code !== 100) throw new Error(`buf breaking failed (${res.code}): ${res.stderr}`);
  return res.stdout
    .toString()
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as BufFinding);
}

const cases = fixtureRules().flatMap((rule) =>
  (["after", "near"] as const).filter((side) => hasSide(rule, side)).map((side) => [`${rule} ${side}`, rule, side] as const),
);

describe("agreement with buf breaking (WIRE_JSON)", () => {
  let bufReported = 0;
  it.each(cases)("%s", async (_name, rule, side: Side) => {
    const beforeDir = materialize(rule, "before");
    const afterDir = materialize(rule, side);
    const buf = await bufBreaking(afterDir, beforeDir);
    if (buf.length === 0) return;
    bufReported++;
    if (DELIBERATE[`${rule} ${side}`]) return; // evt is right where buf reports (docs/compat-rules.md)
    const [before, after] = await Promise.all([loadCatalog(beforeDir, ""), loadCatalog(afterDir, "")]);
    const ours = checkCompat({ before: before.catalog, after: after.catalog }, { mode: "FULL" }).filter(
      (f) => f.layer === "wire" && f.severity === "error",
    );
    expect(ours.length, `buf reported ${buf.map((b) => b.type).join(", ")}; evt reported nothing`).toBeGreaterThan(0);
    // Every buf rule that fired and that evt implements under the same ID fires in evt too.
    const ourIds = new Set(ours.map((f) => f.ruleId));
    const sameIdMissing = buf.map((b) => b.type).filter((t) => !ourIds.has(t) && !EQUIVALENT[t]?.some((e) => ourIds.has(e)));
    expect(sameIdMissing).toEqual([]);
  });

  it("exercised buf on a meaningful number of pairs", () => {
    expect(bufReported).toBeGreaterThan(15);
  });
});

/**
 * Pairs where buf reports and evt deliberately does not, because no byte and no JSON text changes
 * (docs/compat-rules.md, "What is compared, and how"; decisions D59).
 */
const DELIBERATE: Readonly<Record<string, string>> = {
  "FIELD_SAME_ONEOF near": "a oneof renamed with the same members and a field moved into a oneof of its own",
};

/**
 * Where evt splits a buf rule differently: a wire-incompatible change is reported once by the
 * WIRE rule, so buf's WIRE_JSON rule for the same change maps to it.
 */
const EQUIVALENT: Readonly<Record<string, readonly string[]>> = {
  FIELD_WIRE_JSON_COMPATIBLE_TYPE: ["FIELD_WIRE_COMPATIBLE_TYPE"],
  FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY: ["FIELD_WIRE_COMPATIBLE_CARDINALITY", "FIELD_WIRE_COMPATIBLE_TYPE"],
  FIELD_WIRE_COMPATIBLE_CARDINALITY: ["FIELD_WIRE_COMPATIBLE_TYPE"],
};
