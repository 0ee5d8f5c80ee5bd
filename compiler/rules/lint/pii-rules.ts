/**
 * PII classification only where a value can carry personal data (docs/decisions.md D7):
 * - no class on measurements (float, double, their wrappers, Duration): one number alone does not
 *   identify a person; classify the message that does (a location is a GeoPoint, classified whole);
 * - no `personal` on closed value sets (bool, BoolValue, enum): two or a few contract-defined values
 *   cannot identify anybody; special-category attributes (a health flag) are `sensitive`, allowed.
 */
import type { FieldModel, PiiClass } from "../../model/catalog.js";
import type { LintRule } from "./rule.js";

function piiTypeProblem(field: FieldModel, pii: PiiClass): string | undefined {
  if (pii === "none") return undefined;
  const t = field.type;
  const measurement =
    (t.kind === "scalar" && (t.scalar === "float" || t.scalar === "double")) ||
    (t.kind === "message" && (t.wellKnown === "float_value" || t.wellKnown === "double_value" || t.wellKnown === "duration"));
  if (measurement) {
    const what = t.kind === "scalar" ? t.scalar : t.wellKnown === "duration" ? "Duration" : t.typeName;
    return `${what} is a measurement and cannot identify a person; classify the message that carries the personal data`;
  }
  const closed = (t.kind === "scalar" && t.scalar === "bool") || (t.kind === "message" && t.wellKnown === "bool_value") || t.kind === "enum";
  if (closed && pii === "personal") {
    return `${t.kind === "enum" ? "an enum" : "a bool"} has a closed set of values and cannot identify a person; use SENSITIVE for special-category attributes`;
  }
  return undefined;
}

export const piiType: LintRule = {
  id: "EVT_PII_TYPE",
  category: "PII",
  severity: "error",
  doc: "Checks that PII classifications sit on fields whose type can carry personal data.",
  check: (catalog) =>
    Object.values(catalog.messages).flatMap((m) =>
      m.fields.flatMap((f) => {
        const problem = piiTypeProblem(f, f.pii);
        return problem
          ? [{ position: f.position, element: `${m.fullName}.${f.name}`, message: `${m.fullName}.${f.name} is classified ${f.pii.toUpperCase()} but ${problem}` }]
          : [];
      }),
    ),
};
