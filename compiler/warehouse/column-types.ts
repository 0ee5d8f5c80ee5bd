/**
 * The protobuf → Snowflake column type mapping (DESIGN "Warehouse mapping") as data, and the check
 * that a `column_type` override still fits the field's values. Pure; read by lint and the emitters.
 */
import type { FieldModel, FieldType, ScalarType, WellKnownType } from "../model/catalog.js";

/** Decimal digits an integer column needs per scalar type (sign included in NUMBER's precision). */
const INTEGER_DIGITS: Partial<Record<ScalarType, number>> = {
  int32: 10, sint32: 10, sfixed32: 10, uint32: 10, fixed32: 10,
  int64: 19, sint64: 19, sfixed64: 19,
  uint64: 20, fixed64: 20,
};

const SCALAR_COLUMN: Record<ScalarType, string> = {
  int32: "NUMBER(10,0)", sint32: "NUMBER(10,0)", sfixed32: "NUMBER(10,0)", uint32: "NUMBER(10,0)", fixed32: "NUMBER(10,0)",
  int64: "NUMBER(19,0)", sint64: "NUMBER(19,0)", sfixed64: "NUMBER(19,0)",
  uint64: "NUMBER(20,0)", fixed64: "NUMBER(20,0)",
  float: "FLOAT", double: "FLOAT",
  bool: "BOOLEAN", string: "VARCHAR", bytes: "BINARY",
};

const WRAPPED: Partial<Record<WellKnownType, ScalarType>> = {
  double_value: "double", float_value: "float", int64_value: "int64", uint64_value: "uint64",
  int32_value: "int32", uint32_value: "uint32", bool_value: "bool", string_value: "string", bytes_value: "bytes",
};

/** Duration is stored as nanoseconds: ±315,576,000,000 s (its documented range) needs 21 digits. */
const DURATION_DIGITS = 21;

/** The scalar a field's single value is, looking through wrappers; undefined for messages/maps/enums. */
export function effectiveScalar(type: FieldType): ScalarType | undefined {
  if (type.kind === "scalar") return type.scalar;
  if (type.kind === "message" && type.wellKnown) return WRAPPED[type.wellKnown];
  return undefined;
}

/** The default column type of a field (not flattened). */
export function defaultColumnType(field: Pick<FieldModel, "type" | "repeated">): string {
  const t = field.type;
  if (t.kind === "map") return "VARIANT";
  if (field.repeated) return t.kind === "message" ? "VARIANT" : "ARRAY";
  if (t.kind === "enum") return "VARCHAR";
  const scalar = effectiveScalar(t);
  if (scalar) return SCALAR_COLUMN[scalar];
  if (t.kind === "message" && t.wellKnown === "timestamp") return "TIMESTAMP_NTZ(9)";
  if (t.kind === "message" && t.wellKnown === "duration") return "NUMBER(38,0)";
  return "VARIANT";
}

/** A parsed Snowflake type: base name (synonyms folded) plus optional parameters. */
export interface ParsedColumnType {
  readonly base: "NUMBER" | "FLOAT" | "VARCHAR" | "BINARY" | "BOOLEAN" | "TIMESTAMP" | "DATE" | "TIME" | "VARIANT" | "OBJECT" | "ARRAY";
  readonly precision?: number;
  readonly scale?: number;
  readonly length?: number;
  /** TIMESTAMP flavour: NTZ, LTZ or TZ. */
  readonly tz?: "NTZ" | "LTZ" | "TZ";
}

const SYNONYMS: Record<string, ParsedColumnType["base"]> = {
  NUMBER: "NUMBER", DECIMAL: "NUMBER", NUMERIC: "NUMBER",
  INT: "NUMBER", INTEGER: "NUMBER", BIGINT: "NUMBER", SMALLINT: "NUMBER", TINYINT: "NUMBER", BYTEINT: "NUMBER",
  FLOAT: "FLOAT", FLOAT4: "FLOAT", FLOAT8: "FLOAT", DOUBLE: "FLOAT", "DOUBLE PRECISION": "FLOAT", REAL: "FLOAT",
  VARCHAR: "VARCHAR", STRING: "VARCHAR", TEXT: "VARCHAR", CHAR: "VARCHAR", CHARACTER: "VARCHAR", NCHAR: "VARCHAR", NVARCHAR: "VARCHAR",
  BINARY: "BINARY", VARBINARY: "BINARY",
  BOOLEAN: "BOOLEAN",
  TIMESTAMP: "TIMESTAMP", DATETIME: "TIMESTAMP", TIMESTAMP_NTZ: "TIMESTAMP", TIMESTAMP_LTZ: "TIMESTAMP", TIMESTAMP_TZ: "TIMESTAMP",
  DATE: "DATE", TIME: "TIME",
  VARIANT: "VARIANT", OBJECT: "OBJECT", ARRAY: "ARRAY",
};

