/**
 * Which row of the warehouse mapping (`mapping.ts`, the one table of protobuf → Snowflake types) a
 * field uses, and whether a `column_type` override fits it. A thin adapter: the types and the
 * override rules live in mapping.ts only.
 */
import type { FieldModel } from "../model/catalog.js";
import { mappingRow, overrideProblem, type MappingRow } from "./mapping.js";

/** The mapping row of a field as a plain (not flattened) column. */
export function mappingRowOf(field: Pick<FieldModel, "type" | "repeated">): MappingRow {
  const t = field.type;
  if (t.kind === "map") return mappingRow("map");
  if (field.repeated) return mappingRow(t.kind === "message" ? "repeated_message" : "repeated_scalar");
  if (t.kind === "enum") return mappingRow("enum");
  if (t.kind === "scalar") return mappingRow(t.scalar);
  return t.wellKnown ? mappingRow(t.typeName) : mappingRow("message");
}

/** Why `columnType` cannot replace the field's default column type, or undefined when it fits. */
export function columnTypeProblem(field: Pick<FieldModel, "type" | "repeated">, columnType: string): string | undefined {
  const row = mappingRowOf(field);
  return overrideProblem(row.kind, row.snowflake, columnType);
}

/**
 * Whether `columnType` is an override lint accepts for a column of mapping row `mappingId`: advice
 * that suggests a column_type (migrations.ts) checks it first, so evt never suggests what it rejects.
 */
export function overrideFitsRow(mappingId: string, columnType: string): boolean {
  const row = mappingRow(mappingId);
  return overrideProblem(row.kind, row.snowflake, columnType) === undefined;
}
