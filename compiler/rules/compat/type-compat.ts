/**
 * The type- and cardinality-compatibility matrix: what a reader of type R makes of a value
 * written as type W, in the protobuf binary format and in the proto3 JSON mapping. Pure data plus
 * two lookups; rules ask per direction:
 *   backward (new readers, older data)  = read(writer: before, reader: after)
 *   forward  (old readers, newer data)  = read(writer: after,  reader: before)
 *
 * Verdicts: "ok" (every value reads back unchanged), "lossy" (some values change, are dropped or
 * fail to parse), "incompatible" (the reader does not see the value at all: another wire type or
 * JSON shape). Only "ok" is compatible. Sources: the protobuf language guide ("Updating a message
 * type": int32/uint32/int64/uint64/bool interchangeable with C++-cast truncation; sint32/sint64;
 * fixed32/sfixed32; fixed64/sfixed64; string/bytes while UTF-8; embedded message/bytes; enum/int32)
 * and the proto3 JSON mapping (64-bit integers as strings, every integer accepts number or string,
 * enums by name, bytes as base64).
 */
import type { FieldModel, ScalarType } from "../../model/catalog.js";

export type Verdict = "ok" | "lossy" | "incompatible";
export type Encoding = "wire" | "json";

/** A field's element type as the matrix sees it (enum and message names are compared by the rule). */
export type TypeKey = ScalarType | "enum" | "message";

export interface Reading {
  readonly verdict: Verdict;
  /** Why, in a few words (shown in the finding); "" for ok. */
  readonly note: string;
}

const OK: Reading = { verdict: "ok", note: "" };

// ---------------------------------------------------------------------------------------------
// Binary wire format

/** Wire families: different families use different wire types, so the reader never sees the value. */
const WIRE_FAMILY: Record<TypeKey, string> = {
  int32: "varint", int64: "varint", uint32: "varint", uint64: "varint", bool: "varint", enum: "varint",
  sint32: "zigzag", sint64: "zigzag",
  fixed32: "i32", sfixed32: "i32", float: "float",
  fixed64: "i64", sfixed64: "i64", double: "double",
  string: "len", bytes: "len", message: "len",
};

/** Value ranges of the varint and zigzag types (bool holds 0/1, enum is an int32). */
type Range = "s32" | "u32" | "s64" | "u64" | "bool";
const RANGE: Partial<Record<TypeKey, Range>> = {
  int32: "s32", sint32: "s32", sfixed32: "s32", enum: "s32",
  uint32: "u32", fixed32: "u32",
  int64: "s64", sint64: "s64", sfixed64: "s64",
  uint64: "u64", fixed64: "u64",
  bool: "bool",
};
/** RANGE_FITS[w] = ranges whose every value w's reader keeps unchanged. */
const RANGE_FITS: Record<Range, readonly Range[]> = {
  bool: ["bool", "s32", "u32", "s64", "u64"],
  s32: ["s32", "s64"],
  u32: ["u32", "s64", "u64"],
  s64: ["s64"],
  u64: ["u64"],
};

function rangeNote(writer: TypeKey, reader: TypeKey): string {
  if (reader === "bool") return `non-zero ${writer} values other than 1 read as true`;
  const w = RANGE[writer]!;
  const r = RANGE[reader]!;
  const signedToUnsigned = (w === "s32" || w === "s64") && (r === "u32" || r === "u64");
  if (signedToUnsigned) return `negative ${writer} values read as large ${reader} values`;
  if (w === "s64" || w === "u64") return `${writer} values outside the ${reader} range are truncated`;
  return `${writer} values above the ${reader} range read as negative numbers`;
}

/** Special cases across families, [writer, reader] → reading. */
const WIRE_SPECIAL: Readonly<Record<string, Reading>> = {
  "string>bytes": OK,
  "bytes>string": { verdict: "lossy", note: "bytes that are not valid UTF-8 fail to parse as string" },
  "message>bytes": OK,
  "bytes>message": { verdict: "lossy", note: "only bytes holding a serialized message parse" },
  "message>string": { verdict: "lossy", note: "a serialized message is not valid UTF-8 in general" },
  "string>message": { verdict: "lossy", note: "only strings holding a serialized message parse" },
};

