/** Wire / JSON rules over field pairs (fields paired by number inside a message present on both sides). */
import { fieldDescription, fieldElement, fieldKind, inRanges, isExtension, prettyType, shortName, tokenAt } from "../describe.js";
import type { FieldModel } from "../../../model/catalog.js";
import { defineRule, type FieldPair, type Violation } from "../types.js";
import { breakingDirections, cardinalityReadings, typeReadings } from "./field-types.js";
import { effectiveDefault, sameDefault } from "./field-defaults.js";

const element = (p: FieldPair, name: string): string => {
  const f = p.after?.name === name ? p.after : p.before;
  return f ? fieldElement(p.message.name, f) : `${p.message.name}.${name}`;
};

/** The type as a message names it; delimited (group-encoded) messages say so. */
const typeLabel = (f: FieldModel): string => `${prettyType(f.type)}${f.delimited ? " (delimited)" : ""}`;

function hasDirections(d: Partial<Record<string, string>>): boolean {
  return Object.keys(d).length > 0;
}

export const FIELD_WIRE_COMPATIBLE_TYPE = defineRule({
  id: "FIELD_WIRE_COMPATIBLE_TYPE",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that a field's type change keeps every value readable in the binary format, in the directions the mode checks.",
  subject: "field",
  check(p, ctx): Violation[] {
    if (!p.before || !p.after) return [];
    const directions = breakingDirections(typeReadings("wire", p.before, p.after, ctx));
    if (!hasDirections(directions)) return [];
    return [{
      message: `${fieldDescription(p.after, p.message.name)} changed type from "${typeLabel(p.before)}" to "${typeLabel(p.after)}"`,
      at: tokenAt(p.after, "type"),
      element: element(p, p.after.name),
      directions,
    }];
  },
});

export const FIELD_WIRE_JSON_COMPATIBLE_TYPE = defineRule({
  id: "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
  layer: "wire",
  category: "WIRE_JSON",
  doc: "Checks that a field's type change that the binary format tolerates also keeps its values readable in the proto3 JSON mapping.",
  subject: "field",
  check(p, ctx): Violation[] {
    if (!p.before || !p.after) return [];
    const wire = typeReadings("wire", p.before, p.after, ctx);
    const directions = breakingDirections(typeReadings("json", p.before, p.after, ctx), wire);
    if (!hasDirections(directions)) return [];
    return [{
      message: `${fieldDescription(p.after, p.message.name)} changed type from "${typeLabel(p.before)}" to "${typeLabel(p.after)}", which JSON encodes differently`,
      at: tokenAt(p.after, "type"),
      element: element(p, p.after.name),
      directions,
    }];
  },
});

export const FIELD_WIRE_COMPATIBLE_CARDINALITY = defineRule({
  id: "FIELD_WIRE_COMPATIBLE_CARDINALITY",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that a field's cardinality change (implicit, optional, required, repeated) keeps values readable in the binary format.",
  subject: "field",
  check(p): Violation[] {
    if (!p.before || !p.after) return [];
    const directions = breakingDirections(cardinalityReadings("wire", p.before, p.after));
    if (!hasDirections(directions)) return [];
    return [{
      message: `${fieldDescription(p.after, p.message.name)} changed cardinality from "${p.before.cardinality}" to "${p.after.cardinality}"`,
      at: p.after.position,
      element: element(p, p.after.name),
      directions,
    }];
  },
});

export const FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY = defineRule({
  id: "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
  layer: "wire",
  category: "WIRE_JSON",
  doc: "Checks that a field's cardinality change that the binary format tolerates (singular ↔ repeated) also keeps its JSON shape.",
  subject: "field",
  check(p): Violation[] {
    if (!p.before || !p.after) return [];
    const wire = cardinalityReadings("wire", p.before, p.after);
    const directions = breakingDirections(cardinalityReadings("json", p.before, p.after), wire);
    if (!hasDirections(directions)) return [];
    return [{
      message: `${fieldDescription(p.after, p.message.name)} changed cardinality from "${p.before.cardinality}" to "${p.after.cardinality}", which JSON encodes differently`,
      at: p.after.position,
      element: element(p, p.after.name),
      directions,
    }];
  },
});

export const FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED = defineRule({
  id: "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that a field is not deleted unless its number is reserved, so the number is never reused with another meaning.",
  subject: "field",
  check(p): Violation[] {
    if (!p.before || p.after || inRanges(p.number, p.message.after.reservedRanges)) return [];
    return [{
      message: `Previously present ${lower(fieldDescription(p.before, p.message.name))} was deleted without reserving the number "${p.number}"`,
      at: p.message.after.position,
      element: element(p, p.before.name),
    }];
  },
});

export const FIELD_NO_DELETE_UNLESS_NAME_RESERVED = defineRule({
  id: "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
  layer: "wire",
  category: "WIRE_JSON",
  doc: "Checks that a field is not deleted unless its name is reserved, so JSON keys keep one meaning.",
  subject: "field",
  check(p): Violation[] {
    if (!p.before || p.after || p.message.after.reservedNames.includes(p.before.name)) return [];
    return [{
      message: `Previously present ${lower(fieldDescription(p.before, p.message.name))} was deleted without reserving the name "${p.before.name}"`,
      at: p.message.after.position,
      element: element(p, p.before.name),
    }];
  },
});

