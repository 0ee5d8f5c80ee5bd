/**
 * Warehouse identifiers: UPPER_SNAKE from proto names, Snowflake's reserved words, and the
 * column prefix evt keeps for its own metadata columns. Data plus small pure functions, shared by
 * lint and the DDL emitter.
 */

/** `order_id` → `ORDER_ID`, `orderId` → `ORDER_ID`, `line2` → `LINE2`. */
export function upperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toUpperCase();
}

/** Snowflake identifiers (quoted or not) are at most 255 characters. */
export const MAX_IDENTIFIER_LENGTH = 255;

/**
 * Snowflake's reserved keywords ("cannot be used as an identifier" unquoted; docs: Reserved &
 * limited keywords). evt quotes every identifier, but a column named like a keyword still forces
 * every analyst to quote it, so lint rejects it.
 */
export const SNOWFLAKE_RESERVED_WORDS: ReadonlySet<string> = new Set([
  "ACCOUNT", "ALL", "ALTER", "AND", "ANY", "AS", "BETWEEN", "BY", "CASE", "CAST", "CHECK", "COLUMN",
  "CONNECT", "CONNECTION", "CONSTRAINT", "CREATE", "CROSS", "CURRENT", "CURRENT_DATE", "CURRENT_TIME",
  "CURRENT_TIMESTAMP", "CURRENT_USER", "DATABASE", "DELETE", "DISTINCT", "DROP", "ELSE", "EXISTS",
  "FALSE", "FOLLOWING", "FOR", "FROM", "FULL", "GRANT", "GROUP", "GSCLUSTER", "HAVING", "ILIKE", "IN",
  "INCREMENT", "INNER", "INSERT", "INTERSECT", "INTO", "IS", "ISSUE", "JOIN", "LATERAL", "LEFT", "LIKE",
  "LOCALTIME", "LOCALTIMESTAMP", "MINUS", "NATURAL", "NOT", "NULL", "OF", "ON", "OR", "ORDER",
  "ORGANIZATION", "QUALIFY", "REGEXP", "REVOKE", "RIGHT", "RLIKE", "ROW", "ROWS", "SAMPLE", "SCHEMA",
  "SELECT", "SET", "SOME", "START", "TABLE", "TABLESAMPLE", "THEN", "TO", "TRIGGER", "TRUE", "TRY_CAST",
  "UNION", "UNIQUE", "UPDATE", "USING", "VALUES", "VIEW", "WHEN", "WHENEVER", "WHERE", "WINDOW", "WITH",
]);

/** Sink tables add metadata columns (event id, time, topic, partition, offset…) named `EVT_*`. */
export const METADATA_COLUMN_PREFIX = "EVT_";

/** A name as shown in a one-line message: quoted, escaped (a hostile name may hold line breaks), at most 40 characters. */
function shown(name: string): string {
  return name.length > 40 ? `${JSON.stringify(name.slice(0, 40)).slice(0, -1)}…"` : JSON.stringify(name);
}

/**
 * Why a column name cannot be used, or undefined when it can: the one check lint
 * (EVT_RESERVED_COLUMN) and generate (sink-table.ts) both apply, so `column: "speed"` fails both.
 */
export function columnNameProblem(name: string): string | undefined {
  if (name.length === 0) return "the column name is empty";
  const upper = name.toUpperCase();
  if (SNOWFLAKE_RESERVED_WORDS.has(upper)) return `${shown(name)} is a Snowflake reserved word`;
  if (upper.startsWith(METADATA_COLUMN_PREFIX)) return `${shown(name)} uses the ${METADATA_COLUMN_PREFIX} prefix reserved for evt's metadata columns`;
  if (name.length > MAX_IDENTIFIER_LENGTH) return `${shown(name)} is longer than ${MAX_IDENTIFIER_LENGTH} characters`;
  if (!IDENTIFIER_PATTERN.test(name)) return `${shown(name)} is not UPPER_SNAKE (A-Z, 0-9, _; not starting with a digit); write column: "${upperSnake(name).replace(/[^A-Z0-9_]/g, "_")}"`;
  return undefined;
}


/** Sink table: `SCHEMA.TABLE`, upper-case unquoted-identifier syntax (emitted SQL quotes it, so case matters). */
export const SINK_TABLE_PATTERN = /^[A-Z_][A-Z0-9_$]*\.[A-Z_][A-Z0-9_$]*$/;

/** Why a sink's `table` cannot be used, or undefined (lint's EVT_SINK_TABLE_NAME and generate both call this). */
export function sinkTableNameProblem(table: string): string | undefined {
  if (SINK_TABLE_PATTERN.test(table)) return undefined;
  const suggestion = table.toUpperCase();
  return SINK_TABLE_PATTERN.test(suggestion) ? `sink table "${table}" is not upper-case; write table: "${suggestion}"` : `sink table "${table}" is not upper-case SCHEMA.TABLE`;
}

/** Emitted identifiers: upper-case letters, digits and underscores, not starting with a digit. */
export const IDENTIFIER_PATTERN = /^[A-Z_][A-Z0-9_]*$/;


export { quoteIdent } from "./sql-escape.js";

/** Names that collide after case folding, grouped in input order: `[["ORDER_ID", "order_id"]]`. */
export function findCollisions(names: readonly string[]): string[][] {
  const byFolded = new Map<string, string[]>();
  for (const n of names) {
    const k = n.toUpperCase();
    byFolded.set(k, [...(byFolded.get(k) ?? []), n]);
  }
  return [...byFolded.values()].filter((g) => g.length > 1);
}
