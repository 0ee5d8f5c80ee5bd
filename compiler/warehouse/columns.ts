/**
 * The columns a sink table gets from an event's fields (before evt's `EVT_*` metadata columns):
 * one per field (name = `column` override or UPPER_SNAKE), one per oneof member plus
 * `<ONEOF>_CASE`, and with `flatten_nested` a `PARENT__CHILD` column per nested scalar.
 */
import type { Catalog, FieldModel, MessageModel, SourcePosition } from "../model/catalog.js";
import { upperSnake } from "./identifiers.js";

export interface ColumnSource {
  readonly name: string;
  /** Proto field path from the event message (empty for a oneof case column). */
  readonly path: readonly string[];
  /** The field the column comes from; undefined for `<ONEOF>_CASE`. */
  readonly field?: FieldModel;
  /** Full name of the element that defines the column (`pkg.Msg.field` or `pkg.Msg.<oneof>`). */
  readonly element: string;
  /** The oneof the column belongs to: set on `<ONEOF>_CASE` and on the columns of its members. */
  readonly oneof?: string;
  readonly position: SourcePosition;
}

export function columnNameOf(field: FieldModel): string {
  return field.column ?? upperSnake(field.name);
}

function flattenable(field: FieldModel, catalog: Catalog): MessageModel | undefined {
  if (field.repeated || field.type.kind !== "message" || field.type.wellKnown) return undefined;
  return catalog.messages[field.type.typeName];
}

/**
 * Layouts by catalog and message: lint's warehouse rules, its sink rules and generate's sink
 * tables ask for the same ones (models are immutable; a message model can be shared by two
 * catalogs, and flattening reads the catalog, hence both keys).
 */
const layouts = new WeakMap<Catalog, WeakMap<MessageModel, { plain?: readonly ColumnSource[]; flat?: readonly ColumnSource[] }>>();

export function eventColumns(message: MessageModel, catalog: Catalog, options: { readonly flatten: boolean }): readonly ColumnSource[] {
  let byMessage = layouts.get(catalog);
  if (!byMessage) layouts.set(catalog, (byMessage = new WeakMap()));
  let entry = byMessage.get(message);
  if (!entry) byMessage.set(message, (entry = {}));
  const key = options.flatten ? "flat" : "plain";
  return (entry[key] ??= layoutOf(message, catalog, options.flatten));
}

function layoutOf(message: MessageModel, catalog: Catalog, flatten: boolean): ColumnSource[] {
  const options = { flatten };
  const out: ColumnSource[] = [];
  const walk = (msg: MessageModel, prefix: string, path: readonly string[], seen: ReadonlySet<string>): void => {
    const oneofsDone = new Set<string>();
    for (const field of msg.fields) {
      const name = prefix + columnNameOf(field);
      const nested = options.flatten ? flattenable(field, catalog) : undefined;
      // A recursive message cannot be flattened forever: the cycle stays one VARIANT column.
      if (nested && !seen.has(nested.fullName)) {
        walk(nested, `${name}__`, [...path, field.name], new Set([...seen, nested.fullName]));
      } else {
        out.push({ name, path: [...path, field.name], field, element: `${msg.fullName}.${field.name}`, ...(field.oneof ? { oneof: field.oneof } : {}), position: field.position });
      }
      if (field.oneof && !oneofsDone.has(field.oneof)) {
        oneofsDone.add(field.oneof);
        out.push({ name: `${prefix}${upperSnake(field.oneof)}_CASE`, path, element: `${msg.fullName}.${field.oneof}`, oneof: field.oneof, position: field.position });
      }
    }
  };
  walk(message, "", [], new Set([message.fullName]));
  return out;
}
