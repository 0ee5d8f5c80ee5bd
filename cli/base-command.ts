/**
 * The one base command of `evt`. Every command extends `EvtCommand` and implements `exec()`,
 * returning a `CommandResult`; the base parses flags, loads evt.yaml on demand, renders findings
 * in the chosen format, decides the exit code (cli/exit-codes.ts) and turns every failure into
 * one clear message with exit 2.
 *
 *   export default class Lint extends EvtCommand<typeof Lint> {
 *     static override flags = { ...findingFlags };
 *     async exec(): Promise<CommandResult> {
 *       const config = this.evtConfig();
 *       return { findings: await lintProject(config.protoRoot), command: "lint" };
 *     }
 *   }
 */
import { Command, Flags, type Interfaces } from "@oclif/core";
import { loadConfig, type EvtConfig } from "../compiler/config/index.js";
import { didYouMean } from "../compiler/report/suggest.js";
import { renderFindings, FINDING_FORMATS, type Finding, type FindingFormat } from "../compiler/report/index.js";
import { describeError, errorEnvelope, formatErrorGithub, formatErrorText, type FlagSpecs } from "./error-output.js";
import { exitCodeFor, type Outcome } from "./exit-codes.js";
import { createProgress, type Progress } from "./progress.js";
import { relativeToCwd, writeTextResult } from "./relative-paths.js";

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof EvtCommand)["baseFlags"] & T["flags"]>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T["args"]>;

/** Spread into `static flags` of every command that reports findings. */
export const findingFlags = {
  format: Flags.option({
    options: FINDING_FORMATS,
    default: "text" as FindingFormat,
    summary: "Output format for findings: text, json (docs/findings-json.md) or github (workflow annotations).",
    helpGroup: "OUTPUT",
  })(),
};

/**
 * An option flag whose values match case-insensitively (`--mode full` is `--mode FULL`, as buf and
 * Confluent accept mode names); the canonical spelling reaches the command.
 */
export function caseInsensitiveOption(options: readonly string[], spec: { readonly summary: string }) {
  return Flags.string({
    summary: spec.summary,
    helpValue: options.join("|"),
    parse: async (input) => {
      const hit = options.find((o) => o.toLowerCase() === input.toLowerCase());
      if (hit === undefined) throw new Error(`"${input}" is not one of: ${options.join(", ")}.${didYouMean(input, options)}`);
      return hit;
    },
  });
}

/** What `exec()` hands back; the base command turns it into output and an exit code. */
export type CommandResult =
  /** Findings to render per `--format`; exit 1 when an unapproved error is among them. */
  | {
      readonly findings: readonly Finding[];
      /** Recorded in the JSON envelope (`lint`, `check-compat`). */
      readonly command: string;
      /** Text format: a blank line between files (check-compat). */
      readonly groupByFile?: boolean;
    }
  /**
   * A command without findings. `failed: true` exits 1 (e.g. `generate --check` found stale
   * output). `json` is printed with `--json`; `text` (if any) is printed otherwise.
   */
  | { readonly failed?: boolean; readonly json?: unknown; readonly text?: string };

