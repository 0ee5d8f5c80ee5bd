/** Warehouse rules: column overrides fit their field, and sink columns are unique and usable names. */
import type { Catalog, EventModel } from "../../model/catalog.js";
import { columnTypeProblem } from "../../warehouse/column-types.js";
import { columnNameProblem } from "../../warehouse/identifiers.js";
import { eventColumns, type ColumnSource } from "../../warehouse/columns.js";
import type { LintHit, LintRule } from "./rule.js";

export const columnTypeMismatch: LintRule = {
  id: "EVT_COLUMN_TYPE_MISMATCH",
  category: "WAREHOUSE",
  severity: "error",
  doc: "Checks that a column_type override is a Snowflake type that holds every value of the field.",
  check: (catalog) => {
    // the layouts of every sunk event are walked only when some override has a problem to name
    let users: Map<string, Set<string>> | undefined;
    return Object.values(catalog.messages).flatMap((m) =>
      m.fields.flatMap((f) => {
        if (f.columnType === undefined) return [];
        const problem = columnTypeProblem(f, f.columnType);
        if (!problem) return [];
        const element = `${m.fullName}.${f.name}`;
        users ??= columnUsers(catalog);
        // A shared message's field is named with the events whose tables make it a column.
        const events = [...(users.get(element) ?? [])].filter((e) => e !== m.fullName);
        const where = events.length > 0 ? ` (a column of the tables of ${events.join(", ")})` : "";
        return [{ position: f.position, element, message: `column_type of ${element}${where}: ${problem}` }];
      }),
    );
  },
};

/** `pkg.Msg.field` → the events whose sink tables have a column from it. */
function columnUsers(catalog: Catalog): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of catalog.events) {
    for (const c of sinkLayouts(e, catalog).flat()) {
      const users = out.get(c.element);
      if (users) users.add(e.fullName);
      else out.set(c.element, new Set([e.fullName]));
    }
  }
  return out;
}

/** Column layouts a sunk event produces: plain, and flattened when a sink asks for it. */
function sinkLayouts(e: EventModel, catalog: Catalog): (readonly ColumnSource[])[] {
  if (e.sinks.length === 0) return [];
  const layouts = [eventColumns(e.message, catalog, { flatten: false })];
  if (e.sinks.some((s) => s.flattenNested)) layouts.push(eventColumns(e.message, catalog, { flatten: true }));
  return layouts;
}

export const columnCollision: LintRule = {
  id: "EVT_COLUMN_COLLISION",
  category: "WAREHOUSE",
  severity: "error",
  doc: "Checks that no two fields of a sunk event map to the same column after case folding and renames.",
  check: (catalog) =>
    catalog.events.flatMap((e) =>
      sinkLayouts(e, catalog).flatMap((columns) => {
        const seen = new Map<string, ColumnSource>();
        const hits: LintHit[] = [];
        for (const c of columns) {
          const folded = c.name.toUpperCase();
          const prev = seen.get(folded);
          if (!prev) seen.set(folded, c);
          else
            hits.push({
              position: c.position,
              element: c.element,
              message: `column "${c.name}" of ${c.element} collides with "${prev.name}" of ${prev.element} in the tables of ${e.fullName}`,
            });
        }
        return hits;
      }),
    ),
};

export const reservedColumn: LintRule = {
  id: "EVT_RESERVED_COLUMN",
  category: "WAREHOUSE",
  severity: "error",
  doc: "Checks that sink column names are UPPER_SNAKE, not Snowflake reserved words, not evt's EVT_ metadata prefix, and at most 255 characters.",
  check: (catalog) =>
    catalog.events.flatMap((e) =>
      sinkLayouts(e, catalog).flatMap((columns) =>
        columns.flatMap((c) => {
          const problem = columnNameProblem(c.name);
          // A shared message's field is named with the event whose table makes it a column.
          return problem ? [{ position: c.position, element: c.element, message: `column of ${c.element} in the tables of ${e.fullName}: ${problem}` }] : [];
        }),
      ),
    ),
};

