/**
 * The one finding model shared by `evt lint` and `evt check-compat`: plain data, produced by
 * rules, sorted and de-duplicated once (`sortFindings`), rendered once (text / JSON / GitHub).
 */

export type Severity = "error" | "warning";

export interface Finding {
  /** Stable SCREAMING_SNAKE rule identifier, e.g. `EVT_TOPIC_MISSING`, `FIELD_NO_DELETE`. */
  readonly ruleId: string;
  /** Which checker produced it: `lint`, `wire`, `contract`, `warehouse`. */
  readonly layer: string;
  /** Rule category inside the layer (e.g. `TOPIC`, `KEY`, `WIRE_JSON`). */
  readonly category: string;
  readonly severity: Severity;
  /** One sentence; check-compat messages say in past tense what changed. */
  readonly message: string;
  /** File relative to the proto root (as the catalog reports it). */
  readonly file: string;
  /** 1-based; 0 when the finding is about the file as a whole. */
  readonly line: number;
  readonly column: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  /** The element the finding is about (full name, `Message.field`, table); the approval key. */
  readonly element?: string;
  /** Set when an explicit approval (rule + element + reason) covers the finding. */
  readonly approved?: { readonly reason: string };
}

/** A finding fails the gate when it is an unapproved error. */
export function isBlocking(f: Pick<Finding, "severity" | "approved">): boolean {
  return f.severity === "error" && f.approved === undefined;
}

function compareStrings(a: string | undefined, b: string | undefined): number {
  const x = a ?? "";
  const y = b ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Total order used everywhere findings are shown: position first, then rule, then text. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareStrings(a.ruleId, b.ruleId) ||
    compareStrings(a.element, b.element) ||
    compareStrings(a.message, b.message) ||
    (a.endLine ?? 0) - (b.endLine ?? 0) ||
    (a.endColumn ?? 0) - (b.endColumn ?? 0)
  );
}

function identity(f: Finding): string {
  return JSON.stringify([f.file, f.line, f.column, f.endLine ?? 0, f.endColumn ?? 0, f.ruleId, f.element ?? "", f.message]);
}

/**
 * Sorts findings and drops exact duplicates (same rule, position, element and message; two
 * rules reaching the same element through different paths would otherwise report it twice).
 * When duplicates differ only in approval, the unapproved one is kept so nothing is hidden.
 */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const f of findings) {
    const id = identity(f);
    const seen = byId.get(id);
    if (seen === undefined || (seen.approved !== undefined && f.approved === undefined)) byId.set(id, f);
  }
  return [...byId.values()].sort(compareFindings);
}

export interface FindingSummary {
  /** Every finding after de-duplication. */
  readonly total: number;
  /** Unapproved errors: the ones that make the command exit 1. */
  readonly errors: number;
  /** Unapproved warnings. */
  readonly warnings: number;
  /** Findings covered by an approval (any severity). */
  readonly approved: number;
  /** Distinct files with at least one finding. */
  readonly files: number;
  /** `true` when at least one unapproved error remains. */
  readonly failed: boolean;
}

export function summarize(findings: readonly Finding[]): FindingSummary {
  let errors = 0;
  let warnings = 0;
  let approved = 0;
  const files = new Set<string>();
  for (const f of findings) {
    files.add(f.file);
    if (f.approved !== undefined) approved++;
    else if (f.severity === "error") errors++;
    else warnings++;
  }
  return { total: findings.length, errors, warnings, approved, files: files.size, failed: errors > 0 };
}
