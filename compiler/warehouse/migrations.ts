/**
 * The warehouse side of a contract change: what the existing sink tables need, as Snowflake
 * statements the ALTER grammar allows (add a nullable column, widen NUMBER precision or VARCHAR
 * length, drop NOT NULL, comments; CREATE TABLE IF NOT EXISTS for new sinks), and the changes no
 * migration can express (narrowing, incompatible type change, column or table rename, NOT NULL
 * added). Read by the warehouse compatibility rules and by `evt ddl plan`. Types come from the
 * mapping (via sinkTable), never from a second table.
 */
import type { Catalog, EventModel, SinkModel, SourcePosition } from "../model/catalog.js";
import { emitTableDdl } from "../emit/snowflake/table-ddl.js";
import { columnComment, qualifiedTable as qualified } from "../emit/snowflake/pii.js";
import { sqlString } from "../emit/snowflake/sql-text.js";
import { overrideFitsRow } from "./column-types.js";
import { quoteIdent } from "./identifiers.js";
import { parseSqlType } from "./mapping.js";
import { sinkTable, type SinkTable, type SinkTableOptions, type WarehouseColumn } from "./sink-table.js";

export type StepKind = "create_table" | "add_column" | "widen_type" | "drop_not_null" | "comment";

export interface MigrationStep {
  readonly kind: StepKind;
  /** `SCHEMA.TABLE` after the schema prefix. */
  readonly table: string;
  readonly column?: string;
  /** One statement (CREATE TABLE steps hold the schema and table statements). */
  readonly statements: readonly string[];
  /** Whether the existing table cannot take new rows without it (comments are optional). */
  readonly required: boolean;
  readonly summary: string;
  readonly position: SourcePosition;
}

export type ProblemKind = "column_renamed" | "column_type_changed" | "column_not_null_added";

export interface WarehouseProblem {
  readonly kind: ProblemKind;
  readonly table: string;
  readonly column: string;
  /** Past tense, with the advice. */
  readonly message: string;
  readonly position: SourcePosition;
}

export interface TableDiff {
  readonly steps: readonly MigrationStep[];
  readonly problems: readonly WarehouseProblem[];
}


/** A column's identity across versions: the field numbers along its path (names may change). */
function columnKey(t: SinkTable, c: WarehouseColumn, catalog: Catalog): string {
  const names = c.kind === "oneof_case" ? c.path.slice(0, -1) : c.path;
  const numbers: string[] = [];
  let msg = t.event.message;
  for (const name of names) {
    const f = msg.fields.find((x) => x.name === name);
    if (!f) return `?${c.name}`;
    numbers.push(String(f.number));
    if (f.type.kind === "message" && catalog.messages[f.type.typeName]) msg = catalog.messages[f.type.typeName]!;
  }
  return c.kind === "oneof_case" ? `${numbers.join(".")}#${c.path[c.path.length - 1]}` : numbers.join(".");
}

type TypeChange = { readonly kind: "same" } | { readonly kind: "widen" } | { readonly kind: "incompatible"; readonly why: string };

/** Whether Snowflake's `ALTER COLUMN … SET DATA TYPE` can take a column from `from` to `to`. */
export function typeChange(from: string, to: string): TypeChange {
  if (from === to) return { kind: "same" };
  const a = parseSqlType(from);
  const b = parseSqlType(to);
  if (!a || !b) return { kind: "incompatible", why: "unparseable type" };
  const numeric = (t: string): boolean => ["NUMBER", "DECIMAL", "NUMERIC"].includes(t);
  const text = (t: string): boolean => ["VARCHAR", "STRING", "TEXT"].includes(t);
  if (numeric(a.base) && numeric(b.base)) {
    const [pa = 38, sa = 0] = a.args;
    const [pb = 38, sb = 0] = b.args;
    if (sa !== sb) return { kind: "incompatible", why: "Snowflake cannot change a NUMBER's scale" };
    if (pb < pa) return { kind: "incompatible", why: `NUMBER precision narrowed from ${pa} to ${pb}` };
    return pb === pa ? { kind: "same" } : { kind: "widen" };
  }
  if (text(a.base) && text(b.base)) {
    const la = a.args[0] ?? Infinity;
    const lb = b.args[0] ?? Infinity;
    if (lb < la) return { kind: "incompatible", why: `VARCHAR length narrowed from ${la} to ${lb}` };
    return lb === la ? { kind: "same" } : { kind: "widen" };
  }
  return { kind: "incompatible", why: `${from} cannot become ${to}` };
}

