/**
 * Every compatibility rule against its fixture folder: the `after` tree trips exactly the
 * expected findings (rule and position), the `near` tree trips none of that rule (with the
 * migrations in `near/*.sql` committed, for the warehouse layer).
 */
import { describe, expect, it } from "vitest";
import { checkCompat } from "../../../compiler/rules/compat/check.js";
import { readMigrationStatements } from "../../../compiler/rules/compat/migrations-index.js";
import { COMPAT_RULES } from "../../../compiler/rules/compat/registry.js";
import { catalogOf, expectedMarkers, fixtureRules, hasSide, key, modeOf, sideDir } from "./fixture-helpers.js";

const withFixture = COMPAT_RULES.filter((r) => fixtureRules().includes(r.id));

describe.each(withFixture.map((r) => [r.id, r] as const))("%s", (id) => {
  it("trips on after/ at the marked positions", async () => {
    const [before, after] = await Promise.all([catalogOf(id, "before"), catalogOf(id, "after")]);
    const mode = modeOf(id, "after");
    const findings = checkCompat({ before: before.catalog, after: after.catalog }, mode ? { mode } : {}).filter((f) => f.ruleId === id);
    const expected = [...expectedMarkers(id, "after"), ...expectedMarkers(id, "before")].map(key).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(findings.map((f) => key(f)).sort()).toEqual(expected);
    for (const f of findings) {
      expect(f.message).toMatch(/\.$/);
      expect(f.element).toBeTruthy();
    }
  });

  it.runIf(hasSide(id, "near"))("stays quiet on the near miss", async () => {
    const [before, near] = await Promise.all([catalogOf(id, "before"), catalogOf(id, "near")]);
    const mode = modeOf(id, "near");
    // near/*.sql: migrations already committed (a warehouse change passes once its migration exists).
    const migrations = readMigrationStatements(sideDir(id, "near"));
    const findings = checkCompat({ before: before.catalog, after: near.catalog }, { ...(mode ? { mode } : {}), migrations }).filter((f) => f.ruleId === id);
    expect(findings).toEqual([]);
  });
});
