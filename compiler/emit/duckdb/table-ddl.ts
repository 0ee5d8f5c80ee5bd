/**
 * `duckdb/tables/<SCHEMA>.<TABLE>.sql`: the CREATE TABLE of one sink in DuckDB's dialect, for the
 * embedded local warehouse (`warehouse.target: duckdb`). Same columns, order and nullability as the
 * Snowflake table, typed by the mapping table's `duckdb` column (HUGEINT nanosecond durations,
 * TIMESTAMP_NS, JSON for VARIANT, typed LISTs for ARRAY, UBIGINT for uint64). Only `IF NOT EXISTS`
 * forms are emitted; comments go through `COMMENT ON`, which DuckDB stores in its catalog.
 */
import { METADATA_COLUMNS } from "../../warehouse/mapping.js";
import { quoteIdent } from "../../warehouse/identifiers.js";
import type { SinkTable } from "../../warehouse/sink-table.js";
import { generatedHeader } from "../header.js";
import { columnComment, qualifiedTable } from "../snowflake/pii.js";
import { sqlComment, sqlString } from "../../warehouse/sql-escape.js";

export function duckdbTableDdlPath(t: SinkTable): string {
  return `duckdb/tables/${t.schema}.${t.table}.sql`;
}

export function emitDuckdbTableDdl(t: SinkTable): string {
  const qualified = qualifiedTable(t);
  const defs: string[] = [];
  const comments: string[] = [];
  for (const m of METADATA_COLUMNS) {
    defs.push(`  ${quoteIdent(m.name)} ${m.duckdb}${m.nullable ? "" : " NOT NULL"}`);
    comments.push(`COMMENT ON COLUMN ${qualified}.${quoteIdent(m.name)} IS ${sqlString(m.comment, "duckdb")};`);
  }
  for (const c of t.columns) {
    defs.push(`  ${quoteIdent(c.name)} ${c.duckdbType}${c.nullable ? "" : " NOT NULL"}`);
    const comment = columnComment(c);
    if (comment) comments.push(`COMMENT ON COLUMN ${qualified}.${quoteIdent(c.name)} IS ${sqlString(comment, "duckdb")};`);
  }
  const e = t.event;
  const tableComment = `Event contract ${e.fullName} (topic ${e.topic}, owner ${e.owner || "unknown"}, ${t.mode}).${e.message.comment ? ` ${e.message.comment}` : ""}`;
  return [
    generatedHeader("--", sqlComment(`${e.file} (message ${e.fullName})`)),
    `-- Sink ${sqlComment(t.name)} of topic ${sqlComment(e.topic)}, DuckDB dialect (local warehouse). Merge key: ${t.mergeKey.map(quoteIdent).join(", ")}.`,
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(t.schema)};`,
    "",
    `CREATE TABLE IF NOT EXISTS ${qualified} (`,
    defs.join(",\n"),
    ");",
    "",
    `COMMENT ON TABLE ${qualified} IS ${sqlString(tableComment, "duckdb")};`,
    ...comments,
    "",
  ].join("\n");
}

/** Every sink table's DuckDB DDL as `{ path, content }` relative to the output directory. */
export function emitDuckdbTables(tables: readonly SinkTable[]): { path: string; content: string }[] {
  return tables.map((t) => ({ path: duckdbTableDdlPath(t), content: emitDuckdbTableDdl(t) }));
}
