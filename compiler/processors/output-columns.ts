/**
 * Does the SELECT fit the output contract? Each column must be a field of the contract with a
 * type the wrapper can write (script.ts casts and converts), every required field must be
 * selected, and the id/time columns must exist. Types are Flink's summary strings from the planner.
 */
import type { Catalog, EventModel, FieldModel } from "../model/catalog.js";
import { fieldType, isTimestampField } from "../emit/flink/types.js";
import type { PlannedColumn } from "./flink-jvm.js";
import type { ProcessorSpec } from "./spec.js";

export interface ColumnProblem {
  /** The column the problem is about (its `AS name` in the SQL is where it is reported), if any. */
  readonly column?: string;
  readonly message: string;
}

/** Normalised type text: no backquotes, no time-attribute marks, single spaces, upper case. */
export function normalType(t: string): string {
  return t.replace(/`/g, "").replace(/\*(ROWTIME|PROCTIME)\*/g, "").replace(/\s+/g, " ").trim().toUpperCase();
}

/** Column types each field type accepts besides itself (the wrapper CASTs them). */
const WIDENS: Record<string, readonly string[]> = {
  BIGINT: ["INT", "SMALLINT", "TINYINT"],
  INT: ["SMALLINT", "TINYINT"],
  DOUBLE: ["FLOAT", "INT", "BIGINT", "SMALLINT", "TINYINT"],
  FLOAT: ["INT", "SMALLINT", "TINYINT"],
};

function accepts(field: FieldModel, fieldSql: string, columnType: string): boolean {
  const col = normalType(columnType);
  const want = normalType(fieldSql);
  if (col === want) return true;
  if (isTimestampField(field) && /^TIMESTAMP(_LTZ)?\(\d\)$/.test(col)) return true;
  if (want === "STRING") return /^(VARCHAR|CHAR)\(\d+\)$/.test(col);
  if (want.startsWith("DOUBLE") || want.startsWith("FLOAT")) {
    if (/^DECIMAL\(/.test(col)) return true;
  }
  return WIDENS[want]?.includes(col) ?? false;
}

function describe(field: FieldModel, sql: string): string {
  return isTimestampField(field) ? `${sql} (or TIMESTAMP/TIMESTAMP_LTZ)` : sql;
}

export function outputColumnProblems(spec: ProcessorSpec, output: EventModel, catalog: Catalog, columns: readonly PlannedColumn[]): ColumnProblem[] {
  const problems: ColumnProblem[] = [];
  const fields = new Map(output.message.fields.map((f) => [f.name, f]));
  const names = new Set(columns.map((c) => c.name));
  for (const c of columns) {
    const field = fields.get(c.name);
    if (!field) {
      problems.push({ column: c.name, message: `column "${c.name}" is not a field of ${output.fullName} (fields: ${[...fields.keys()].join(", ")})` });
      continue;
    }
    const t = fieldType(field, catalog, new Set([output.fullName]));
    if (!t.ok) {
      problems.push({ column: c.name, message: `${output.fullName}.${field.name} cannot be written by Flink's protobuf format (${t.reason})` });
      continue;
    }
    if (!accepts(field, t.sql, c.type)) {
      problems.push({ column: c.name, message: `column "${c.name}" is ${normalType(c.type)} but ${output.fullName}.${field.name} is ${describe(field, normalType(t.sql))}` });
    }
  }
  for (const f of output.message.fields) {
    if (f.required && !names.has(f.name)) problems.push({ message: `required field ${output.fullName}.${f.name} is not selected` });
  }
  for (const id of spec.output.id) {
    if (!names.has(id)) problems.push({ message: `output.id column "${id}" is not a column of the SELECT` });
  }
  if (spec.output.time) {
    const time = columns.find((c) => c.name === spec.output.time);
    if (!time) problems.push({ message: `output.time column "${spec.output.time}" is not a column of the SELECT` });
    else if (!/^TIMESTAMP(_LTZ)?\(\d\)$/.test(normalType(time.type))) {
      problems.push({ column: time.name, message: `output.time column "${time.name}" is ${normalType(time.type)}, not TIMESTAMP or TIMESTAMP_LTZ` });
    }
  }
  return problems;
}