export function readWire(writer: TypeKey, reader: TypeKey): Reading {
  if (writer === reader) return OK;
  const special = WIRE_SPECIAL[`${writer}>${reader}`];
  if (special) return special;
  if (WIRE_FAMILY[writer] !== WIRE_FAMILY[reader]) {
    return { verdict: "incompatible", note: `the reader expects ${WIRE_FAMILY[reader]} encoding and ignores ${WIRE_FAMILY[writer]} data` };
  }
  if (reader === "enum") return { verdict: "lossy", note: `${writer} values that are not enum numbers read as unknown enum values` };
  const w = RANGE[writer];
  const r = RANGE[reader];
  if (w !== undefined && r !== undefined) {
    return RANGE_FITS[w].includes(r) ? OK : { verdict: "lossy", note: rangeNote(writer, reader) };
  }
  return { verdict: "lossy", note: `${writer} values are reinterpreted as ${reader}` };
}

// ---------------------------------------------------------------------------------------------
// proto3 JSON mapping

type JsonShape = "integer" | "float" | "bool" | "string" | "bytes" | "enum" | "message";
const JSON_SHAPE: Record<TypeKey, JsonShape> = {
  int32: "integer", int64: "integer", uint32: "integer", uint64: "integer", sint32: "integer", sint64: "integer",
  fixed32: "integer", fixed64: "integer", sfixed32: "integer", sfixed64: "integer",
  float: "float", double: "float", bool: "bool", string: "string", bytes: "bytes", enum: "enum", message: "message",
};

const JSON_SPECIAL: Readonly<Record<string, Reading>> = {
  "float>double": OK,
  "double>float": { verdict: "lossy", note: "double values outside the float range fail to parse" },
  "integer>float": { verdict: "lossy", note: "integers beyond 2^53 lose precision" },
  "float>integer": { verdict: "lossy", note: "fractional numbers fail to parse as integers" },
  "enum>string": OK, // enums are written as their value names
  "string>enum": { verdict: "lossy", note: "strings that are not enum value names fail to parse" },
  "integer>enum": { verdict: "lossy", note: "numbers that are not enum numbers read as unknown values" },
  "enum>integer": { verdict: "incompatible", note: "enums are written as value names, which do not parse as integers" },
  "string>bytes": { verdict: "incompatible", note: "strings are read as base64" },
  "bytes>string": { verdict: "incompatible", note: "bytes are written as base64 text" },
};

export function readJson(writer: TypeKey, reader: TypeKey): Reading {
  if (writer === reader) return OK;
  const ws = JSON_SHAPE[writer];
  const rs = JSON_SHAPE[reader];
  if (ws === "integer" && rs === "integer") {
    // Every integer type accepts both number and string forms; only the range can fail.
    const fits = RANGE_FITS[RANGE[writer]!].includes(RANGE[reader]!);
    return fits ? OK : { verdict: "lossy", note: `${writer} values outside the ${reader} range fail to parse` };
  }
  const special = JSON_SPECIAL[`${writer}>${reader}`] ?? JSON_SPECIAL[`${ws}>${rs}`];
  if (special) return special;
  if (ws === rs) return OK;
  return { verdict: "incompatible", note: `a JSON ${ws} value does not parse as ${reader}` };
}

export function read(encoding: Encoding, writer: TypeKey, reader: TypeKey): Reading {
  return encoding === "wire" ? readWire(writer, reader) : readJson(writer, reader);
}

// ---------------------------------------------------------------------------------------------
// Cardinality

export type Cardinality = FieldModel["cardinality"];

/** Scalars a repeated field packs by default (proto3): a packed list is one LEN record. */
export function isPackable(t: TypeKey): boolean {
  return t !== "string" && t !== "bytes" && t !== "message";
}

const SINGULAR: readonly Cardinality[] = ["implicit", "optional", "required"];

/**
 * What a reader with cardinality `reader` makes of data written with cardinality `writer`
 * (maps are judged by the type rule, not here). `element` is the field's element type.
 */
export function readCardinality(encoding: Encoding, writer: Cardinality, reader: Cardinality, element: TypeKey): Reading {
  if (writer === reader) return OK;
  const ws = SINGULAR.includes(writer);
  const rs = SINGULAR.includes(reader);
  if (ws && rs) {
    if (reader === "required") return { verdict: "lossy", note: "messages without the field fail to parse" };
    return OK; // implicit ↔ optional, required → optional: same encoding
  }
  if (encoding === "json") return { verdict: "incompatible", note: ws ? "a single value does not parse as a JSON array" : "a JSON array does not parse as a single value" };
  if (ws) {
    // singular → repeated: parsers accept an unpacked element; a required reader is not involved.
    return OK;
  }
  // repeated → singular
  if (reader === "required") return { verdict: "lossy", note: "empty lists leave the required field unset" };
  if (isPackable(element)) return { verdict: "incompatible", note: "a packed list is a length-delimited record the singular reader ignores" };
  return { verdict: "lossy", note: element === "message" ? "list elements are merged into one message" : "only the last list element is kept" };
}
