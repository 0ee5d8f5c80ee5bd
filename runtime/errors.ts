/**
 * The runtime's error taxonomy. Every error the producer, the processor runner and the Kafka
 * adapter raise is an EvtRuntimeError: it says whether retrying can help (`retriable`), keeps the
 * underlying error (`cause`) and the facts needed to act on it (`context`: topic, partition,
 * offset, contract type, …). Errors are recognised by `name` through the guards below, never by
 * `instanceof`: a service can load two copies of the package.
 */

export type ErrorContext = Readonly<Record<string, string | number | boolean | undefined>>;

export class EvtRuntimeError extends Error {
  override name = "EvtRuntimeError";
  readonly retriable: boolean;
  readonly context: ErrorContext;
  constructor(message: string, options: { retriable?: boolean; cause?: unknown; context?: ErrorContext } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }
}

/** An event that does not satisfy its contract (wrong message type, required field unset). Never retried. */
export class EventValidationError extends EvtRuntimeError {
  override name = "EventValidationError";
  /** Offending field paths (proto names, dot-joined); empty when the whole message is wrong. */
  readonly paths: readonly string[];
  constructor(message: string, paths: readonly string[], context: ErrorContext = {}) {
    super(message, { retriable: false, context });
    this.paths = paths;
  }
}

/** A consumed record that cannot be turned into a typed event (missing/unknown `ce_type`, bad bytes). Never retried. */
export class EventDecodeError extends EvtRuntimeError {
  override name = "EventDecodeError";
}

/** A topic that does not exist (topics are created explicitly, never on first use) or cannot be created. */
export class TopicError extends EvtRuntimeError {
  override name = "TopicError";
}

/** The Kafka client failed (network, broker, timeouts); `retriable` mirrors the driver's verdict. */
export class KafkaClientError extends EvtRuntimeError {
  override name = "KafkaClientError";
}

/** A processor's handler threw; wraps what it threw. Retried with backoff, then dead-lettered. */
export class HandlerError extends EvtRuntimeError {
  override name = "HandlerError";
}

/** Options that cannot be used (no brokers, no processors, a processor on an unknown topic, …). */
export class RuntimeConfigError extends EvtRuntimeError {
  override name = "RuntimeConfigError";
}

/** An optional peer dependency (a warehouse driver, the HTTP framework, metrics) a feature needs is not installed. */
export class MissingPeerError extends EvtRuntimeError {
  override name = "MissingPeerError";
}

/**
 * Retries gave up: every attempt failed (or the time budget ran out). `cause` is the last error,
 * `attempts` how many were made. Never retriable itself: whoever retries already did.
 */
export class RetriesExhaustedError extends EvtRuntimeError {
  override name = "RetriesExhaustedError";
  readonly attempts: number;
  constructor(readonly lastError: unknown, attempts: number, context: ErrorContext = {}) {
    super(`gave up after ${attempts} attempt(s): ${lastError instanceof Error ? lastError.message : String(lastError)}`, {
      retriable: false, cause: lastError, context,
    });
    this.attempts = attempts;
  }
}

/** A wait or a retry loop was cut short because the component is stopping; the work stays undone (uncommitted). */
export class StopRequestedError extends EvtRuntimeError {
  override name = "StopRequestedError";
}

/**
 * A graceful stop did not finish within the grace period (a retry loop against an unreachable
 * warehouse, a DLQ write, a join that never completes): the process exits 2 naming `reason`;
 * what was not committed is re-read on restart.
 */
export class StopTimeoutError extends EvtRuntimeError {
  override name = "StopTimeoutError";
}

/** A stored table does not match what its contract needs (a pending migration): the sink refuses to start. */
export class SchemaLagError extends EvtRuntimeError {
  override name = "SchemaLagError";
}

/**
 * Every error name of the taxonomy (the warehouse's live in warehouse/errors.ts and migrate.ts,
 * listed here so the guards below recognise them without importing the warehouse layer).
 */
export const RUNTIME_ERROR_NAMES: ReadonlySet<string> = new Set([
  "EvtRuntimeError", "EventValidationError", "EventDecodeError", "TopicError", "KafkaClientError", "HandlerError",
  "RuntimeConfigError", "RetriesExhaustedError", "StopRequestedError", "StopTimeoutError", "SchemaLagError",
  "MissingPeerError", "EventsNotSentError", "WarehouseError", "MigrationChecksumError", "RowRejectedError",
]);

