/**
 * The compiler's error taxonomy. Errors are recognised by `name` plus a guard, not
 * `instanceof`, because two copies of the package can be loaded. Every EvtError is a usage or
 * input problem (exit 2) with one clear message; anything else reaching the CLI is internal.
 */

export interface Diagnostic {
  /** File relative to the proto root (or as given). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export class EvtError extends Error {
  override name = "EvtError";
  constructor(
    message: string,
    /** Positioned details (buf diagnostics, config errors). */
    readonly diagnostics: readonly Diagnostic[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isEvtError(e: unknown): e is EvtError {
  return e instanceof Error && (e.name === "EvtError" || e.name.endsWith("Error")) && "diagnostics" in e;
}

/** A .proto tree that does not compile (buf's diagnostics attached). */
export class ProtoCompileError extends EvtError {
  override name = "ProtoCompileError";
}

/** evt.yaml or flags that cannot be used. */
export class ConfigError extends EvtError {
  override name = "ConfigError";
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

/**
 * An output location evt may not write: a file where a directory is expected, a directory evt did
 * not create, or files inside it that are not (or no longer) what evt wrote. Nothing was written.
 */
export class OutputOwnershipError extends EvtError {
  override name = "OutputOwnershipError";
  constructor(
    message: string,
    /** The output directory (as shown to the user). */
    readonly dir: string,
    /** Paths inside it that caused the refusal (relative, `/`-separated). */
    readonly paths: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Java, Maven, the Flink jars or the contract classes are missing or broken (evt flink, processor lint). */
export class FlinkEnvironmentError extends EvtError {
  override name = "FlinkEnvironmentError";
}
