import { describe, expect, it } from "vitest";
import { lintCatalog } from "../../../compiler/rules/lint/index.js";
import { compileProto, positionOf } from "../../helpers/compile-proto.js";
import { FILE, HEADER, LINT_FIXTURES } from "./fixtures.js";

async function lint(body: string) {
  const text = HEADER + body;
  const { catalog } = await compileProto({ [FILE]: text });
  return { text, findings: lintCatalog(catalog) };
}

describe.each(Object.entries(LINT_FIXTURES))("%s", (ruleId, fixture) => {
  it.each(fixture.trips.map((t, i) => [i, t] as const))("trip #%i reports the rule at the element", async (_i, trip) => {
    const { text, findings } = await lint(trip.proto);
    const mine = findings.filter((f) => f.ruleId === ruleId);
    const expected = trip.expect.map((e) => ({ file: FILE, ...positionOf(text, e.at, e.nth ?? 0), severity: e.severity ?? "error" }));
    expect(mine.map((f) => ({ file: f.file, line: f.line, column: f.column, severity: f.severity }))).toEqual(expected);
    for (const f of mine) {
      expect(f.layer).toBe("lint");
      expect(f.message.length).toBeGreaterThan(10);
      expect(f.element).toBeTruthy();
    }
  });

  it.each(fixture.near.map((n, i) => [i, n] as const))("near miss #%i lints clean", async (_i, near) => {
    const { findings } = await lint(near);
    expect(findings).toEqual([]);
  });
});
