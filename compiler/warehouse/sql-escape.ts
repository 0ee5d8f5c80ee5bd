/**
 * The one way a user string reaches emitted SQL (DDL, migrations, tags): as a double-quoted
 * identifier, a single-quoted literal, or text inside a `--` comment. Each first drops control
 * characters (line breaks included), so no contract string can end a comment, split a statement
 * (`;` + newline is where evt's statement splitter cuts) or hide a second statement; then it is
 * quoted for its context and dialect. `*`/`/`, `$$`, backticks and `--` are inert in all three
 * contexts because evt emits no block comments, no dollar-quoted strings and no backtick quoting.
 */

export type SqlDialect = "snowflake" | "duckdb";

/** C0 and C1 control characters, DEL, and the Unicode line/paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** `text` with every run of control characters replaced by one space. */
export function plainText(text: string): string {
  return text.replace(CONTROL, " ");
}

/** Double-quoted identifier (embedded quotes doubled). Every emitted identifier goes through this. */
export function quoteIdent(name: string): string {
  return `"${plainText(name).replace(/"/g, '""')}"`;
}

/**
 * Single-quoted string literal. Snowflake treats backslash as an escape inside literals, so it is
 * doubled there; DuckDB follows standard SQL (backslash is literal), so it is kept as is.
 */
export function sqlString(text: string, dialect: SqlDialect): string {
  const body = plainText(text).replace(/'/g, "''");
  return `'${dialect === "snowflake" ? body.replace(/\\/g, "\\\\") : body}'`;
}

/** Text for a `-- …` comment line: cannot end the line it is on. */
export function sqlComment(text: string): string {
  return plainText(text);
}
