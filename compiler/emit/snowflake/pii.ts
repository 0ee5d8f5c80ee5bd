/**
 * How PII classification reaches Snowflake (docs/warehouse-mapping.md "PII"). Chosen: a
 * `[PII:PERSONAL]` / `[PII:SENSITIVE]` prefix on the column COMMENT inside CREATE TABLE (works on
 * every edition and survives in `DESCRIBE TABLE`), plus a separate, optional statements file
 * creating one object tag and setting it per column. Inline `WITH TAG` was not chosen: object
 * tagging needs Enterprise Edition and the tag to exist first, so an inline tag would make the
 * table DDL itself fail on Standard accounts or on a fresh schema.
 */
import type { PiiClass } from "../../model/catalog.js";
import type { SinkTable } from "../../warehouse/sink-table.js";
import { quoteIdent } from "../../warehouse/identifiers.js";
import { sqlComment, sqlString } from "../../warehouse/sql-escape.js";
import { generatedHeader } from "../header.js";

/** Schema (before the configured prefix) and name of the tag object. */
export const PII_TAG_SCHEMA = "EVT_GOVERNANCE";
export const PII_TAG_NAME = "PII";

/** A sink table's double-quoted `"SCHEMA"."TABLE"` (DDL, migrations and tags alike). */
export function qualifiedTable(t: Pick<SinkTable, "schema" | "table">): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
}

/** A column's comment: the PII class prefix (`[PII:PERSONAL] `), then the proto comment. */
export function columnComment(c: { readonly pii: PiiClass; readonly comment: string }): string {
  return `${piiCommentPrefix(c.pii)}${c.comment}`;
}

export function piiCommentPrefix(pii: PiiClass): string {
  return pii === "none" ? "" : `[PII:${pii.toUpperCase()}] `;
}

/** `snowflake/governance/pii_tags.sql`: CREATE TAG IF NOT EXISTS plus one SET TAG per PII column. */
export function emitPiiTags(tables: readonly SinkTable[], schemaPrefix: string): string {
  const tag = `${quoteIdent(`${schemaPrefix.toUpperCase()}${PII_TAG_SCHEMA}`)}.${quoteIdent(PII_TAG_NAME)}`;
  const lines = [
    generatedHeader("--", "every sink of the catalog"),
    "-- PII classification as a Snowflake object tag (Enterprise Edition). Optional: the table DDL",
    "-- already marks the same columns with a [PII:PERSONAL] / [PII:SENSITIVE] comment prefix.",
    "-- Idempotent: safe to apply after every CREATE TABLE / migration.",
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(`${schemaPrefix.toUpperCase()}${PII_TAG_SCHEMA}`)};`,
    "",
    `CREATE TAG IF NOT EXISTS ${tag} ALLOWED_VALUES 'PERSONAL', 'SENSITIVE' COMMENT = ${sqlString("PII classification from the (evt.v1.field).pii annotation of the event contracts.", "snowflake")};`,
  ];
  for (const t of tables) {
    const pii = t.columns.filter((c) => c.pii !== "none");
    if (pii.length === 0) continue;
    lines.push("", `-- ${sqlComment(`${t.name} (${t.event.fullName})`)}`);
    for (const c of pii) {
      lines.push(`ALTER TABLE IF EXISTS ${qualifiedTable(t)} MODIFY COLUMN ${quoteIdent(c.name)} SET TAG ${tag} = ${sqlString(c.pii.toUpperCase(), "snowflake")};`);
    }
  }
  return lines.join("\n") + "\n";
}
