/** Warehouse rules: column overrides fit their field, and sink columns are unique and usable names. */
import type { Catalog, EventModel } from "../../model/catalog.js";
import { columnTypeProblem } from "../../warehouse/column-types.js";
import { eventColumns, type ColumnSource } from "../../warehouse/columns.js";
import { sinkColumnProblem } from "../../warehouse/identifiers.js";
import { clusterColumnKnown } from "../../warehouse/sink-table.js";
import type { LintHit, LintRule } from "./rule.js";

export const columnTypeMismatch: LintRule = {
  id: "EVT_COLUMN_TYPE_MISMATCH",
  category: "WAREHOUSE",
  severity: "error",
  doc: "Checks that a column_type override is a Snowflake type that holds every value of the field.",
  check: (catalog) =>
    Object.values(catalog.messages).flatMap((m) =>
      m.fields.flatMap((f) => {
        if (f.columnType === undefined) return [];
        const problem = columnTypeProblem(f, f.columnType);
        return problem ? [{ position: f.position, element: `${m.fullName}.${f.name}`, message: `column_type of ${m.fullName}.${f.name}: ${problem}` }] : [];
      }),
    ),
};

/** Column layouts a sunk event produces: plain, and flattened when a sink asks for it. */
function sinkLayouts(e: EventModel, catalog: Catalog): ColumnSource[][] {
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
  doc: "Checks that sink column names are UPPER_SNAKE identifiers, not Snowflake reserved words, evt's EVT_ metadata prefix, or longer than 255 characters.",
  check: (catalog) =>
    catalog.events.flatMap((e) =>
      sinkLayouts(e, catalog).flatMap((columns) =>
        columns.flatMap((c) => {
          const problem = sinkColumnProblem(c.name);
          return problem ? [{ position: c.position, element: c.element, message: `column of ${c.element}: ${problem}` }] : [];
        }),
      ),
    ),
};

export const clusterByUnknown: LintRule = {
  id: "EVT_CLUSTER_BY_UNKNOWN",
  category: "WAREHOUSE",
  severity: "error",
  doc: "Checks that every cluster_by entry of a sink names a column of its table.",
  check: (catalog) =>
    catalog.events.flatMap((e) =>
      e.sinks.flatMap((s) => {
        const columns = eventColumns(e.message, catalog, { flatten: s.flattenNested });
        return s.clusterBy
          .filter((c) => !clusterColumnKnown(c.toUpperCase(), columns))
          .map((c) => ({ position: s.position, element: e.fullName, message: `cluster_by ${JSON.stringify(c.slice(0, 40))} of sink ${s.table} is not a column of the table` }));
      }),
    ),
};
