/**
 * How a failure is shown: one clear message (plus positioned diagnostics) for input errors, the
 * oclif message plus a usage hint for flag/argument errors, one line for internal failures.
 * Pure: returns text; the base command writes it.
 */
import { formatDiagnostic, isEvtError, type Diagnostic } from "../compiler/errors.js";
import { escapeGithubData, escapeGithubProperty } from "../compiler/report/index.js";
import { didYouMean } from "../compiler/report/suggest.js";

/** What the rewording of a flag error needs to know about the command's flags. */
export type FlagSpecs = Readonly<Record<string, { readonly summary?: string; readonly helpValue?: string | string[]; readonly char?: string }>>;
import { isEvtRuntimeError } from "@evt/runtime/errors.js";

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
  return o.oclif !== undefined && (o.parse !== undefined || /flag|argument|arg\b|^Parsing --/i.test(e.message));
}

function stripAnsi(s: string): string {
  // oclif colours parts of its parse messages; logs and JSON must stay plain.
  return s.replace(/\u001b\[[0-9;]*m/g, "");
}

/**
 * oclif's parse messages as sentences that say how to fix them ("Missing required flag against"
 * → "evt check-compat needs --against REF. Baseline: …"), with did-you-mean for unknown flags.
 * Messages oclif words well enough are kept.
 */
function usageSentence(err: Error, command: string, flags: FlagSpecs): string {
  const e = err as Error & { flags?: string[] };
  const message = stripAnsi(err.message).trim().replace(/\nSee more help with --help$/, "");
  const validation = /^The following errors? occurred:\s*([\s\S]*)$/.exec(message);
  if (validation) {
    // One reason per line; "Missing required flag NAME" becomes what to add.
    return validation[1]!
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .map((reason) => {
        const name = /^Missing required flag (\S+)$/.exec(reason)?.[1];
        if (name === undefined) return reason.endsWith(".") ? reason : `${reason}.`;
        const spec = flags[name];
        const value = typeof spec?.helpValue === "string" ? ` ${spec.helpValue}` : "";
        return `${command} needs --${name}${value}.${spec?.summary ? ` ${spec.summary}` : ""}`;
      })
      .join(" ");
  }
  if (e.flags && /^Nonexistent flags?:/.test(message)) {
    const names = Object.keys(flags);
    return e.flags
      .map((f) => `${f} is not a flag of ${command}.${didYouMean(f.replace(/^-+/, "").split("=")[0]!, names, (n) => `--${n}`)}`)
      .join(" ");
  }
  // A flag's own parse function failed (e.g. caseInsensitiveOption): its message is the sentence.
  const parsing = /^Parsing (--[\w-]+)\s*\n\t([\s\S]*)$/.exec(message);
  if (parsing) return `${parsing[1]} ${parsing[2]!.trim()}`;
  const option = /^Expected (--[\w-]+)=(.*) to be one of: (.*)$/s.exec(message);
  if (option) return `${option[1]} ${option[2]} is not one of: ${option[3]}.${didYouMean(option[2]!, option[3]!.split(", "))}`;
  return message;
}

export function describeError(e: unknown, commandId: string | undefined, flags: FlagSpecs = {}): DescribedError {
  if (isEvtError(e)) {
    return { kind: "input", name: e.name, message: e.message, diagnostics: e.diagnostics, ...(e.stack ? { stack: e.stack } : {}) };
  }
  if (isOclifUsageError(e)) {
    const err = e as Error;
    const command = `evt${commandId ? ` ${commandId.replace(/:/g, " ")}` : ""}`;
    return { kind: "usage", name: err.name, message: `${usageSentence(err, command, flags)} See ${command} --help.`, diagnostics: [] };
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
