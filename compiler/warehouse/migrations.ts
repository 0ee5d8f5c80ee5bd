/**
 * The warehouse side of a contract change: what the existing sink tables need, as statements the
 * ALTER grammar allows (add a nullable column, widen NUMBER precision or VARCHAR length, drop NOT
 * NULL — also for a column whose field left the contract —, comments; CREATE TABLE IF NOT EXISTS
 * for new sinks), each rendered for Snowflake and for DuckDB from the same step, and the changes no
 * migration can express (narrowing, incompatible type change, column or table rename, NOT NULL
 * added). Read by the warehouse compatibility rules and by `evt ddl plan`. Types come from the
 * mapping (via sinkTable), never from a second table.
 */
import type { Catalog, EventModel, SinkModel, SourcePosition } from "../model/catalog.js";
import { emitTableDdl } from "../emit/snowflake/table-ddl.js";
import { emitDuckdbTableDdl } from "../emit/duckdb/table-ddl.js";
import { columnComment, qualifiedTable as qualified } from "../emit/snowflake/pii.js";
import { overrideFitsRow } from "./column-types.js";
import { quoteIdent } from "./identifiers.js";
import { sqlString } from "./sql-escape.js";
import { parseSqlType } from "./mapping.js";
import { sinkTable, type SinkTable, type SinkTableOptions, type WarehouseColumn } from "./sink-table.js";

export type StepKind = "create_table" | "add_column" | "widen_type" | "drop_not_null" | "comment";

export interface MigrationStep {
  readonly kind: StepKind;
  /** `SCHEMA.TABLE` after the schema prefix. */
  readonly table: string;
  readonly column?: string;
  /** Snowflake statements (CREATE TABLE steps hold the schema and table statements); may be empty for a DuckDB-only change. */
  readonly statements: readonly string[];
  /** The same step in DuckDB's dialect (generated/duckdb/migrations). */
  readonly duckdb: readonly string[];
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
  /**
   * For a type change: the table work an approval of it still needs, per dialect (evt never
   * writes it into a migration itself: it rewrites a column).
   */
  readonly manual?: { readonly snowflake: readonly string[]; readonly duckdb: readonly string[] };
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

/** Snowflake has no VARCHAR → BINARY (or other family) ALTER: copy into a new column, then swap names. */
function manualTypeChange(t: SinkTable, column: string, from: { sqlType: string; duckdbType: string }, to: { sqlType: string; duckdbType: string }): NonNullable<WarehouseProblem["manual"]> {
  const q = qualified(t);
  const c = quoteIdent(column);
  const tmp = quoteIdent(`${column}__EVT_NEW`);
  const toBinary = to.sqlType.startsWith("BINARY") && from.sqlType.startsWith("VARCHAR");
  return {
    snowflake: [
      `ALTER TABLE ${q} ADD COLUMN ${tmp} ${to.sqlType}`,
      `UPDATE ${q} SET ${tmp} = ${toBinary ? `TO_BINARY(${c}, 'UTF-8')` : `CAST(${c} AS ${to.sqlType})`}`,
      `ALTER TABLE ${q} DROP COLUMN ${c}`,
      `ALTER TABLE ${q} RENAME COLUMN ${tmp} TO ${c}`,
    ],
    duckdb: [`ALTER TABLE ${q} ALTER COLUMN ${c} SET DATA TYPE ${to.duckdbType} USING ${toBinary ? `encode(${c})` : `CAST(${c} AS ${to.duckdbType})`}`],
  };
}

function addColumnStep(t: SinkTable, c: WarehouseColumn): MigrationStep {
  const comment = columnComment(c);
  const q = qualified(t);
  return {
    kind: "add_column",
    table: t.name,
    column: c.name,
    statements: [`ALTER TABLE ${q} ADD COLUMN ${quoteIdent(c.name)} ${c.sqlType}${comment ? ` COMMENT ${sqlString(comment, "snowflake")}` : ""}`],
    duckdb: [
      `ALTER TABLE ${q} ADD COLUMN ${quoteIdent(c.name)} ${c.duckdbType}`,
      ...(comment ? [`COMMENT ON COLUMN ${q}.${quoteIdent(c.name)} IS ${sqlString(comment, "duckdb")}`] : []),
    ],
    required: true,
    summary: `add column ${c.name} ${c.sqlType}`,
    position: c.position,
  };
}

function dropNotNullStep(t: SinkTable, column: string, position: SourcePosition, why = ""): MigrationStep {
  const col = `${qualified(t)} ALTER COLUMN ${quoteIdent(column)}`;
  return { kind: "drop_not_null", table: t.name, column, statements: [`ALTER TABLE ${col} DROP NOT NULL`], duckdb: [`ALTER TABLE ${col} DROP NOT NULL`], required: true, summary: `drop NOT NULL on ${column}${why}`, position };
}

/** The steps and problems of a column present in both versions (same field numbers). */
function diffColumn(after: SinkTable, prev: WarehouseColumn, c: WarehouseColumn, steps: MigrationStep[], problems: WarehouseProblem[]): void {
  const table = after.name;
  const col = `${qualified(after)} ALTER COLUMN ${quoteIdent(c.name)}`;
  if (prev.name !== c.name) {
    problems.push({
      kind: "column_renamed",
      table,
      column: c.name,
      message: `Column "${prev.name}" of table ${table} was renamed to "${c.name}", which no migration may do (rows already written keep the old column). Keep the old name with the column option "${prev.name}"`,
      position: c.position,
    });
    return;
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
      manual: manualTypeChange(after, c.name, prev, c),
    });
  } else if (change.kind === "widen" || prev.duckdbType !== c.duckdbType) {
    // Same Snowflake type but another DuckDB type (e.g. float → double): a DuckDB-only step.
    steps.push({
      kind: "widen_type", table, column: c.name,
      statements: change.kind === "widen" ? [`ALTER TABLE ${col} SET DATA TYPE ${c.sqlType}`] : [],
      duckdb: [`ALTER TABLE ${col} SET DATA TYPE ${c.duckdbType}`],
      required: true, summary: `widen ${c.name} to ${c.sqlType}`, position: c.position,
    });
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
    steps.push(dropNotNullStep(after, c.name, c.position));
  }
  if (columnComment(prev) !== columnComment(c)) {
    steps.push({
      kind: "comment", table, column: c.name,
      statements: [`ALTER TABLE ${col} COMMENT ${sqlString(columnComment(c), "snowflake")}`],
      duckdb: [`COMMENT ON COLUMN ${qualified(after)}.${quoteIdent(c.name)} IS ${sqlString(columnComment(c), "duckdb")}`],
      required: false, summary: `comment on ${c.name}`, position: c.position,
    });
  }
}

