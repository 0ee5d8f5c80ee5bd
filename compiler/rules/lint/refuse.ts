/**
 * Commands that emit from the contracts (`evt generate`, `evt ddl plan`) refuse a catalog with lint
 * errors: lint is the one place that judges a contract string, so nothing it rejects (a topic
 * with a line break, a column name that is not UPPER_SNAKE) ever reaches emitted SQL or code.
 */
import type { Catalog } from "../../model/catalog.js";
import { EvtError } from "../../errors.js";
import { isBlocking, type Finding } from "../../report/index.js";
import { lintCatalog } from "./index.js";

/** Lint errors in contracts a command refused to emit from; rendered as findings, exit 1. */
export class LintRefusalError extends EvtError {
  override name = "LintRefusalError";
  constructor(readonly command: string, readonly findings: readonly Finding[]) {
    super(`${command} refused: the contracts have ${findings.length} lint error(s); fix them (see evt lint) and rerun`);
  }
}

export const isLintRefusalError = (e: unknown): e is LintRefusalError => e instanceof Error && e.name === "LintRefusalError";

/** Throws LintRefusalError with the blocking lint findings of `catalog`, if any. */
export function refuseLintErrors(catalog: Catalog, command: string): void {
  const errors = lintCatalog(catalog).filter(isBlocking);
  if (errors.length > 0) throw new LintRefusalError(command, errors);
}
