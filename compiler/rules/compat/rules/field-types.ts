/**
 * Type and cardinality of a field pair per direction, through the matrix in type-compat.ts.
 * Kept apart from the rules so the WIRE and WIRE_JSON rules share one judgement.
 */
import type { Catalog, FieldModel, FieldType } from "../../../model/catalog.js";
import { shortName } from "../describe.js";
import { read, readCardinality, type Encoding, type Reading, type TypeKey } from "../type-compat.js";
import { structuralDifference } from "../structure.js";
import type { Direction, RuleContext } from "../types.js";

const OK: Reading = { verdict: "ok", note: "" };

export function typeKey(t: FieldType): TypeKey {
  if (t.kind === "scalar") return t.scalar;
  if (t.kind === "enum") return "enum";
  return "message";
}

function worst(a: Reading, b: Reading): Reading {
  const rank = { ok: 0, lossy: 1, incompatible: 2 } as const;
  return rank[b.verdict] > rank[a.verdict] ? b : a;
}

/** Reading of a value written with `w` (in catalog `wc`) by a reader of type `r` (in catalog `rc`). */
export function readType(enc: Encoding, w: FieldType, wc: Catalog, r: FieldType, rc: Catalog): Reading {
  if (w.kind === "map" || r.kind === "map") {
    if (w.kind !== "map" || r.kind !== "map") return { verdict: "incompatible", note: "map and non-map fields encode differently" };
    return worst(readType(enc, { kind: "scalar", scalar: w.key }, wc, { kind: "scalar", scalar: r.key }, rc), readType(enc, w.value, wc, r.value, rc));
  }
  if (w.kind === "message" && r.kind === "message") {
    if (w.typeName === r.typeName) return OK;
    // Neither the binary format nor JSON carries a message's name: judge by structure.
    const difference = structuralDifference(enc, w.typeName, wc, r.typeName, rc);
    return difference === undefined ? OK : { verdict: "incompatible", note: `${w.typeName} and ${r.typeName} differ in structure (${difference})` };
  }
  if (w.kind === "enum" && r.kind === "enum") return readEnum(enc, w.typeName, wc, r.typeName, rc);
  if (w.kind === "scalar" && r.kind === "enum" && !rc.enums[r.typeName]?.closed) {
    // An open enum keeps unknown numbers as they are, in both formats (JSON accepts numbers too):
    // it reads like an int32.
    return read(enc, typeKey(w), "int32");
  }
  return read(enc, typeKey(w), typeKey(r));
}

/** Two enums are interchangeable when they share the short name and the reader knows every written value. */
function readEnum(enc: Encoding, w: string, wc: Catalog, r: string, rc: Catalog): Reading {
  if (w === r) return OK;
  if (shortName(w) !== shortName(r)) return { verdict: "incompatible", note: `${w} and ${r} are different enums` };
  const written = wc.enums[w]?.values ?? [];
  const known = rc.enums[r]?.values ?? [];
  const missing = enc === "wire"
    ? written.filter((v) => !known.some((k) => k.number === v.number))
    : written.filter((v) => !known.some((k) => k.name === v.name));
  if (missing.length === 0) return OK;
  return { verdict: "lossy", note: `${r} lacks ${missing.map((v) => v.name).join(", ")}` };
}

/** Readings per direction: backward = new reader of before data, forward = old reader of after data. */
export function typeReadings(enc: Encoding, b: FieldModel, a: FieldModel, ctx: RuleContext): Record<Direction, Reading> {
  if (enc === "wire" && b.type.kind === "message" && a.type.kind === "message" && (b.delimited ?? false) !== (a.delimited ?? false)) {
    // features.message_encoding (or a proto2 group): a delimited message is a START/END_GROUP pair,
    // a length-prefixed one a LEN record; neither reader sees the other's bytes.
    const note = "a delimited (group) message and a length-prefixed one use different wire types";
    return { backward: { verdict: "incompatible", note }, forward: { verdict: "incompatible", note } };
  }
  return {
    backward: readType(enc, b.type, ctx.before, a.type, ctx.after),
    forward: readType(enc, a.type, ctx.after, b.type, ctx.before),
  };
}

export function cardinalityReadings(enc: Encoding, b: FieldModel, a: FieldModel): Record<Direction, Reading> {
  if (enc === "json" && b.cardinality === "repeated" && a.cardinality === "repeated" && (b.type.kind === "map") !== (a.type.kind === "map")) {
    // Same bytes (a map is a repeated entry message), but JSON writes a map as an object, a list as an array.
    const note = "a JSON object (map) and a JSON array (list) do not parse as each other";
    return { backward: { verdict: "incompatible", note }, forward: { verdict: "incompatible", note } };
  }
  return {
    backward: readCardinality(enc, b.cardinality, a.cardinality, typeKey(b.type)),
    forward: readCardinality(enc, a.cardinality, b.cardinality, typeKey(a.type)),
  };
}

/** The direction → note record of the directions where `readings` break (and `unless` does not). */
export function breakingDirections(
  readings: Record<Direction, Reading>,
  unless?: Record<Direction, Reading>,
): Partial<Record<Direction, string>> {
  const out: Partial<Record<Direction, string>> = {};
  for (const d of ["backward", "forward"] as const) {
    if (readings[d].verdict !== "ok" && (unless === undefined || unless[d].verdict === "ok")) out[d] = readings[d].note;
  }
  return out;
}