/** The steps and problems of one sink table present in both versions. */
export function diffTable(before: SinkTable, beforeCatalog: Catalog, after: SinkTable, afterCatalog: Catalog): TableDiff {
  const steps: MigrationStep[] = [];
  const problems: WarehouseProblem[] = [];
  const old = new Map(before.columns.map((c) => [columnKey(before, c, beforeCatalog), c]));
  const oldNames = new Set(before.columns.map((c) => c.name));
  const kept = new Set<WarehouseColumn>();
  for (const c of after.columns) {
    const prev = old.get(columnKey(after, c, afterCatalog));
    if (prev) {
      kept.add(prev);
      diffColumn(after, prev, c, steps, problems);
    } else if (oldNames.has(c.name)) {
      problems.push({
        kind: "column_type_changed",
        table: after.name,
        column: c.name,
        message: `Column "${c.name}" of table ${after.name} was reassigned to another field; the existing column keeps the old field's values. Give the field a new column name (column option)`,
        position: c.position,
      });
    } else {
      steps.push(addColumnStep(after, c));
    }
  }
  // A column whose field left the contract stays in the table (its data too) and gets NULL from
  // now on: a NOT NULL there would reject every later row. Reported on the surviving message.
  const newNames = new Set(after.columns.map((c) => c.name));
  for (const prev of before.columns) {
    if (kept.has(prev) || prev.nullable || newNames.has(prev.name)) continue;
    steps.push(dropNotNullStep(after, prev.name, after.event.message.position, " (its field left the contract)"));
  }
  return { steps, problems };
}

export function createTableStep(t: SinkTable): MigrationStep {
  return {
    kind: "create_table",
    table: t.name,
    statements: splitDdl(emitTableDdl(t)),
    duckdb: splitDdl(emitDuckdbTableDdl(t)),
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
