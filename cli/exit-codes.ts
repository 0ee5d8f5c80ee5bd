/**
 * Every exit code of `evt` is decided here and nowhere else:
 *   0  success
 *   1  findings: lint errors, breaking changes, stale generated output
 *   2  usage or input error (bad flag, unreadable proto, broken config) and internal failures,
 *      so that 1 always means "your contracts have findings".
 */
import { isBlocking, type Finding } from "../compiler/report/finding.js";

export const ExitCode = { Ok: 0, Findings: 1, Error: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What a command run ended with, as far as the exit code is concerned. */
export type Outcome =
  /** Anything thrown: EvtError, oclif parse error, or an internal failure. */
  | { readonly error: unknown }
  /** Findings reported; only unapproved errors fail (warnings and approved ones do not). */
  | { readonly findings: readonly Pick<Finding, "severity" | "approved">[] }
  /** A check without findings (e.g. `generate --check`): `failed` = stale. */
  | { readonly failed: boolean }
  /** Plain success. */
  | { readonly ok: true };

export function exitCodeFor(outcome: Outcome): ExitCode {
  if ("error" in outcome) return ExitCode.Error;
  if ("findings" in outcome) {
    return outcome.findings.some(isBlocking) ? ExitCode.Findings : ExitCode.Ok;
  }
  if ("failed" in outcome) return outcome.failed ? ExitCode.Findings : ExitCode.Ok;
  return ExitCode.Ok;
}
