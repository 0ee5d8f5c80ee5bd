/**
 * Key rules: the key path resolves to one string or integer field (the same functions decide
 * what generate emits: model/key-path.ts), is always set on a valid event, and carries no PII.
 */
import { keyPii, keyProblem, keyUnsetReason, resolveKeyPath } from "../../model/key-path.js";
import type { LintRule } from "./rule.js";

export { resolveKeyPath } from "../../model/key-path.js";

export const keyMissingField: LintRule = {
  id: "EVT_KEY_MISSING_FIELD",
  category: "KEY",
  severity: "error",
  doc: "Checks that the event key path names existing fields.",
  check: (catalog) =>
    catalog.events.flatMap((e) => {
      const p = keyProblem(e, catalog);
      return p?.kind === "missing" ? [{ position: e.optionPosition, element: e.fullName, message: p.message }] : [];
    }),
};

export const keyNotScalar: LintRule = {
  id: "EVT_KEY_NOT_SCALAR",
  category: "KEY",
  severity: "error",
  doc: "Checks that the event key is a single string or integer field (no message, repeated, map, enum, bytes, bool or float).",
  check: (catalog) =>
    catalog.events.flatMap((e) => {
      const p = keyProblem(e, catalog);
      return p?.kind === "not_scalar" ? [{ position: e.optionPosition, element: e.fullName, message: p.message }] : [];
    }),
};

export const keyMayBeUnset: LintRule = {
  id: "EVT_KEY_MAY_BE_UNSET",
  category: "KEY",
  severity: "error",
  doc: "Checks that the event key cannot be unset on a valid event (no oneof member, no optional or message field without required).",
  check: (catalog) =>
    catalog.events.flatMap((e) => {
      const r = resolveKeyPath(e, catalog);
      if (!r?.ok || keyProblem(e, catalog)) return [];
      const unset = keyUnsetReason(r.field, r.through);
      if (!unset) return [];
      const fix = unset.field.oneof ? "key on a field outside the oneof" : `mark "${unset.field.name}" required: true`;
      return [
        {
          position: e.optionPosition,
          element: e.fullName,
          message: `key "${e.key!.join(".")}" of ${e.fullName} can be absent: ${unset.reason}; such events get a null key and lose per-key ordering. Fix: ${fix}`,
        },
      ];
    }),
};

export const keyPiiRule: LintRule = {
  id: "EVT_KEY_PII",
  category: "KEY",
  severity: "error",
  doc: "Checks that the event key is not PII-classified (Kafka keys are stored and logged in clear, outside every masking policy).",
  check: (catalog) =>
    catalog.events.flatMap((e) => {
      const r = resolveKeyPath(e, catalog);
      if (!r?.ok) return [];
      const pii = keyPii(r.field, r.through);
      if (!pii) return [];
      return [
        {
          position: e.optionPosition,
          element: e.fullName,
          message: `key "${e.key!.join(".")}" of ${e.fullName} is ${pii.pii.toUpperCase()} ("${pii.field.name}"): Kafka keys are stored, logged and compacted in clear. Fix: key on a non-personal identifier (e.g. a surrogate id)`,
        },
      ];
    }),
};
