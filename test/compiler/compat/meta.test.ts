/** Every registered compatibility rule has a fixture folder with before/, after/ and near/; IDs are unique. */
import { describe, expect, it } from "vitest";
import { COMPAT_RULES } from "../../../compiler/rules/compat/registry.js";
import { expectedMarkers, fixtureRules, hasSide } from "./fixture-helpers.js";

describe("compat rule registry", () => {
  it("has unique SCREAMING_SNAKE ids, a layer, a category and a one-sentence doc", () => {
    const ids = COMPAT_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of COMPAT_RULES) {
      expect(r.id).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(["wire", "contract", "warehouse"]).toContain(r.layer);
      expect(r.category).toMatch(/^[A-Z_]+$/);
      expect(r.doc).toMatch(/^Checks that .+\.$/);
    }
  });

  it("has a fixture (before, after with @expect markers, near) for every rule", () => {
    const missing = COMPAT_RULES.filter(
      (r) => !fixtureRules().includes(r.id) || !hasSide(r.id, "before") || !hasSide(r.id, "after") || !hasSide(r.id, "near") ||
        expectedMarkers(r.id, "after").length + expectedMarkers(r.id, "before").length === 0,
    ).map((r) => r.id);
    expect(missing).toEqual([]);
  });

  it("documents every rule in docs/compat-rules.md", async () => {
    const { readFileSync } = await import("node:fs");
    const { REPO_ROOT } = await import("../../helpers/compile-proto.js");
    const doc = readFileSync(`${REPO_ROOT}/docs/compat-rules.md`, "utf8");
    expect(COMPAT_RULES.filter((r) => !doc.includes(`| \`${r.id}\` | ${r.layer} | ${r.category} |`)).map((r) => r.id)).toEqual([]);
  });

  it("has no fixture folder for a rule that does not exist", () => {
    const ids = new Set(COMPAT_RULES.map((r) => r.id));
    expect(fixtureRules().filter((d) => !ids.has(d))).toEqual([]);
  });

  it("covers every rule of buf's WIRE and WIRE_JSON categories (as reported by the installed buf)", async () => {
    const { runBuf } = await import("../../../compiler/load/buf-build.js");
    const res = await runBuf(["config", "ls-breaking-rules", "--version", "v2", "--format", "json"], process.cwd());
    const bufRules = res.stdout
      .toString()
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { id: string; categories?: string[] })
      .filter((r) => (r.categories ?? []).some((c) => c === "WIRE" || c === "WIRE_JSON"))
      .map((r) => r.id);
    expect(bufRules.length).toBeGreaterThan(20);
    const ours = new Set(COMPAT_RULES.map((r) => r.id));
    expect(bufRules.filter((id) => !ours.has(id))).toEqual([]);
  });
});