export const FIELD_NO_REUSE_RESERVED = defineRule({
  id: "FIELD_NO_REUSE_RESERVED",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that a new field does not take a number or name the previous version reserved (evt; the reservation's removal alone is RESERVED_MESSAGE_NO_DELETE).",
  subject: "field",
  check(p): Violation[] {
    if (p.before || !p.after) return [];
    const out: Violation[] = [];
    if (inRanges(p.number, p.message.before.reservedRanges)) {
      out.push({ message: `${fieldDescription(p.after, p.message.name)} reused number "${p.number}", which was reserved`, at: p.after.position, element: element(p, p.after.name) });
    } else if (p.message.before.reservedNames.includes(p.after.name)) {
      out.push({ message: `${fieldDescription(p.after, p.message.name)} reused name "${p.after.name}", which was reserved`, at: p.after.position, element: element(p, p.after.name) });
    }
    return out;
  },
});

export const FIELD_SAME_NAME = defineRule({
  id: "FIELD_SAME_NAME",
  layer: "wire",
  category: "WIRE_JSON",
  doc: "Checks that a field keeps its name (JSON parsers accept the proto name as a key).",
  subject: "field",
  check(p): Violation[] {
    if (!p.before || !p.after) return [];
    // An extension's name is its full name: JSON writes it as the key "[pkg.name]".
    const [b, a] = isExtension(p.before) && isExtension(p.after) ? [p.before.fullName, p.after.fullName] : [p.before.name, p.after.name];
    if (a === b) return [];
    return [{
      message: `${fieldKind(p.after)} "${p.number}" on message "${shortName(p.message.name)}" changed name from "${b}" to "${a}"`,
      at: tokenAt(p.after, "name"),
      element: element(p, p.after.name),
    }];
  },
});

export const FIELD_SAME_JSON_NAME = defineRule({
  id: "FIELD_SAME_JSON_NAME",
  layer: "wire",
  category: "WIRE_JSON",
  doc: "Checks that a field keeps its JSON name (the key JSON writers emit).",
  subject: "field",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.jsonName === p.after.jsonName) return [];
    return [{
      message: `${fieldDescription(p.after, p.message.name)} changed JSON name from "${p.before.jsonName}" to "${p.after.jsonName}"`,
      at: tokenAt(p.after, "jsonName"),
      element: element(p, p.after.name),
    }];
  },
});

export const FIELD_SAME_ONEOF = defineRule({
  id: "FIELD_SAME_ONEOF",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that a field keeps the oneof companions it had: fields set independently must not come to share a oneof, nor the reverse.",
  subject: "field",
  check(p): Violation[] {
    // A field that stays in its oneof is not reported: its companions' moves are, on them.
    if (!p.before || !p.after || p.before.oneof === p.after.oneof) return [];
    // Neither format carries a oneof's name: what readers notice is which fields exclude each other.
    const was = companions(p.message.before.fields, p.before);
    const is = companions(p.message.after.fields, p.after);
    const existed = new Set(p.message.before.fields.map((f) => f.number));
    const exists = new Set(p.message.after.fields.map((f) => f.number));
    const joined = [...is].filter((n) => !was.has(n) && existed.has(n));
    const parted = [...was].filter((n) => !is.has(n) && exists.has(n));
    if (joined.length === 0 && parted.length === 0) return []; // a oneof renamed, or a field moved into a oneof of its own
    const directions: Partial<Record<"backward" | "forward", string>> = {};
    if (joined.length > 0) directions.backward = `older data may set it together with field${plural(joined)} ${joined.join(", ")}, now in its oneof: only the last one is kept`;
    if (parted.length > 0) directions.forward = `newer data may set it together with field${plural(parted)} ${parted.join(", ")}, in its oneof for old readers: only the last one is kept`;
    const desc = fieldDescription(p.after, p.message.name);
    const move =
      p.before.oneof === undefined ? `moved into oneof "${p.after.oneof}"`
      : p.after.oneof === undefined ? `moved out of oneof "${p.before.oneof}"`
      : `moved from oneof "${p.before.oneof}" to oneof "${p.after.oneof}"`;
    return [{ message: `${desc} ${move}`, at: p.after.position, element: element(p, p.after.name), directions }];
  },
});

/** Numbers of the other fields in `f`'s oneof (none when it is in no oneof). */
function companions(fields: readonly FieldModel[], f: FieldModel): Set<number> {
  return new Set(f.oneof === undefined ? [] : fields.filter((g) => g.oneof === f.oneof && g.number !== f.number).map((g) => g.number));
}

const plural = (xs: readonly unknown[]): string => (xs.length > 1 ? "s" : "");

export const FIELD_SAME_DEFAULT = defineRule({
  id: "FIELD_SAME_DEFAULT",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that a field keeps the value of its default (proto2 and editions), which readers substitute for absent values.",
  subject: "field",
  check(p, ctx): Violation[] {
    if (!p.before || !p.after) return [];
    const b = effectiveDefault(p.before, ctx.before);
    const a = effectiveDefault(p.after, ctx.after);
    if (b === undefined || a === undefined || sameDefault(b, a)) return [];
    return [{
      message: `${fieldDescription(p.after, p.message.name)} changed default value from ${b.printable} to ${a.printable}`,
      at: tokenAt(p.after, "default"),
      element: element(p, p.after.name),
    }];
  },
});

function lower(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

export const WIRE_FIELD_RULES = [
  FIELD_NO_DELETE_UNLESS_NAME_RESERVED,
  FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED,
  FIELD_NO_REUSE_RESERVED,
  FIELD_SAME_DEFAULT,
  FIELD_SAME_JSON_NAME,
  FIELD_SAME_NAME,
  FIELD_SAME_ONEOF,
  FIELD_WIRE_COMPATIBLE_CARDINALITY,
  FIELD_WIRE_COMPATIBLE_TYPE,
  FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY,
  FIELD_WIRE_JSON_COMPATIBLE_TYPE,
] as const;
