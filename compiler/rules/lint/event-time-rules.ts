/** Event-time rule: `event_time` names a singular google.protobuf.Timestamp field (Flink watermarks read it). */
import type { FieldModel } from "../../model/catalog.js";
import { resolveFieldPath } from "../../model/field-path.js";
import type { LintRule } from "./rule.js";

function notTimestampReason(field: FieldModel, through: readonly FieldModel[]): string | undefined {
  const repeatedParent = through.find((f) => f.repeated);
  if (repeatedParent) return `it goes through repeated field "${repeatedParent.name}"`;
  if (field.repeated || field.type.kind === "map") return `"${field.name}" is repeated`;
  if (field.type.kind === "message" && field.type.wellKnown === "timestamp") return undefined;
  const type = field.type.kind === "scalar" ? field.type.scalar : field.type.typeName;
  return `"${field.name}" is ${type}, not google.protobuf.Timestamp`;
}

export const eventTimeField: LintRule = {
  id: "EVT_EVENT_TIME_FIELD",
  category: "EVENT_TIME",
  severity: "error",
  doc: "Checks that an event's event_time names a singular google.protobuf.Timestamp field.",
  check: (catalog) =>
    catalog.events.flatMap((e) => {
      if (!e.eventTime) return [];
      const r = resolveFieldPath(e.message, e.eventTime, catalog);
      const reason = r.ok ? notTimestampReason(r.field, r.through) : `it does not resolve: ${r.reason}`;
      return reason
        ? [{ position: e.optionPosition, element: e.fullName, message: `event_time "${e.eventTime.join(".")}" of ${e.fullName} is not a Timestamp field: ${reason}` }]
        : [];
    }),
};
