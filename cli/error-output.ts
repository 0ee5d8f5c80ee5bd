/**
 * How a failure is shown: one clear message (plus positioned diagnostics) for input errors, the
 * oclif message plus a usage hint for flag/argument errors, one line for internal failures.
 * Pure: returns text; the base command writes it.
 */
import { formatDiagnostic, isEvtError, type Diagnostic } from "../compiler/errors.js";
import { escapeGithubData, escapeGithubProperty } from "../compiler/report/index.js";
import { isEvtRuntimeError } from "../runtime/errors.js";

export type ErrorKind = "input" | "usage" | "environment" | "internal";

export interface DescribedError {
  readonly kind: ErrorKind;
  readonly name: string;
  readonly message: string;
  readonly diagnostics: readonly Diagnostic[];
  /** Stack trace, shown only with --verbose. */
  readonly stack?: string;
}

/** oclif flag/argument errors carry `oclif.exit` and a `parse` context (CLIParseError). */
export function isOclifUsageError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const o = e as Error & { oclif?: { exit?: unknown }; parse?: unknown };
  return o.oclif !== undefined && (o.parse !== undefined || /flag|argument|arg\b/i.test(e.message));
}

function stripAnsi(s: string): string {
  // oclif colours parts of its parse messages; logs and JSON must stay plain.
  return s.replace(/\u001b\[[0-9;]*m/g, "");
}

export function describeError(e: unknown, commandId: string | undefined): DescribedError {
  if (isEvtError(e)) {
    return { kind: "input", name: e.name, message: e.message, diagnostics: e.diagnostics, ...(e.stack ? { stack: e.stack } : {}) };
  }
  if (isOclifUsageError(e)) {
    const err = e as Error;
    let message = stripAnsi(err.message).trim();
    const hint = `See more help with evt${commandId ? ` ${commandId.replace(/:/g, " ")}` : ""} --help`;
    message = message.replace(/\nSee more help with --help$/, "");
    return { kind: "usage", name: err.name, message: `${message}\n${hint}`, diagnostics: [] };
  }
  if (isEvtRuntimeError(e)) {
    // Kafka unreachable, a locked DuckDB file, a stop that overran its grace period: named, not "internal"
    return { kind: "environment", name: e.name, message: e.message.split("\n")[0] ?? "", diagnostics: [], ...(e.stack ? { stack: e.stack } : {}) };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { kind: "internal", name: err.name, message: err.message.split("\n")[0] ?? "", diagnostics: [], ...(err.stack ? { stack: err.stack } : {}) };
}

/** Text for stderr. */
export function formatErrorText(d: DescribedError, verbose: boolean): string {
  const lines: string[] = [];
  if (d.kind === "internal") {
    lines.push(`internal error: ${d.message}`);
    if (verbose && d.stack) lines.push(d.stack);
    else lines.push("(run with --verbose for the stack trace)");
  } else {
    lines.push(`error: ${d.message}`);
    for (const diag of d.diagnostics) lines.push(`  ${formatDiagnostic(diag)}`);
    if (verbose && d.kind === "input" && d.stack) lines.push(d.stack);
  }
  return lines.join("\n") + "\n";
}

/** The JSON error envelope (docs/findings-json.md, "Errors"): printed on stdout with --json / --format json. */
export function errorEnvelope(d: DescribedError, verbose: boolean) {
  return {
    version: 1 as const,
    error: {
      kind: d.kind,
      name: d.name,
      message: d.message,
      diagnostics: d.diagnostics.map((x) => ({ file: x.file, line: x.line, column: x.column, message: x.message })),
      ...(verbose && d.stack ? { stack: d.stack } : {}),
    },
  };
}

/** GitHub annotations for a failure, so a broken proto shows up on the PR's lines too. */
export function formatErrorGithub(d: DescribedError): string {
  if (d.diagnostics.length === 0) return `::error title=evt::${escapeGithubData(d.message)}\n`;
  return (
    d.diagnostics
      .map((x) => `::error file=${escapeGithubProperty(x.file)},line=${x.line},col=${x.column},title=evt::${escapeGithubData(x.message)}`)
      .join("\n") + "\n"
  );
}
