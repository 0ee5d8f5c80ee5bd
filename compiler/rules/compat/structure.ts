/**
 * Structural comparison of two messages. Neither the binary format nor proto3 JSON carries a
 * message's name, so a field whose message type moved to another package or file (or was renamed)
 * with the same structure reads the same bytes and JSON text: fields by number with the same
 * cardinality and type (nested messages compared the same way), and, for JSON, the same JSON names.
 * buf compares message types by name; evt decides by structure and says what differs.
 */
import type { Catalog, FieldModel, FieldType } from "../../model/catalog.js";
import type { Encoding } from "./type-compat.js";

/** The first structural difference between message `w` (in `wc`) and `r` (in `rc`), or undefined when none. */
export function structuralDifference(enc: Encoding, w: string, wc: Catalog, r: string, rc: Catalog): string | undefined {
  return compareMessages(enc, w, wc, r, rc, new Set());
}

function compareMessages(enc: Encoding, w: string, wc: Catalog, r: string, rc: Catalog, assumed: Set<string>): string | undefined {
  const pair = `${w}\n${r}`;
  if (w === r || assumed.has(pair)) return undefined; // recursive types: assume equal while comparing
  const a = wc.messages[w];
  const b = rc.messages[r];
  if (!a || !b) return "one of them is outside the compiled tree";
  assumed.add(pair);
  const byNumber = new Map(b.fields.map((f) => [f.number, f]));
  if (a.fields.length !== b.fields.length) return "they have different fields";
  for (const f of a.fields) {
    const g = byNumber.get(f.number);
    if (!g) return `field ${f.number} is missing`;
    const d = compareFields(enc, f, wc, g, rc, assumed);
    if (d !== undefined) return d;
  }
  return undefined;
}

function compareFields(enc: Encoding, f: FieldModel, wc: Catalog, g: FieldModel, rc: Catalog, assumed: Set<string>): string | undefined {
  if (f.cardinality !== g.cardinality || (f.delimited ?? false) !== (g.delimited ?? false)) return `field ${f.number} changed shape`;
  if (enc === "json" && f.jsonName !== g.jsonName) return `field ${f.number} has another JSON name`;
  return compareTypes(enc, f.type, wc, g.type, rc, assumed, f.number);
}

function compareTypes(enc: Encoding, s: FieldType, wc: Catalog, t: FieldType, rc: Catalog, assumed: Set<string>, n: number): string | undefined {
  if (s.kind !== t.kind) return `field ${n} has another type`;
  switch (s.kind) {
    case "scalar":
      return s.scalar === (t as typeof s).scalar ? undefined : `field ${n} has another type`;
    case "map": {
      const m = t as typeof s;
      return s.key !== m.key ? `field ${n} has another key type` : compareTypes(enc, s.value, wc, m.value, rc, assumed, n);
    }
    case "message":
      return compareMessages(enc, s.typeName, wc, (t as typeof s).typeName, rc, assumed);
    case "enum": {
      const x = wc.enums[s.typeName]?.values ?? [];
      const y = rc.enums[(t as typeof s).typeName]?.values ?? [];
      const same = x.length === y.length && x.every((v) => y.some((u) => u.number === v.number && (enc === "wire" || u.name === v.name)));
      return same ? undefined : `field ${n} has an enum with other values`;
    }
  }
}
