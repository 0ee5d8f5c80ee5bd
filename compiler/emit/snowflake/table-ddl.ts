/**
 * `snowflake/tables/<SCHEMA>.<TABLE>.sql`: the CREATE TABLE of one sink. Only `CREATE … IF NOT
 * EXISTS` is emitted, never `CREATE OR REPLACE` / `CREATE OR ALTER` (they can drop data or
 * columns); an existing table changes through reviewed migrations.
 */
import { METADATA_COLUMNS } from "../../warehouse/mapping.js";
import { quoteIdent } from "../../warehouse/identifiers.js";
import type { SinkTable } from "../../warehouse/sink-table.js";
import { generatedHeader } from "../header.js";
import { columnComment, qualifiedTable } from "./pii.js";
import { sqlComment, sqlString } from "../../warehouse/sql-escape.js";

export function tableDdlPath(t: SinkTable): string {
  return `snowflake/tables/${t.schema}.${t.table}.sql`;
}

function mergeKeyNote(t: SinkTable): string {
  const cols = t.mergeKey.map(quoteIdent).join(", ");
  return t.mode === "UPSERT"
    ? `-- Mode UPSERT, merge key ${cols}: one row per event key; the event with the highest Kafka offset wins.`
    : `-- Mode APPEND, merge key ${cols}: one row per event, de-duplicated on the event id (ce_id), so a replay adds no rows.`;
}

export function emitTableDdl(t: SinkTable): string {
  const defs: string[] = [];
  for (const m of METADATA_COLUMNS) {
    defs.push(`  ${quoteIdent(m.name)} ${m.snowflake}${m.nullable ? "" : " NOT NULL"} COMMENT ${sqlString(m.comment, "snowflake")}`);
  }
  for (const c of t.columns) {
    const comment = columnComment(c);
    defs.push(`  ${quoteIdent(c.name)} ${c.sqlType}${c.nullable ? "" : " NOT NULL"}${comment ? ` COMMENT ${sqlString(comment, "snowflake")}` : ""}`);
  }
  const e = t.event;
  const tableComment = `Event contract ${e.fullName} (topic ${e.topic}, owner ${e.owner || "unknown"}, ${t.mode}).${e.message.comment ? ` ${e.message.comment}` : ""}`;
  const lines = [
    generatedHeader("--", sqlComment(`${e.file} (message ${e.fullName})`)),
    `-- Sink ${sqlComment(t.name)} of topic ${sqlComment(e.topic)}.`,
    mergeKeyNote(t),
    "-- Columns whose comment starts with [PII:PERSONAL] or [PII:SENSITIVE] hold personal data (tags: snowflake/governance/pii_tags.sql).",
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(t.schema)};`,
    "",
    `CREATE TABLE IF NOT EXISTS ${qualifiedTable(t)} (`,
    defs.join(",\n"),
    ")",
  ];
  if (t.clusterBy.length > 0) lines.push(`CLUSTER BY (${t.clusterBy.map(quoteIdent).join(", ")})`);
  lines.push(`COMMENT = ${sqlString(tableComment, "snowflake")};`);
  return lines.join("\n") + "\n";
}