export abstract class EvtCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    config: Flags.string({
      summary: "Path of the evt.yaml to use (default: ./evt.yaml when present, else built-in defaults).",
      helpValue: "FILE",
      helpGroup: "GLOBAL",
    }),
    verbose: Flags.boolean({ summary: "Log progress to stderr and show stack traces of internal errors.", helpGroup: "GLOBAL" }),
  };

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  private config_?: EvtConfig;
  private progress_?: Progress;

  /** The command's work. Throw EvtError (or a subclass) for input problems. */
  protected abstract exec(): Promise<CommandResult>;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as unknown as typeof EvtCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
  }

  /** evt.yaml (from `--config` or the cwd), loaded once on first use. */
  protected evtConfig(): EvtConfig {
    this.config_ ??= loadConfig({ cwd: process.cwd(), ...(this.flags.config !== undefined ? { configPath: this.flags.config } : {}) });
    return this.config_;
  }

  /** Progress line on stderr, only with --verbose (stdout stays machine-readable). */
  protected verbose(message: string): void {
    if (this.flags?.verbose) this.progress.log(`evt: ${relativeToCwd(message)}`);
  }

  /**
   * The step line a person at a terminal sees (cli/progress.ts); silent off a terminal, under CI,
   * with `--json` and with the command's `--quiet` flag. Cleared before the result is printed.
   */
  protected get progress(): Progress {
    const quiet = (this.flags as { quiet?: boolean } | undefined)?.quiet ?? false;
    this.progress_ ??= createProgress({ command: (this.id ?? "").replace(/:/g, " "), quiet, json: this.jsonEnabled() });
    return this.progress_;
  }

  /** `--format` when the command declares it; `--json` means json for finding commands. */
  protected outputFormat(): FindingFormat {
    const declared = (this.flags as { format?: FindingFormat } | undefined)?.format;
    if (this.jsonEnabled()) return "json";
    return declared ?? "text";
  }

  public async run(): Promise<void> {
    const result = await this.exec();
    this.progress_?.done();
    let outcome: Outcome;
    if ("findings" in result) {
      const format = this.outputFormat();
      const rendered = renderFindings(result.findings, format, { command: result.command, groupByFile: result.groupByFile ?? false });
      process.stdout.write(format === "json" ? rendered : relativeToCwd(rendered));
      outcome = { findings: result.findings };
    } else {
      if (this.jsonEnabled()) process.stdout.write(JSON.stringify({ version: 1, result: result.json ?? null, failed: result.failed ?? false }, null, 2) + "\n");
      else if (result.text) writeTextResult(result.text);
      outcome = { failed: result.failed ?? false };
    }
    process.exitCode = exitCodeFor(outcome);
    // Nothing is returned: output was written above, so oclif's own --json printing stays idle.
  }

  /**
   * Exits once the command settled, even when a driver keeps a socket or timer alive (kafkajs's
   * reconnects, snowflake-sdk's login retries after evt's connect timeout gave up). The timer is
   * unref'd: a process with nothing left exits on its own first.
   */
  public override async finally(error: Error | undefined): Promise<unknown> {
    const out = await super.finally(error);
    setTimeout(() => process.exit(), 200).unref();
    return out;
  }

  /** Every failure of init() (flag parsing) or exec() ends here: one message, exit 2. */
  public override async catch(err: Error & { exitCode?: number }): Promise<void> {
    // A failed parse is reported here; oclif would otherwise add a "did not parse its arguments" warning.
    this.parsed = true;
    this.progress_?.done();
    const ctor = this.ctor as unknown as typeof EvtCommand;
    const raw = describeError(err, this.id, { ...ctor.baseFlags, ...(ctor.flags ?? {}) } as FlagSpecs);
    const described = { ...raw, message: relativeToCwd(raw.message), diagnostics: raw.diagnostics.map((d) => ({ ...d, file: relativeToCwd(d.file), message: relativeToCwd(d.message) })) };
    const verbose = this.argv.includes("--verbose");
    const format = this.formatFromArgv();
    if (format === "json") {
      process.stdout.write(JSON.stringify(errorEnvelope(described, verbose), null, 2) + "\n");
    } else if (format === "github") {
      process.stdout.write(formatErrorGithub(described));
    }
    process.stderr.write(formatErrorText(described, verbose));
    process.exitCode = exitCodeFor({ error: err });
  }

  /** The requested format even when flag parsing itself failed. */
  private formatFromArgv(): FindingFormat {
    if (this.jsonEnabled()) return "json";
    const parsed = (this.flags as { format?: FindingFormat } | undefined)?.format;
    if (parsed) return parsed;
    const i = this.argv.findIndex((a) => a === "--format" || a.startsWith("--format="));
    if (i < 0) return "text";
    const value = this.argv[i]!.includes("=") ? this.argv[i]!.split("=")[1] : this.argv[i + 1];
    return value === "json" || value === "github" ? value : "text";
  }
}
