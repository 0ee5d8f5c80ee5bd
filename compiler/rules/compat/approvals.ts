/**
 * Explicit approvals of breaking changes: `evt-approvals.yaml`, a committed list of
 * `{ rule, element, reason }`. An approved finding stays in the report (marked approved, with the
 * reason) and no longer fails the gate; an approval that matches no finding is reported as a
 * warning so stale approvals get cleaned up.
 */
import { existsSync, readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { ConfigError } from "../../errors.js";
import type { Finding } from "../../report/index.js";

export interface Approval {
  readonly rule: string;
  /** Exact `Finding.element` (full name, `Message.field`, table, …). */
  readonly element: string;
  readonly reason: string;
  readonly line: number;
  readonly column: number;
}

export const APPROVAL_UNUSED = "APPROVAL_UNUSED";

/** Reads the approvals file; a missing file means no approvals. `display` is the path shown in findings. */
export function loadApprovals(file: string, display: string = file): readonly Approval[] {
  if (!existsSync(file)) return [];
  return parseApprovals(readFileSync(file, "utf8"), display);
}

export function parseApprovals(text: string, display: string): readonly Approval[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const fail = (node: Node | null | undefined, message: string): ConfigError => {
    const pos = lines.linePos(node?.range?.[0] ?? 0);
    return new ConfigError(`invalid approvals file ${display}:${pos.line}:${pos.col}: ${message}`, [{ file: display, line: pos.line, column: pos.col, message }]);
  };
  if (doc.errors.length > 0) throw fail(null, doc.errors[0]!.message);
  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isSeq(root)) throw fail(root, "must be a list of { rule, element, reason }");
  const out: Approval[] = [];
  for (const item of root.items as Node[]) {
    if (!isMap(item)) throw fail(item, "each approval must be a mapping with rule, element and reason");
    const get = (key: string): string => {
      const v = item.get(key, true) as Node | undefined;
      if (!isScalar(v) || typeof v.value !== "string" || v.value.trim() === "") throw fail(v ?? item, `approval needs a non-empty string "${key}"`);
      return v.value.trim();
    };
    for (const pair of item.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : "";
      if (!["rule", "element", "reason"].includes(k)) throw fail(pair.key as Node, `unknown key "${k}" (allowed: rule, element, reason)`);
    }
    const pos = lines.linePos(item.range?.[0] ?? 0);
    out.push({ rule: get("rule"), element: get("element"), reason: get("reason"), line: pos.line, column: pos.col });
  }
  return out;
}

/** Marks approved findings and adds a warning per unused approval. */
export function applyApprovals(findings: readonly Finding[], approvals: readonly Approval[], display: string): Finding[] {
  const used = new Set<Approval>();
  const marked = findings.map((f) => {
    const a = approvals.find((x) => x.rule === f.ruleId && x.element === f.element);
    if (!a) return f;
    used.add(a);
    return { ...f, approved: { reason: a.reason } };
  });
  for (const a of approvals) {
    if (used.has(a)) continue;
    marked.push({
      ruleId: APPROVAL_UNUSED,
      layer: "approvals",
      category: "APPROVALS",
      severity: "warning",
      message: `Approval of ${a.rule} for "${a.element}" matched no finding; remove it.`,
      file: display,
      line: a.line,
      column: a.column,
      element: `${a.rule}:${a.element}`,
    });
  }
  return marked;
}
