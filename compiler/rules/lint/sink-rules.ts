/** Sink rules: table names, uniqueness, UPSERT needs a key, and warehouse options only where a sink writes. */
import type { Catalog, EventModel, FieldModel, MessageModel, SinkModel } from "../../model/catalog.js";
import { eventColumns } from "../../warehouse/columns.js";
import { sinkTableNameProblem } from "../../warehouse/identifiers.js";
import { clusterColumnProblem, sinkTable, upsertKeyColumn, type SinkTable } from "../../warehouse/sink-table.js";
import type { LintHit, LintRule } from "./rule.js";

export const sinkTableName: LintRule = {
  id: "EVT_SINK_TABLE_NAME",
  category: "SINK",
  severity: "error",
  doc: "Checks that sink tables are upper-case SCHEMA.TABLE identifiers.",
  check: (catalog) =>
    catalog.events.flatMap((e) =>
      e.sinks.flatMap((s) => {
        const problem = sinkTableNameProblem(s.table);
        return problem ? [{ position: s.position, element: e.fullName, message: `${problem} (sink of ${e.fullName})` }] : [];
      }),
    ),
};

export const sinkTableDuplicate: LintRule = {
  id: "EVT_SINK_TABLE_DUPLICATE",
  category: "SINK",
  severity: "error",
  doc: "Checks that every sink table is written by exactly one sink.",
  check: (catalog) => {
    const first = new Map<string, string>();
    const hits: LintHit[] = [];
    for (const e of catalog.events) {
      for (const s of e.sinks) {
        if (s.table === "") continue;
        const key = s.table.toUpperCase();
        const owner = first.get(key);
        if (owner === undefined) first.set(key, e.fullName);
        else hits.push({ position: s.position, element: s.table, message: `sink table "${s.table}" of ${e.fullName} is already written by ${owner}` });
      }
    }
    return hits;
  },
};

/** A sink's resolved table as generate sees it (problems are other rules' business here). */
function resolvedTable(e: EventModel, s: SinkModel, catalog: Catalog): SinkTable {
  return sinkTable(e, s, catalog, { schemaPrefix: "" }, []);
}

export const upsertWithoutKey: LintRule = {
  id: "EVT_UPSERT_WITHOUT_KEY",
  category: "SINK",
  severity: "error",
  doc: "Checks that UPSERT sinks belong to events with a key that is a column of the table (the MERGE runs on it).",
  check: (catalog) =>
    catalog.events.flatMap((e) =>
      e.sinks
        .filter((s) => s.mode === "UPSERT" && e.topic !== "")
        .flatMap((s) => {
          const merge = upsertKeyColumn(e, resolvedTable(e, s, catalog).columns);
          return typeof merge === "string" ? [{ position: s.position, element: e.fullName, message: `sink ${s.table} of ${e.fullName}: ${merge}` }] : [];
        }),
    ),
};

export const sinkClusterColumn: LintRule = {
  id: "EVT_SINK_CLUSTER_COLUMN",
  category: "SINK",
  severity: "error",
  doc: "Checks that every cluster_by entry names a column of the sink's table.",
  check: (catalog) =>
    catalog.events.flatMap((e) =>
      e.sinks
        .filter((s) => s.clusterBy.length > 0)
        .flatMap((s) => {
          const columns = resolvedTable(e, s, catalog).columns;
          return s.clusterBy.flatMap((c) => {
            const problem = clusterColumnProblem(c, columns);
            return problem ? [{ position: s.position, element: e.fullName, message: `sink ${s.table} of ${e.fullName}: ${problem}` }] : [];
          });
        }),
    ),
};

/** Messages whose fields become columns of some sink table (the event, and flattened nested messages). */
function sunkMessages(catalog: Catalog): Set<string> {
  const out = new Set<string>();
  for (const e of catalog.events) {
    if (e.sinks.length === 0 || e.topic === "") continue;
    out.add(e.fullName);
    if (!e.sinks.some((s) => s.flattenNested)) continue;
    for (const c of eventColumns(e.message, catalog, { flatten: true })) {
      // Every message on a flattened column's path contributes columns.
      let msg: MessageModel | undefined = e.message;
      for (const seg of c.path.slice(0, -1)) {
        const f: FieldModel | undefined = msg?.fields.find((x) => x.name === seg);
        msg = f?.type.kind === "message" ? catalog.messages[f.type.typeName] : undefined;
        if (msg) out.add(msg.fullName);
      }
    }
  }
  return out;
}

/**
 * Sinks live inside `(evt.v1.event)`, so a sink can only be "on a non-event" in two ways
 * (docs/decisions.md D8): an event option with sinks but no topic (nothing feeds the table: error),
 * and warehouse field options (`column`, `column_type`) on a message no sink writes as columns
 * (they have no effect: warning).
 */
export const sinkOnNonEvent: LintRule = {
  id: "EVT_SINK_ON_NON_EVENT",
  category: "SINK",
  severity: "error",
  doc: "Checks that sinks and warehouse field options (column, column_type) are only used where an event feeds a table.",
  check: (catalog) => {
    const hits: LintHit[] = [];
    for (const e of catalog.events) {
      if (e.topic !== "") continue;
      for (const s of e.sinks) {
        hits.push({ position: s.position, element: e.fullName, message: `sink ${s.table} of ${e.fullName} has no events to write: the event option has no topic` });
      }
    }
    const sunk = sunkMessages(catalog);
    for (const m of Object.values(catalog.messages)) {
      if (sunk.has(m.fullName)) continue;
      for (const f of m.fields) {
        const opts = [f.column !== undefined ? "column" : "", f.columnType !== undefined ? "column_type" : ""].filter(Boolean);
        if (opts.length === 0) continue;
        hits.push({
          position: f.position,
          element: `${m.fullName}.${f.name}`,
          severity: "warning",
          message: `${opts.join(" and ")} on ${m.fullName}.${f.name} has no effect: no sink writes ${m.fullName} as columns`,
        });
      }
    }
    return hits;
  },
};
