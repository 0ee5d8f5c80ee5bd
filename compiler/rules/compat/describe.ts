/** Shared wording and small lookups for compatibility rules (past-tense messages, positions). */
import type { Catalog, ExtensionModel, FieldModel, FieldType, NumberRange, SourcePosition, Tokens } from "../../model/catalog.js";
import { survivingParent } from "./pairing.js";
import type { Direction } from "./types.js";

/** `Field "3" with name "store_id" on message "OrderPlaced"` (buf's wording). */
export function fieldDescription(field: FieldModel, messageFullName: string): string {
  return `${fieldKind(field)} "${field.number}" with name "${field.name}" on message "${shortName(messageFullName)}"`;
}

export const isExtension = (f: FieldModel): f is ExtensionModel => "extendee" in f;

/** "Field", or "Extension" for an extension field. */
export function fieldKind(f: FieldModel): string {
  return isExtension(f) ? "Extension" : "Field";
}

/** A field's element name: `pkg.Message.field`, or `pkg.Extendee.[pkg.ext]` (its JSON key) for an extension. */
export function fieldElement(messageFullName: string, f: FieldModel): string {
  return isExtension(f) ? `${messageFullName}.[${f.fullName}]` : `${messageFullName}.${f.name}`;
}

export function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf(".") + 1);
}

export function prettyType(t: FieldType): string {
  switch (t.kind) {
    case "scalar":
      return t.scalar;
    case "enum":
    case "message":
      return t.typeName;
    case "map":
      return `map<${t.key}, ${prettyType(t.value)}>`;
  }
}

/** How a direction reads in a message. */
export const DIRECTION_PHRASE: Record<Direction, string> = {
  backward: "new readers of older data",
  forward: "old readers of newer data",
};

export function inRanges(n: number, ranges: readonly NumberRange[]): boolean {
  return ranges.some((r) => n >= r.start && n <= r.end);
}

/** Whether every number of `range` lies in the union of `ranges`. */
export function rangeCovered(range: NumberRange, ranges: readonly NumberRange[]): boolean {
  let next = range.start;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (const r of sorted) {
    if (r.start > next) break;
    if (r.end >= next) next = r.end + 1;
    if (next > range.end) return true;
  }
  return next > range.end;
}

export function formatRange(r: NumberRange): string {
  return r.start === r.end ? `${r.start}` : `${r.start} to ${r.end}`;
}

/**
 * Where a deleted type is reported: its nearest surviving enclosing message in the after tree,
 * else its file's package statement in the after tree, else its old position.
 */
export function deletionPosition(after: Catalog, fullName: string, file: string, old: SourcePosition): SourcePosition {
  const parent = survivingParent(after, fullName);
  if (parent) return after.messages[parent]!.position;
  const f = after.fileModels?.[file];
  return f ? f.packagePosition : old;
}

/** Where buf points for `token` of an element (its name, type, an option…), else the element. */
export function tokenAt(el: { readonly position: SourcePosition; readonly tokens?: Tokens }, token: keyof Tokens): SourcePosition {
  return el.tokens?.[token] ?? el.position;
}
