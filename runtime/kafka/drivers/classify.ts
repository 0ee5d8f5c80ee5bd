/**
 * What a driver's error means, for every driver: the runtime taxonomy (`KafkaClientError` with its
 * `retriable` verdict, `TopicError`) from the shapes kafkajs and @platformatic/kafka give their
 * errors. Read by shape (names, codes, protocol error ids), never by `instanceof`, so this module
 * imports no client library and recognises errors from any copy of one.
 *
 * - kafkajs: `name` (KafkaJSConnectionError, …), `type` (the protocol error, e.g. MESSAGE_TOO_LARGE),
 *   `retriable`, the cause in `cause` or `originalError`.
 * - @platformatic/kafka: `code` (PLT_KFK_NETWORK, PLT_KFK_TIMEOUT, PLT_KFK_PROTOCOL, …), `apiId`
 *   (the protocol error), `canRetry`; retried operations fail with an AggregateError
 *   (PLT_KFK_MULTIPLE) whose `errors` hold each attempt's error.
 */
import { KafkaClientError, TopicError } from "../../errors.js";

interface DriverErrorShape {
  name?: string;
  message?: string;
  code?: unknown;
  type?: unknown;
  apiId?: unknown;
  retriable?: boolean;
  canRetry?: boolean;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
  context?: { code?: unknown };
}

/** `e` and the errors behind it (cause chain, an aggregate's errors), breadth-first, bounded. */
function* chain(e: unknown): Generator<DriverErrorShape> {
  const queue: unknown[] = [e];
  for (let seen = 0; queue.length > 0 && seen < 32; seen++) {
    const cur = queue.shift();
    if (!cur || typeof cur !== "object") continue;
    const c = cur as DriverErrorShape;
    yield c;
    if (c.cause) queue.push(c.cause);
    if (c.originalError) queue.push(c.originalError);
    if (Array.isArray(c.errors)) queue.push(...(c.errors as unknown[]));
  }
}

const CONNECTION_NAMES = new Set(["KafkaJSConnectionError", "KafkaJSConnectionClosedError", "KafkaJSRequestTimeoutError", "KafkaJSBrokerNotFound"]);
const CONNECTION_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN",
  "PLT_KFK_NETWORK", "PLT_KFK_TIMEOUT",
]);
const LEADERSHIP_TYPES = new Set([
  "NOT_LEADER_FOR_PARTITION", "NOT_LEADER_OR_FOLLOWER", "LEADER_NOT_AVAILABLE", "NOT_ENOUGH_REPLICAS", "REQUEST_TIMED_OUT",
  "NETWORK_EXCEPTION", "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR", "COORDINATOR_LOAD_IN_PROGRESS",
]);

/** The Kafka protocol error id (e.g. MESSAGE_TOO_LARGE) of `e` or an error behind it. */
export function protocolCode(e: unknown): string | undefined {
  for (const c of chain(e)) {
    if (typeof c.type === "string") return c.type;
    if (typeof c.apiId === "string") return c.apiId;
    if (typeof c.context?.code === "string") return c.context.code;
  }
  return undefined;
}

/** True when `e` (or an error behind it) says the broker could not be reached or lost its connection. */
export function isConnectionClass(e: unknown): boolean {
  for (const c of chain(e)) {
    if (c.name && CONNECTION_NAMES.has(c.name)) return true;
    if (typeof c.code === "string" && CONNECTION_CODES.has(c.code)) return true;
    const t = typeof c.type === "string" ? c.type : typeof c.apiId === "string" ? c.apiId : undefined;
    if (t && LEADERSHIP_TYPES.has(t)) return true;
  }
  return false;
}

/** The driver's own verdict: kafkajs's `retriable`; platformatic's `canRetry` (false if any attempt said so). */
function driverRetriable(e: unknown): boolean {
  const top = e as DriverErrorShape | null;
  if (typeof top?.retriable === "boolean") return top.retriable;
  let verdict: boolean | undefined;
  for (const c of chain(e)) {
    if (c.canRetry === false) return false;
    if (c.canRetry === true) verdict = true;
  }
  return verdict ?? false;
}

/** Driver error → runtime error: the driver's `retriable`, connection-class failures always retriable, the topic named. */
export function translateKafkaError(e: unknown, context: Record<string, string | number> = {}): KafkaClientError | TopicError {
  if (e instanceof KafkaClientError || e instanceof TopicError) return e;
  const message = (e as DriverErrorShape | null)?.message ?? String(e);
  const code = protocolCode(e);
  if (code === "UNKNOWN_TOPIC_OR_PARTITION" || /does not host this topic-partition/.test(message)) {
    return new TopicError(`topic ${context.topic ?? "?"} does not exist: ${message}`, { cause: e, context });
  }
  const connection = isConnectionClass(e);
  const ctx = { ...context, ...(code ? { code } : {}), ...(connection ? { connection: true } : {}) };
  // drivers give up on an unreachable broker with a non-retriable "retries exceeded": the outage
  // may be short, so a connection-class failure stays retriable for evt's own bounded retry
  return new KafkaClientError(`kafka: ${detail(e, message)}`, { retriable: driverRetriable(e) || connection, cause: e, context: ctx });
}

/** An aggregate's message says only "X failed N times": name the last attempt's error too. */
function detail(e: unknown, message: string): string {
  const errors = (e as DriverErrorShape | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return message;
  const last = errors.at(-1) as DriverErrorShape | undefined;
  return last?.message && last.message !== message ? `${message}: ${last.message}` : message;
}

/**
 * A failed connect, after the driver's bounded retries: one line naming the brokers and what the
 * network said, so "Kafka unreachable" reads as such (retriable: the brokers may come back).
 */
/** Runs a driver's connect step; a failure becomes the one "brokers unreachable" error (or its own translation). */
export async function connectTo(brokers: readonly string[], connect: () => Promise<unknown>): Promise<void> {
  try {
    await connect();
  } catch (e) {
    throw unreachable(e, brokers);
  }
}

export function unreachable(e: unknown, brokers: readonly string[]): KafkaClientError {
  const err = e as DriverErrorShape & { retryCount?: number };
  const name = err.name ?? "";
  const connectionLike = isConnectionClass(e)
    || /Connection|NumberOfRetriesExceeded|BrokerNotFound|NonRetriable|Timeout/i.test(name)
    || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|Connection/i.test(err.message ?? "");
  if (!connectionLike) return translateKafkaError(e) as KafkaClientError;
  let network: string | undefined;
  for (const c of chain(e)) if (typeof c.code === "string" && /^E[A-Z]+$/.test(c.code)) network = network ?? c.message;
  const cause = err.cause as DriverErrorShape | undefined;
  const said = network ?? cause?.message ?? err.message ?? String(e);
  const tries = err.retryCount === undefined ? undefined : err.retryCount + 1;
  const attempts = tries === undefined ? "" : ` after ${tries} attempt${tries === 1 ? "" : "s"}`;
  return new KafkaClientError(`kafka: cannot reach the brokers ${brokers.join(",")}${attempts}: ${said}`, {
    retriable: true, cause: e, context: { brokers: brokers.join(",") },
  });
}