/** Parses `NUMBER(38,0)`, `varchar(64)`, `TIMESTAMP_NTZ(9)`…; undefined when it is not a Snowflake type. */
export function parseColumnType(text: string): ParsedColumnType | undefined {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\s+PRECISION)?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/i.exec(text);
  if (!m) return undefined;
  const name = m[1]!.toUpperCase().replace(/\s+/g, " ");
  const base = SYNONYMS[name];
  if (!base) return undefined;
  const a = m[2] !== undefined ? Number(m[2]) : undefined;
  const b = m[3] !== undefined ? Number(m[3]) : undefined;
  switch (base) {
    case "NUMBER": {
      if (name !== "NUMBER" && name !== "DECIMAL" && name !== "NUMERIC") {
        // INT, BIGINT… are NUMBER(38,0) and take no parameters.
        return a === undefined ? { base, precision: 38, scale: 0 } : undefined;
      }
      const precision = a ?? 38;
      const scale = b ?? 0;
      if (precision < 1 || precision > 38 || scale > precision) return undefined;
      return { base, precision, scale };
    }
    case "VARCHAR": {
      if (b !== undefined) return undefined;
      const length = a ?? (name.includes("CHAR") && !name.includes("VAR") ? 1 : 16_777_216);
      return length >= 1 && length <= 16_777_216 ? { base, length } : undefined;
    }
    case "BINARY":
      if (b !== undefined) return undefined;
      return (a ?? 8_388_608) >= 1 && (a ?? 8_388_608) <= 8_388_608 ? { base, length: a ?? 8_388_608 } : undefined;
    case "TIMESTAMP": {
      if (b !== undefined || (a !== undefined && a > 9)) return undefined;
      const tz = name === "TIMESTAMP_LTZ" ? "LTZ" : name === "TIMESTAMP_TZ" ? "TZ" : "NTZ";
      return { base, precision: a ?? 9, tz };
    }
    default:
      return a === undefined ? { base } : undefined;
  }
}

/**
 * Whether `columnType` can hold every value of `field` without loss. Returns the reason it
 * cannot, or undefined when it fits.
 */
export function columnTypeProblem(field: Pick<FieldModel, "type" | "repeated">, columnType: string): string | undefined {
  const parsed = parseColumnType(columnType);
  if (!parsed) return `"${columnType}" is not a Snowflake column type`;
  const t = field.type;
  const want = defaultColumnType(field);
  const reject = (why: string): string => `${why} (default mapping: ${want})`;

  if (t.kind === "map" || field.repeated) {
    const ok = parsed.base === "VARIANT" || parsed.base === "ARRAY" && t.kind !== "map" || parsed.base === "OBJECT" && t.kind === "map";
    return ok ? undefined : reject(`${columnType} cannot hold a ${t.kind === "map" ? "map" : "repeated field"}`);
  }
  if (t.kind === "enum") {
    return parsed.base === "VARCHAR" ? undefined : reject(`${columnType} cannot hold an enum value's name`);
  }
  const scalar = effectiveScalar(t);
  if (scalar) {
    const digits = INTEGER_DIGITS[scalar];
    if (digits !== undefined) {
      if (parsed.base !== "NUMBER") return reject(`${columnType} cannot hold a ${scalar}`);
      if ((parsed.scale ?? 0) !== 0) return reject(`${columnType} has a fractional scale for an integer`);
      if ((parsed.precision ?? 38) < digits) return reject(`${columnType} is narrower than ${scalar} (needs NUMBER(${digits},0) or wider)`);
      return undefined;
    }
    const expected: Record<string, ParsedColumnType["base"]> = { float: "FLOAT", double: "FLOAT", bool: "BOOLEAN", string: "VARCHAR", bytes: "BINARY" };
    return parsed.base === expected[scalar] ? undefined : reject(`${columnType} cannot hold a ${scalar}`);
  }
  if (t.kind === "message" && t.wellKnown === "timestamp") {
    return parsed.base === "TIMESTAMP" ? undefined : reject(`${columnType} cannot hold a Timestamp`);
  }
  if (t.kind === "message" && t.wellKnown === "duration") {
    if (parsed.base !== "NUMBER" || (parsed.scale ?? 0) !== 0 || (parsed.precision ?? 38) < DURATION_DIGITS) {
      return reject(`${columnType} cannot hold a Duration in nanoseconds (needs NUMBER(${DURATION_DIGITS},0) or wider)`);
    }
    return undefined;
  }
  // Messages, Struct, Value, ListValue: semi-structured only.
  const ok = parsed.base === "VARIANT" || parsed.base === "OBJECT" && !(t.kind === "message" && t.wellKnown === "list_value") || parsed.base === "ARRAY" && t.kind === "message" && t.wellKnown === "list_value";
  return ok ? undefined : reject(`${columnType} cannot hold a message`);
}
