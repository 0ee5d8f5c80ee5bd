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

const RUNTIME_ERROR_NAMES = new Set([
  "EvtRuntimeError", "EventValidationError", "EventDecodeError", "TopicError", "KafkaClientError", "HandlerError",
  "RuntimeConfigError",
  "MissingPeerError",
]);

function hasName(e: unknown, name: string): boolean {
  return e instanceof Error && e.name === name;
}

export function isEvtRuntimeError(e: unknown): e is EvtRuntimeError {
  return e instanceof Error && RUNTIME_ERROR_NAMES.has(e.name) && "retriable" in e;
}
export const isEventValidationError = (e: unknown): e is EventValidationError => hasName(e, "EventValidationError");
export const isEventDecodeError = (e: unknown): e is EventDecodeError => hasName(e, "EventDecodeError");
export const isTopicError = (e: unknown): e is TopicError => hasName(e, "TopicError");
export const isKafkaClientError = (e: unknown): e is KafkaClientError => hasName(e, "KafkaClientError");
export const isHandlerError = (e: unknown): e is HandlerError => hasName(e, "HandlerError");
export const isRuntimeConfigError = (e: unknown): e is RuntimeConfigError => hasName(e, "RuntimeConfigError");
export const isMissingPeerError = (e: unknown): e is MissingPeerError => hasName(e, "MissingPeerError");

/** Whether retrying can help: our errors say so; anything else (a handler's own error) is assumed transient. */
export function isRetriable(e: unknown): boolean {
  if (isEvtRuntimeError(e)) return e.retriable;
  return true;
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
RUNTIME_ERROR_NAMES.add("EventsNotSentError");
export const isEventsNotSentError = (e: unknown): e is EventsNotSentError => hasName(e, "EventsNotSentError");
