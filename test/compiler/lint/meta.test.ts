import { describe, expect, it } from "vitest";
import { LINT_RULES } from "../../../compiler/rules/lint/index.js";
import { LINT_FIXTURES } from "./fixtures.js";

describe("lint rule registry", () => {
  it("has a fixture (a trip and a near miss) for every registered rule", () => {
    const missing = LINT_RULES.map((r) => r.id).filter((id) => {
      const f = LINT_FIXTURES[id];
      return !f || f.trips.length === 0 || f.near.length === 0;
    });
    expect(missing).toEqual([]);
  });

  it("has no fixture for a rule that is not registered", () => {
    const ids = new Set(LINT_RULES.map((r) => r.id));
    expect(Object.keys(LINT_FIXTURES).filter((id) => !ids.has(id))).toEqual([]);
  });

  it("uses unique EVT_ SCREAMING_SNAKE ids with a one-sentence doc", () => {
    const ids = LINT_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of LINT_RULES) {
      expect(r.id).toMatch(/^EVT_[A-Z0-9_]+$/);
      expect(r.doc).toMatch(/^Checks that .+\.$/);
    }
  });
});
