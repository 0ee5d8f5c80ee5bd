/**
 * Warehouse rules: a change the existing sink table cannot absorb. Additions and widenings pass
 * once their migration is committed (`evt ddl plan`); renames, narrowings and incompatible type
 * changes have no migration and fail with advice. The table diff comes from
 * compiler/warehouse/migrations.ts, computed once per sink pair.
 */
import { normalizeStatement } from "../migrations-index.js";
import { diffTable, tableOf, type ProblemKind, type TableDiff } from "../../../warehouse/migrations.js";
import type { SinkModel } from "../../../model/catalog.js";
import { defineRule, type RuleContext, type SinkPair, type Violation } from "../types.js";

const diffs = new WeakMap<SinkPair, TableDiff>();

const NO_CHANGE: TableDiff = { steps: [], problems: [] };

function sameSink(a: SinkModel, b: SinkModel): boolean {
  return a.table === b.table && a.mode === b.mode && a.flattenNested === b.flattenNested && a.clusterBy.join() === b.clusterBy.join();
}

function diffOf(p: SinkPair, ctx: RuleContext): TableDiff | undefined {
  if (!p.before || !p.after) return undefined;
  // Same descriptors (options included) for the event and every type it reaches, same sink: same table.
  if (p.event.before.fingerprint === p.event.after.fingerprint && sameSink(p.before, p.after)) return NO_CHANGE;
  let d = diffs.get(p);
  if (!d) {
    const options = { schemaPrefix: ctx.schemaPrefix };
    const before = tableOf({ event: p.event.before, sink: p.before, catalog: ctx.before }, options);
    const after = tableOf({ event: p.event.after, sink: p.after, catalog: ctx.after }, options);
    d = diffTable(before, ctx.before, after, ctx.after);
    diffs.set(p, d);
  }
  return d;
}

export const WAREHOUSE_MIGRATION_MISSING = defineRule({
  id: "WAREHOUSE_MIGRATION_MISSING",
  layer: "warehouse",
  category: "WAREHOUSE",
  doc: "Checks that every change an existing sink table needs (new column, widened type, dropped NOT NULL) has a committed migration.",
  subject: "sink",
  check(p, ctx): Violation[] {
    const d = diffOf(p, ctx);
    if (!d) return [];
    return d.steps
      .filter((s) => s.required && !s.statements.every((st) => ctx.migrations.has(normalizeStatement(st))))
      .map((s) => ({
        message: `Table ${s.table} needed a migration that is not committed (${s.summary}); run \`evt ddl plan --against <baseline>\` and commit generated/snowflake/migrations`,
        at: s.position,
        element: `${s.table}.${s.column ?? ""}`,
      }));
  },
});

function problemRule(id: string, kind: ProblemKind, doc: string) {
  return defineRule({
    id,
    layer: "warehouse",
    category: "WAREHOUSE",
    doc,
    subject: "sink",
    check(p, ctx): Violation[] {
      const d = diffOf(p, ctx);
      if (!d) return [];
      return d.problems.filter((x) => x.kind === kind).map((x) => ({ message: x.message, at: x.position, element: `${x.table}.${x.column}` }));
    },
  });
}

export const COLUMN_NO_RENAME = problemRule(
  "COLUMN_NO_RENAME",
  "column_renamed",
  "Checks that a sink column keeps its name when its field is renamed or its column option changes (no migration renames columns).",
);

export const COLUMN_TYPE_COMPATIBLE = problemRule(
  "COLUMN_TYPE_COMPATIBLE",
  "column_type_changed",
  "Checks that a sink column's type only widens in ways Snowflake's ALTER allows (NUMBER precision up, VARCHAR length up).",
);

export const COLUMN_NO_NOT_NULL = problemRule(
  "COLUMN_NO_NOT_NULL",
  "column_not_null_added",
  "Checks that an existing nullable sink column does not become NOT NULL (rows already written may hold NULL).",
);

export const SINK_TABLE_NO_RENAME = defineRule({
  id: "SINK_TABLE_NO_RENAME",
  layer: "warehouse",
  category: "WAREHOUSE",
  doc: "Checks that an event's sink table is not renamed (the old table keeps the history; no migration renames tables).",
  subject: "sink",
  check(p): Violation[] {
    if (!p.before || p.after) return [];
    const added = p.event.after.sinks.filter((s) => !p.event.before.sinks.some((b) => b.table === s.table));
    if (added.length === 0) return [];
    return [{
      message: `Sink table of event "${p.event.name}" was renamed from ${p.table} to ${added[0]!.table}; the new table would start empty. Keep ${p.table}, or add the new sink next to it and backfill`,
      at: added[0]!.position,
      element: p.table,
    }];
  },
});

export const SINK_NO_DELETE = defineRule({
  id: "SINK_NO_DELETE",
  layer: "warehouse",
  category: "WAREHOUSE",
  doc: "Checks that a sink is not removed from an event (the table stops receiving rows); a warning, since the data stays.",
  subject: "sink",
  severity: "warning",
  check(p): Violation[] {
    if (!p.before || p.after) return [];
    if (p.event.after.sinks.some((s) => !p.event.before.sinks.some((b) => b.table === s.table))) return []; // a rename
    return [{ message: `Sink ${p.table} was removed from event "${p.event.name}"; the table stops receiving rows`, at: p.event.after.optionPosition, element: p.table }];
  },
});

export const WAREHOUSE_RULES = [COLUMN_NO_NOT_NULL, COLUMN_NO_RENAME, COLUMN_TYPE_COMPATIBLE, SINK_NO_DELETE, SINK_TABLE_NO_RENAME, WAREHOUSE_MIGRATION_MISSING] as const;