/** The steps and problems of one sink table present in both versions. */
export function diffTable(before: SinkTable, beforeCatalog: Catalog, after: SinkTable, afterCatalog: Catalog): TableDiff {
  const steps: MigrationStep[] = [];
  const problems: WarehouseProblem[] = [];
  const table = after.name;
  const old = new Map(before.columns.map((c) => [columnKey(before, c, beforeCatalog), c]));
  const oldNames = new Set(before.columns.map((c) => c.name));
  for (const c of after.columns) {
    const prev = old.get(columnKey(after, c, afterCatalog));
    const col = `${qualified(after)} ALTER COLUMN ${quoteIdent(c.name)}`;
    if (!prev) {
      if (oldNames.has(c.name)) {
        problems.push({
          kind: "column_type_changed",
          table,
          column: c.name,
          message: `Column "${c.name}" of table ${table} was reassigned to another field; the existing column keeps the old field's values. Give the field a new column name (column option)`,
          position: c.position,
        });
        continue;
      }
      const comment = columnComment(c);
      steps.push({
        kind: "add_column",
        table,
        column: c.name,
        statements: [`ALTER TABLE ${qualified(after)} ADD COLUMN ${quoteIdent(c.name)} ${c.sqlType}${comment ? ` COMMENT ${sqlString(comment)}` : ""}`],
        required: true,
        summary: `add column ${c.name} ${c.sqlType}`,
        position: c.position,
      });
      continue;
    }
    if (prev.name !== c.name) {
      problems.push({
        kind: "column_renamed",
        table,
        column: c.name,
        message: `Column "${prev.name}" of table ${table} was renamed to "${c.name}", which no migration may do (rows already written keep the old column). Keep the old name with the column option "${prev.name}"`,
        position: c.position,
      });
      continue;
    }
    const change = typeChange(prev.sqlType, c.sqlType);
    if (change.kind === "incompatible") {
      problems.push({
        kind: "column_type_changed",
        table,
        column: c.name,
        // Pinning the old type is advised only where lint accepts that column_type on the new field.
        message: `Column "${c.name}" of table ${table} changed type from ${prev.sqlType} to ${c.sqlType} (${change.why}), which no migration can express. ${
          overrideFitsRow(c.mappingId, prev.sqlType) ? `Pin the old type with column_type: "${prev.sqlType}", or add a new field (new column) instead` : "Add a new field (new column) instead"
        }`,
        position: c.position,
      });
    } else if (change.kind === "widen") {
      steps.push({ kind: "widen_type", table, column: c.name, statements: [`ALTER TABLE ${col} SET DATA TYPE ${c.sqlType}`], required: true, summary: `widen ${c.name} to ${c.sqlType}`, position: c.position });
    }
    if (prev.nullable && !c.nullable) {
      problems.push({
        kind: "column_not_null_added",
        table,
        column: c.name,
        message: `Column "${c.name}" of table ${table} became NOT NULL, which the rows already written may violate; evt migrations never add NOT NULL`,
        position: c.position,
      });
    } else if (!prev.nullable && c.nullable) {
      steps.push({ kind: "drop_not_null", table, column: c.name, statements: [`ALTER TABLE ${col} DROP NOT NULL`], required: true, summary: `drop NOT NULL on ${c.name}`, position: c.position });
    }
    if (columnComment(prev) !== columnComment(c)) {
      steps.push({ kind: "comment", table, column: c.name, statements: [`ALTER TABLE ${col} COMMENT ${sqlString(columnComment(c))}`], required: false, summary: `comment on ${c.name}`, position: c.position });
    }
  }
  return { steps, problems };
}

export function createTableStep(t: SinkTable): MigrationStep {
  return {
    kind: "create_table",
    table: t.name,
    statements: splitDdl(emitTableDdl(t)),
    required: false,
    summary: `create table ${t.name}`,
    position: t.sink.position,
  };
}

/** Statements of generated DDL text (whole-line comments dropped). */
function splitDdl(sql: string): string[] {
  const body = sql.split("\n").filter((l) => !/^\s*--/.test(l)).join("\n");
  return body.split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter((s) => s.length > 0);
}

export interface Side {
  readonly event: EventModel;
  readonly sink: SinkModel;
  readonly catalog: Catalog;
}

/** Resolves a sink's table quietly (naming problems are lint's job). */
export function tableOf(side: Side, options: SinkTableOptions): SinkTable {
  return sinkTable(side.event, side.sink, side.catalog, options, []);
}

/**
 * The whole plan between two catalogs: steps for sinks present in both, CREATE TABLE for sinks
 * that are new (new events or new sinks of an event), and the problems. Sorted by table.
 */
export function planWarehouse(before: Catalog, after: Catalog, options: SinkTableOptions): TableDiff {
  const steps: MigrationStep[] = [];
  const problems: WarehouseProblem[] = [];
  const oldEvents = new Map(before.events.map((e) => [e.fullName, e]));
  const oldTables = new Set(before.events.flatMap((e) => e.sinks.map((s) => s.table)));
  for (const event of after.events) {
    const prevEvent = oldEvents.get(event.fullName);
    for (const sink of event.sinks) {
      const prevSink = prevEvent?.sinks.find((s) => s.table === sink.table);
      const t = tableOf({ event, sink, catalog: after }, options);
      if (!prevEvent || !prevSink) {
        if (!oldTables.has(sink.table)) steps.push(createTableStep(t));
        continue;
      }
      const d = diffTable(tableOf({ event: prevEvent, sink: prevSink, catalog: before }, options), before, t, after);
      steps.push(...d.steps);
      problems.push(...d.problems);
    }
  }
  const byTable = (a: { table: string }, b: { table: string }): number => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0);
  return { steps: steps.sort(byTable), problems: problems.sort(byTable) };
}
