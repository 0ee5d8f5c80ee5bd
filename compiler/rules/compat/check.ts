/**
 * The compatibility engine: pair two catalogs once, run every registered rule on the pairs of
 * its subject, keep the violations the governing element's mode checks, and turn them into
 * findings (compiler/report). Pure: catalogs in, findings out.
 */
import type { CompatibilityMode } from "../../model/catalog.js";
import type { Finding } from "../../report/index.js";
import { DIRECTION_PHRASE } from "./describe.js";
import { resolveModes, type ModeSpec, type Scope } from "./modes.js";
import { pairCatalogs } from "./pairing.js";
import { COMPAT_RULES } from "./registry.js";
import { DIRECTIONS, type AnyCompatRule, type PairBySubject, type RuleContext, type Subject, type Versions, type Violation } from "./types.js";

export interface CheckOptions {
  /** `--mode`: overrides every event's compatibility. */
  readonly mode?: CompatibilityMode;
  /** Normalised statements of committed migrations (warehouse rules). */
  readonly migrations?: ReadonlySet<string>;
  readonly schemaPrefix?: string;
  readonly rules?: readonly AnyCompatRule[];
  /** Comparing against an older history version: only elements in a _TRANSITIVE mode count. */
  readonly transitiveOnly?: boolean;
  /** Appended to messages (e.g. which history version the finding comes from). */
  readonly againstLabel?: string;
}

function scopeOf(subject: Subject, pair: PairBySubject[Subject]): Scope {
  switch (subject) {
    case "message":
    case "enum":
      return { kind: "type", name: (pair as PairBySubject["message"]).name };
    case "field":
      return { kind: "type", name: (pair as PairBySubject["field"]).message.name };
    case "enumValue":
      return { kind: "type", name: (pair as PairBySubject["enumValue"]).enum.name };
    case "event":
      return { kind: "event", name: (pair as PairBySubject["event"]).name };
    case "sink":
      return { kind: "event", name: (pair as PairBySubject["sink"]).event.name };
    default:
      return { kind: "default" };
  }
}

/** The violation's message as reported under `mode`, or undefined when the mode does not check it. */
function messageUnder(v: Violation, mode: ModeSpec): string | undefined {
  if (mode.directions.size === 0) return undefined; // NONE
  if (v.directions === undefined) return `${v.message}.`;
  const details = DIRECTIONS.filter((d) => mode.directions.has(d) && v.directions![d] !== undefined).map(
    (d) => `${DIRECTION_PHRASE[d]}: ${v.directions![d]}`,
  );
  if (details.length === 0) return undefined;
  return `${v.message} (${details.join("; ")}).`;
}

export function checkCompat(versions: Versions, options: CheckOptions = {}): Finding[] {
  const pairs = pairCatalogs(versions);
  const modeOf = resolveModes(versions, options.mode);
  const ctx: RuleContext = { ...versions, migrations: options.migrations ?? new Set(), schemaPrefix: options.schemaPrefix ?? "" };
  const findings: Finding[] = [];
  for (const rule of options.rules ?? COMPAT_RULES) {
    const check = rule.check as (pair: PairBySubject[Subject], ctx: RuleContext) => readonly Violation[];
    for (const pair of pairs[rule.subject] as readonly PairBySubject[Subject][]) {
      const violations = check(pair, ctx);
      if (violations.length === 0) continue;
      const mode = modeOf(scopeOf(rule.subject, pair));
      if (options.transitiveOnly && !mode.transitive) continue;
      for (const v of violations) {
        const message = messageUnder(v, mode);
        if (message === undefined) continue;
        findings.push({
          ruleId: rule.id,
          layer: rule.layer,
          category: rule.category,
          severity: v.severity ?? rule.severity ?? "error",
          message: options.againstLabel ? `${message.slice(0, -1)} (against ${options.againstLabel}).` : message,
          file: v.at.file,
          line: v.at.line,
          column: v.at.column,
          element: v.element,
        });
      }
    }
  }
  return findings;
}
