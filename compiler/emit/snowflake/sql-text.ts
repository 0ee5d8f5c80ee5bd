/** SQL text helpers for emitted Snowflake statements. */

/**
 * A Snowflake single-quoted string literal. Backslash is an escape character inside Snowflake
 * literals, so it is doubled; a quote is doubled (`isn't` → `'isn''t'`). Line breaks become spaces
 * so that every COMMENT stays on its line.
 */
export function sqlString(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "''").replace(/[\r\n]+/g, " ")}'`;
}
