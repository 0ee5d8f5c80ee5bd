/** Key rules: the key path resolves to one scalar the producer can encode (string or integer). */
import type { Catalog, EventModel, FieldModel } from "../../model/catalog.js";
import { resolveFieldPath, type FieldPathResolution } from "../../model/field-path.js";
import type { LintRule } from "./rule.js";

/** Key encodings on the wire: UTF-8 for strings, decimal for integers (DESIGN "On the wire"). */
const KEY_SCALARS = new Set([
  "string", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64",
]);

/** Walks `key` through the event's message; intermediate segments must be singular messages. */
export function resolveKeyPath(event: EventModel, catalog: Catalog): FieldPathResolution | undefined {
  return event.key ? resolveFieldPath(event.message, event.key, catalog) : undefined;
}

function keyText(e: EventModel): string {
  return (e.key ?? []).join(".");
}

export const keyMissingField: LintRule = {
  id: "EVT_KEY_MISSING_FIELD",
  category: "KEY",
  severity: "error",
  doc: "Checks that the event key path names existing fields.",
  check: (catalog) =>
    catalog.events.flatMap((e) => {
      const r = resolveKeyPath(e, catalog);
      if (!r || r.ok) return [];
      return [{ position: e.optionPosition, element: e.fullName, message: `key "${keyText(e)}" of ${e.fullName} does not resolve: ${r.reason}` }];
    }),
};

function notScalarReason(field: FieldModel, through: readonly FieldModel[]): string | undefined {
  const repeatedParent = through.find((f) => f.repeated);
  if (repeatedParent) return `it goes through repeated field "${repeatedParent.name}"`;
  if (field.type.kind === "map") return `"${field.name}" is a map`;
  if (field.repeated) return `"${field.name}" is repeated`;
  if (field.type.kind === "enum") return `"${field.name}" is an enum`;
  if (field.type.kind === "message") return `"${field.name}" is a message (${field.type.typeName})`;
  if (!KEY_SCALARS.has(field.type.scalar)) return `"${field.name}" is ${field.type.scalar}; keys must be string or integer`;
  return undefined;
}

export const keyNotScalar: LintRule = {
  id: "EVT_KEY_NOT_SCALAR",
  category: "KEY",
  severity: "error",
  doc: "Checks that the event key is a single string or integer field (no message, repeated, map, enum, bytes, bool or float).",
  check: (catalog) =>
    catalog.events.flatMap((e) => {
      const r = resolveKeyPath(e, catalog);
      if (!r || !r.ok) return [];
      const reason = notScalarReason(r.field, r.through);
      return reason ? [{ position: e.optionPosition, element: e.fullName, message: `key "${keyText(e)}" of ${e.fullName} is not a scalar: ${reason}` }] : [];
    }),
};
