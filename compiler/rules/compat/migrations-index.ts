/**
 * The statements of the committed migrations, normalised (whitespace collapsed, no trailing
 * semicolon; whole-line `--` comments dropped when splitting), so a warehouse rule can ask "is there a
 * migration for this change?" by looking its statement up.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export function normalizeStatement(sql: string): string {
  return sql
    .replace(/\s+/g, " ")
    .replace(/\s*;\s*$/, "")
    .trim();
}

/** Splits a migration file into statements (our migrations never put `;` inside literals except comments). */
export function splitStatements(sql: string): string[] {
  const noComments = sql.split("\n").map((l) => (/^\s*--/.test(l) ? "" : l)).join("\n");
  return noComments.split(/;\s*(?:\n|$)/).map(normalizeStatement).filter((s) => s.length > 0);
}

export function readMigrationStatements(dir: string): Set<string> {
  const out = new Set<string>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".sql")).sort()) {
    for (const s of splitStatements(readFileSync(path.join(dir, f), "utf8"))) out.add(s);
  }
  return out;
}
