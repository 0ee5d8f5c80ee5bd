/**
 * A lint rule is data: a stable id, a category, a severity, a one-sentence doc and a check over
 * the catalog. The check returns hits (position, message, element); the registry turns them into
 * Findings, so a rule can never report under someone else's id.
 */
import type { Catalog, SourcePosition } from "../../model/catalog.js";
import type { Severity } from "../../report/index.js";

export type LintCategory = "TOPIC" | "KEY" | "OWNERSHIP" | "PII" | "WAREHOUSE" | "SINK" | "INGEST" | "SLO" | "EVENT_TIME";

export interface LintHit {
  readonly position: SourcePosition;
  readonly message: string;
  /** Full name of the element (event, `Msg.field`, table) the hit is about. */
  readonly element: string;
  /** Overrides the rule's default severity for this hit. */
  readonly severity?: Severity;
}

export interface LintRule {
  /** SCREAMING_SNAKE, `EVT_` prefix; stable (docs, JSON output, approvals). */
  readonly id: string;
  readonly category: LintCategory;
  readonly severity: Severity;
  /** One sentence: "Checks that …". */
  readonly doc: string;
  readonly check: (catalog: Catalog) => readonly LintHit[];
}
