/**
 * Resolving a dotted field path (`courier.courier_id`) inside a message: the event key and the
 * event-time field are both written this way. Intermediate segments must be singular,
 * non-well-known messages.
 */
import type { Catalog, FieldModel, MessageModel } from "./catalog.js";

export type FieldPathResolution =
  | { readonly ok: true; readonly field: FieldModel; readonly through: readonly FieldModel[] }
  | { readonly ok: false; readonly reason: string };

export function resolveFieldPath(message: MessageModel, segments: readonly string[], catalog: Catalog): FieldPathResolution {
  let msg = message;
  const through: FieldModel[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const field = msg.fields.find((f) => f.name === seg);
    if (!field) return { ok: false, reason: `${msg.fullName} has no field "${seg}"` };
    if (i === segments.length - 1) return { ok: true, field, through };
    through.push(field);
    if (field.type.kind !== "message" || field.type.wellKnown) {
      return { ok: false, reason: `"${seg}" is not a message, so "${segments.slice(i + 1).join(".")}" cannot be inside it` };
    }
    const next = catalog.messages[field.type.typeName];
    if (!next) return { ok: false, reason: `message ${field.type.typeName} of "${seg}" is not in the catalog` };
    msg = next;
  }
  return { ok: false, reason: "the path is empty" };
}
