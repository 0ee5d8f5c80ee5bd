/**
 * `evt lint`: runs every registered rule over the catalog and returns sorted, de-duplicated
 * findings. `lintProject` compiles the proto root first (a tree that does not compile throws
 * ProtoCompileError, exit 2, before any rule runs).
 */
import path from "node:path";
import { loadCatalog } from "../../model/build-catalog.js";
import { installedVocabulary, vocabularyStatus, VOCABULARY_PROTO } from "../../vocabulary/installed.js";
import type { Catalog } from "../../model/catalog.js";
import { sortFindings, type Finding } from "../../report/index.js";
import { LINT_RULES } from "./registry.js";
import type { LintRule } from "./rule.js";

export { LINT_RULES } from "./registry.js";
export type { LintCategory, LintHit, LintRule } from "./rule.js";

export function lintCatalog(catalog: Catalog, rules: readonly LintRule[] = LINT_RULES): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const hit of rule.check(catalog)) {
      findings.push({
        ruleId: rule.id,
        layer: "lint",
        category: rule.category,
        severity: hit.severity ?? rule.severity,
        message: hit.message,
        file: hit.position.file,
        line: hit.position.line,
        column: hit.position.column,
        element: hit.element,
      });
    }
  }
  return sortFindings(findings);
}

export interface LintProjectOptions {
  /** Proto root to compile. */
  readonly root: string;
  /** How file names appear in findings (default: `root` as given), e.g. relative to the cwd. */
  readonly displayRoot?: string;
}

export async function lintProject(options: LintProjectOptions): Promise<{ readonly catalog: Catalog; readonly findings: Finding[] }> {
  const { catalog } = await loadCatalog(options.root, options.displayRoot ?? options.root);
  return { catalog, findings: sortFindings([...lintCatalog(catalog), ...vocabularyFindings(options)]) };
}

export const VOCABULARY_DIFFERS = "EVT_VOCABULARY_DIFFERS";

/**
 * A repository check rather than a catalog rule: the proto root's copy of the vocabulary should be
 * the one the installed evt reads options with (docs/decisions.md D42).
 */
function vocabularyFindings(options: LintProjectOptions): Finding[] {
  if (vocabularyStatus(options.root) !== "differs") return [];
  const { version } = installedVocabulary();
  const file = path.join(options.displayRoot ?? options.root, VOCABULARY_PROTO);
  return [
    {
      ruleId: VOCABULARY_DIFFERS,
      layer: "lint",
      category: "VOCABULARY",
      severity: "warning",
      message: `${file} differs from the vocabulary of the installed evt ${version}, which reads the options; run evt init --force to replace it with the installed one`,
      file,
      line: 1,
      column: 1,
      element: VOCABULARY_PROTO,
    },
  ];
}
