/** Ownership: every event names its owning team. */
import type { LintRule } from "./rule.js";

export const ownerMissing: LintRule = {
  id: "EVT_OWNER_MISSING",
  category: "OWNERSHIP",
  severity: "error",
  doc: "Checks that every event names an owning team.",
  check: (catalog) =>
    catalog.events
      .filter((e) => e.owner.trim() === "")
      .map((e) => ({ position: e.optionPosition, element: e.fullName, message: `event ${e.fullName} has no owner` })),
};
