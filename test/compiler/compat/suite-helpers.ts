/**
 * Shared by the reference-suite tests (buf-suite, confluent-suite): extraction of the suites from
 * the mirrors (scripts/extract-compat-suites.ts, pinned commits) and catalogs of their trees.
 */
import { loadCatalog } from "../../../compiler/model/build-catalog.js";
import type { Catalog } from "../../../compiler/model/catalog.js";
import { extractSuites, MirrorMissingError, type Suites } from "../../../scripts/extract-compat-suites.js";

export { BUF_COMMIT, CONFLUENT_COMMIT } from "../../../scripts/extract-compat-suites.js";

/** The suites, or a failure that says how to fetch the missing mirror (never a skip). */
export function suites(): Suites {
  try {
    return extractSuites();
  } catch (e) {
    if (e instanceof MirrorMissingError) throw new Error(`reference suite unavailable: ${e.message}`);
    throw e;
  }
}

export async function catalogOfDir(dir: string): Promise<Catalog> {
  return (await loadCatalog(dir, "")).catalog;
}