function hasName(e: unknown, name: string): boolean {
  return e instanceof Error && e.name === name;
}

/** True for every error of the taxonomy, whichever copy of the package created it. */
export function isEvtRuntimeError(e: unknown): e is EvtRuntimeError {
  return e instanceof Error && RUNTIME_ERROR_NAMES.has(e.name) && typeof (e as { retriable?: unknown }).retriable === "boolean";
}
export const isEventValidationError = (e: unknown): e is EventValidationError => hasName(e, "EventValidationError");
export const isEventDecodeError = (e: unknown): e is EventDecodeError => hasName(e, "EventDecodeError");
export const isTopicError = (e: unknown): e is TopicError => hasName(e, "TopicError");
export const isKafkaClientError = (e: unknown): e is KafkaClientError => hasName(e, "KafkaClientError");
export const isHandlerError = (e: unknown): e is HandlerError => hasName(e, "HandlerError");
export const isRuntimeConfigError = (e: unknown): e is RuntimeConfigError => hasName(e, "RuntimeConfigError");
export const isMissingPeerError = (e: unknown): e is MissingPeerError => hasName(e, "MissingPeerError");
export const isRetriesExhaustedError = (e: unknown): e is RetriesExhaustedError => hasName(e, "RetriesExhaustedError");
export const isStopRequestedError = (e: unknown): e is StopRequestedError => hasName(e, "StopRequestedError");
export const isStopTimeoutError = (e: unknown): e is StopTimeoutError => hasName(e, "StopTimeoutError");
export const isSchemaLagError = (e: unknown): e is SchemaLagError => hasName(e, "SchemaLagError");

/** JavaScript's own errors for bugs (a wrong type, a bad argument): retrying the same code cannot fix them. */
const PROGRAMMER_ERRORS = new Set(["TypeError", "RangeError", "ReferenceError", "SyntaxError", "EvalError", "URIError"]);

/** A programmer error, itself or as the direct cause of a runtime error (a handler's TypeError wrapped in HandlerError). */
export function isProgrammerError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (PROGRAMMER_ERRORS.has(e.name)) return true;
  const cause = (e as { cause?: unknown }).cause;
  return isEvtRuntimeError(e) && cause instanceof Error && PROGRAMMER_ERRORS.has(cause.name);
}

/**
 * Whether retrying can help: never for a programmer error; our errors say so; anything else (an
 * application's own error) is assumed transient unless it carries `retriable: false`.
 */
export function isRetriable(e: unknown): boolean {
  if (isProgrammerError(e)) return false;
  if (isEvtRuntimeError(e)) return e.retriable;
  return (e as { retriable?: unknown } | null)?.retriable !== false;
}

/** One line for logs and DLQ headers: `Name: message` (the cause's too, when there is one). */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const own = `${e.name}: ${e.message}`;
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? `${own} (caused by ${cause.name}: ${cause.message})` : own;
}

/**
 * Events the producer could not get acknowledged within its retry window (an unreachable broker,
 * say). Some may have landed. `ids` are their `ce_id`s in order: resend the same events with
 * `send(contract, events, { ids, time })` and the sinks' de-duplication on `ce_id` keeps each one once.
 */
export class EventsNotSentError extends KafkaClientError {
  override name = "EventsNotSentError";
  readonly ids: readonly string[];
  /** The `ce_time` the events carried. */
  readonly time: string;
  constructor(topic: string, ids: readonly string[], time: string, retryWindowMs: number, cause: unknown) {
    super(
      `${ids.length} event(s) to ${topic} not acknowledged after ${Math.round(retryWindowMs / 1000)} s of retries: ${describeError(cause)}; ` +
        "resend them with send(contract, events, { ids: error.ids, time: error.time }) so downstream de-duplication on ce_id keeps each event once",
      { retriable: true, cause, context: { topic, count: ids.length } },
    );
    this.ids = ids;
    this.time = time;
  }
}
export const isEventsNotSentError = (e: unknown): e is EventsNotSentError => hasName(e, "EventsNotSentError");
