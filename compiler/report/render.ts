/**
 * Renderers for findings: text (`file:line:col: RULE_ID message`), the JSON envelope documented in
 * docs/findings-json.md, and GitHub workflow annotations. Pure functions over already sorted
 * findings (callers pass `sortFindings(...)` output; the renderers sort again defensively so the
 * output never depends on rule order).
 */
import { sortFindings, summarize, type Finding, type FindingSummary } from "./finding.js";

export type FindingFormat = "text" | "json" | "github";
export const FINDING_FORMATS: readonly FindingFormat[] = ["text", "json", "github"];

/** Version of the JSON envelope; bumped only on incompatible changes. */
export const FINDINGS_JSON_VERSION = 1;

export interface RenderOptions {
  /** Command that produced the findings (`lint`, `check-compat`), recorded in the JSON envelope. */
  readonly command: string;
  /** Text format: a blank line between files (check-compat); lines are never indented. */
  readonly groupByFile?: boolean;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function suffix(f: Finding): string {
  const parts: string[] = [];
  if (f.severity === "warning") parts.push("warning");
  if (f.approved !== undefined) parts.push(`approved: ${f.approved.reason}`);
  return parts.length ? ` [${parts.join("; ")}]` : "";
}

/** `file:line:col: RULE_ID message` — the line format every editor and CI log understands. */
export function formatFindingLine(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.ruleId} ${f.message}${suffix(f)}`;
}

export function formatSummaryLine(s: FindingSummary): string {
  if (s.total === 0) return "no findings";
  const parts = [plural(s.errors, "error"), plural(s.warnings, "warning")];
  if (s.approved > 0) parts.push(`${s.approved} approved`);
  return `${parts.join(", ")} in ${plural(s.files, "file")}`;
}

export function renderText(findings: readonly Finding[], options: RenderOptions): string {
  const sorted = sortFindings(findings);
  const lines: string[] = [];
  // Every finding line starts with file:line:col (editors' and CI's problem matchers read them);
  // grouping only separates files with a blank line, never indents.
  let current: string | undefined;
  for (const f of sorted) {
    if (options.groupByFile && current !== undefined && f.file !== current) lines.push("");
    lines.push(formatFindingLine(f));
    current = f.file;
  }
  if (lines.length > 0) lines.push("");
  lines.push(formatSummaryLine(summarize(sorted)));
  return lines.join("\n") + "\n";
}

/** The stable JSON envelope (docs/findings-json.md). Keys are emitted in a fixed order. */
export interface FindingsEnvelope {
  readonly version: typeof FINDINGS_JSON_VERSION;
  readonly command: string;
  readonly findings: readonly Finding[];
  readonly summary: FindingSummary;
}

function normalizeFinding(f: Finding): Finding {
  // Fixed key order and no undefined keys, so the JSON is byte-stable across rule implementations.
  return {
    ruleId: f.ruleId,
    layer: f.layer,
    category: f.category,
    severity: f.severity,
    message: f.message,
    file: f.file,
    line: f.line,
    column: f.column,
    ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
    ...(f.endColumn !== undefined ? { endColumn: f.endColumn } : {}),
    ...(f.element !== undefined ? { element: f.element } : {}),
    ...(f.approved !== undefined ? { approved: { reason: f.approved.reason } } : {}),
  };
}

export function findingsEnvelope(findings: readonly Finding[], options: RenderOptions): FindingsEnvelope {
  const sorted = sortFindings(findings).map(normalizeFinding);
  return { version: FINDINGS_JSON_VERSION, command: options.command, findings: sorted, summary: summarize(sorted) };
}

export function renderJson(findings: readonly Finding[], options: RenderOptions): string {
  return JSON.stringify(findingsEnvelope(findings, options), null, 2) + "\n";
}

/** GitHub's escaping for the message part of a workflow command. */
export function escapeGithubData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** GitHub's escaping for property values (`file=…,title=…`): data escaping plus `:` and `,`. */
export function escapeGithubProperty(s: string): string {
  return escapeGithubData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** One annotation: `::error file=…,line=…,col=…,title=RULE_ID::message`. Approved → notice. */
export function formatGithubAnnotation(f: Finding): string {
  const level = f.approved !== undefined ? "notice" : f.severity === "warning" ? "warning" : "error";
  const props: string[] = [`file=${escapeGithubProperty(f.file)}`];
  if (f.line > 0) props.push(`line=${f.line}`);
  if (f.column > 0) props.push(`col=${f.column}`);
  if (f.endLine !== undefined) props.push(`endLine=${f.endLine}`);
  if (f.endColumn !== undefined) props.push(`endColumn=${f.endColumn}`);
  props.push(`title=${escapeGithubProperty(f.ruleId)}`);
  const message = f.approved !== undefined ? `${f.message} (approved: ${f.approved.reason})` : f.message;
  return `::${level} ${props.join(",")}::${escapeGithubData(message)}`;
}

export function renderGithub(findings: readonly Finding[], _options: RenderOptions): string {
  const sorted = sortFindings(findings);
  const lines = sorted.map(formatGithubAnnotation);
  // A plain summary line too, so the job log reads well outside the annotations panel.
  lines.push(formatSummaryLine(summarize(sorted)));
  return lines.join("\n") + "\n";
}

export function renderFindings(findings: readonly Finding[], format: FindingFormat, options: RenderOptions): string {
  switch (format) {
    case "text":
      return renderText(findings, options);
    case "json":
      return renderJson(findings, options);
    case "github":
      return renderGithub(findings, options);
  }
}
