/**
 * Flink SQL types of contract fields, as Flink's protobuf format (flink-protobuf 2.2) reads and
 * writes them. The table is data: docs/flink-mapping.md is rendered from the same rows.
 * Fields Flink's format cannot represent (recursive messages: Struct, Value, ListValue or any
 * self-referencing message) are left out of the table; the format skips fields it is not asked for.
 */
import type { Catalog, FieldModel, FieldType, ScalarType, WellKnownType } from "../../model/catalog.js";

export const FLINK_SCALARS: Readonly<Record<ScalarType, string>> = {
  int32: "INT", sint32: "INT", sfixed32: "INT",
  // Java has no unsigned ints: protobuf-java hands Flink the same bits, so values above 2^31-1 (2^63-1) read negative
  uint32: "INT", fixed32: "INT",
  int64: "BIGINT", sint64: "BIGINT", sfixed64: "BIGINT",
  uint64: "BIGINT", fixed64: "BIGINT",
  float: "FLOAT", double: "DOUBLE",
  bool: "BOOLEAN", string: "STRING", bytes: "BYTES",
};

/** Well-known messages are ordinary messages to Flink's format: their fields become a ROW. */
const WELL_KNOWN_ROWS: Partial<Record<WellKnownType, string>> = {
  timestamp: "ROW<`seconds` BIGINT, `nanos` INT>",
  duration: "ROW<`seconds` BIGINT, `nanos` INT>",
  double_value: "ROW<`value` DOUBLE>", float_value: "ROW<`value` FLOAT>",
  int64_value: "ROW<`value` BIGINT>", uint64_value: "ROW<`value` BIGINT>",
  int32_value: "ROW<`value` INT>", uint32_value: "ROW<`value` INT>",
  bool_value: "ROW<`value` BOOLEAN>", string_value: "ROW<`value` STRING>", bytes_value: "ROW<`value` BYTES>",
};

/** One row of the documented mapping (docs/flink-mapping.md). */
export const FLINK_MAPPING_ROWS: readonly (readonly [string, string])[] = [
  ["int32, sint32, sfixed32", "INT"],
  ["uint32, fixed32", "INT (values above 2^31-1 read as negative: Java has no unsigned int)"],
  ["int64, sint64, sfixed64", "BIGINT"],
  ["uint64, fixed64", "BIGINT (values above 2^63-1 read as negative)"],
  ["float / double / bool / string / bytes", "FLOAT / DOUBLE / BOOLEAN / STRING / BYTES"],
  ["enum", "STRING holding the value's name"],
  ["google.protobuf.Timestamp, Duration", "ROW<seconds BIGINT, nanos INT>; the event-time column converts it to TIMESTAMP_LTZ(3)"],
  ["wrappers (StringValue, …)", "ROW<value T>"],
  ["nested message", "ROW<…> of its fields"],
  ["repeated T / map<K, V>", "ARRAY<T> / MAP<K, V>"],
  ["oneof member", "a column per member (unset members read as their default)"],
  ["Struct, Value, ListValue, any recursive message", "left out of the table (Flink's protobuf format cannot express recursive types)"],
];

export type FlinkType = { readonly ok: true; readonly sql: string } | { readonly ok: false; readonly reason: string };

export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

function typeOf(type: FieldType, catalog: Catalog, visiting: ReadonlySet<string>): FlinkType {
  switch (type.kind) {
    case "scalar":
      return { ok: true, sql: FLINK_SCALARS[type.scalar] };
    case "enum":
      return { ok: true, sql: "STRING" };
    case "map": {
      const value = typeOf(type.value, catalog, visiting);
      return value.ok ? { ok: true, sql: `MAP<${FLINK_SCALARS[type.key]}, ${value.sql}>` } : value;
    }
    case "message": {
      if (type.wellKnown) {
        const row = WELL_KNOWN_ROWS[type.wellKnown];
        return row ? { ok: true, sql: row } : { ok: false, reason: `${type.typeName} is recursive` };
      }
      if (visiting.has(type.typeName)) return { ok: false, reason: `${type.typeName} is recursive` };
      const msg = catalog.messages[type.typeName];
      if (!msg) return { ok: false, reason: `${type.typeName} is not in the catalog` };
      const inner = new Set(visiting).add(type.typeName);
      const fields: string[] = [];
      for (const f of msg.fields) {
        const t = fieldType(f, catalog, inner);
        if (!t.ok) return { ok: false, reason: `${type.typeName}.${f.name}: ${t.reason}` };
        fields.push(`${quoteIdent(f.name)} ${t.sql}`);
      }
      return { ok: true, sql: `ROW<${fields.join(", ")}>` };
    }
  }
}

/** The Flink SQL type of a field, or why Flink's protobuf format cannot carry it. */
export function fieldType(field: FieldModel, catalog: Catalog, visiting: ReadonlySet<string> = new Set()): FlinkType {
  const t = typeOf(field.type, catalog, visiting);
  if (!t.ok || !field.repeated || field.type.kind === "map") return t;
  return { ok: true, sql: `ARRAY<${t.sql}>` };
}

export function isTimestampField(field: FieldModel): boolean {
  return field.type.kind === "message" && field.type.wellKnown === "timestamp" && !field.repeated;
}
