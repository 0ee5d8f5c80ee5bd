/**
 * The event key, resolved once for every reader: lint's key rules and the generated `keyOf`
 * (emit/ts/contracts.ts) use these functions, so what lint accepts is exactly what generate can
 * emit (issue 9 item 5). On the wire a key is UTF-8 for strings and decimal for integers
 * (DESIGN "On the wire"), so only string and integer fields qualify.
 */
import type { Catalog, EventModel, FieldModel, PiiClass, SourcePosition } from "./catalog.js";

const KEY_SCALARS = new Set([
  "string", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64",
]);

export type KeyResolution =
  | { readonly ok: true; readonly field: FieldModel; readonly through: readonly FieldModel[] }
  | { readonly ok: false; readonly reason: string };

/** Walks `key` through the event's message; intermediate segments must be singular messages. Undefined without a key. */
export function resolveKeyPath(event: EventModel, catalog: Catalog): KeyResolution | undefined {
  if (!event.key) return undefined;
  let msg = event.message;
  const through: FieldModel[] = [];
  for (let i = 0; i < event.key.length; i++) {
    const seg = event.key[i]!;
    const field = msg.fields.find((f) => f.name === seg);
    if (!field) return { ok: false, reason: `${msg.fullName} has no field "${seg}"` };
    if (i === event.key.length - 1) return { ok: true, field, through };
    through.push(field);
    if (field.type.kind !== "message" || field.type.wellKnown) {
      return { ok: false, reason: `"${seg}" is not a message, so "${event.key.slice(i + 1).join(".")}" cannot be inside it` };
    }
    const next = catalog.messages[field.type.typeName];
    if (!next) return { ok: false, reason: `message ${field.type.typeName} of "${seg}" is not in the catalog` };
    msg = next;
  }
  return undefined;
}

/** Why the resolved key field cannot be encoded as a key (string or integer), or undefined. */
export function keyNotScalarReason(field: FieldModel, through: readonly FieldModel[]): string | undefined {
  const repeatedParent = through.find((f) => f.repeated || f.type.kind === "map");
  if (repeatedParent) return `it goes through repeated field "${repeatedParent.name}"`;
  if (field.type.kind === "map") return `"${field.name}" is a map`;
  if (field.repeated) return `"${field.name}" is repeated`;
  if (field.type.kind === "enum") return `"${field.name}" is an enum; key on a string or integer field`;
  if (field.type.kind === "message") return `"${field.name}" is a message (${field.type.typeName}); key on a string or integer field`;
  if (!KEY_SCALARS.has(field.type.scalar)) return `"${field.name}" is ${field.type.scalar}; keys must be string or integer`;
  return undefined;
}

/** A key that cannot be emitted at all: unresolvable or not a string/integer. Lint reports it; generate refuses it. */
export function keyProblem(event: EventModel, catalog: Catalog): { readonly kind: "missing" | "not_scalar"; readonly message: string } | undefined {
  const r = resolveKeyPath(event, catalog);
  if (!r) return undefined;
  const key = (event.key ?? []).join(".");
  if (!r.ok) return { kind: "missing", message: `key "${key}" of ${event.fullName} does not resolve: ${r.reason}` };
  const reason = keyNotScalarReason(r.field, r.through);
  return reason ? { kind: "not_scalar", message: `key "${key}" of ${event.fullName} is not a scalar: ${reason}` } : undefined;
}

/**
 * Why a valid event can still have no key value, or undefined: a field on the path that is a
 * oneof member (another member may be set), or has explicit presence (proto3 `optional`, a
 * message) without `required` (the producer only enforces `required`).
 */
export function keyUnsetReason(field: FieldModel, through: readonly FieldModel[]): { readonly field: FieldModel; readonly reason: string } | undefined {
  for (const f of [...through, field]) {
    if (f.oneof) return { field: f, reason: `"${f.name}" is a member of oneof ${f.oneof}, so it is unset whenever another member is set` };
    if (f.required) continue;
    if (f.type.kind === "message") return { field: f, reason: `"${f.name}" is a message field without required: true, so it can be unset` };
    if (f.optional) return { field: f, reason: `"${f.name}" is proto3 optional without required: true, so it can be unset` };
  }
  return undefined;
}

/** The highest PII class on the key's path (a classified parent classifies what is inside it). */
export function keyPii(field: FieldModel, through: readonly FieldModel[]): { readonly field: FieldModel; readonly pii: PiiClass } | undefined {
  const rank: Record<PiiClass, number> = { none: 0, personal: 1, sensitive: 2 };
  let worst: { field: FieldModel; pii: PiiClass } | undefined;
  for (const f of [...through, field]) if (rank[f.pii] > rank[worst?.pii ?? "none"]) worst = { field: f, pii: f.pii };
  return worst;
}

/** Where a key finding points: the event option (the key is written there). */
export const keyPosition = (event: EventModel): SourcePosition => event.optionPosition;
