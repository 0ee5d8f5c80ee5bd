/**
 * The one retry function: exponential backoff with full jitter, bounded attempts, and a `bail`
 * escape for errors that retrying cannot fix. Whether to retry is a property of the error
 * (`isRetriable`), so programmer and validation errors fail at once.
 */
import { isRetriable } from "./errors.js";

export interface RetryOptions {
  /** Attempts after the first one (0 = no retry). */
  readonly retries: number;
  /** Backoff before the first retry; doubled each time. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs?: number;
  /** Decides per error; default `isRetriable`. */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait (logs, metrics). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stops waiting (the last error is thrown) when aborted, e.g. on shutdown. */
  readonly signal?: AbortSignal;
  /** Source of randomness for jitter (tests pass a fixed one). */
  readonly random?: () => number;
}

/** Thrown by the task through `bail(err)`: rethrown at once as `err`, no further attempt. */
class Bail {
  constructor(readonly error: unknown) {}
}

export interface RetryOutcome<T> {
  readonly value: T;
  /** Attempts made, 1 when the first one succeeded. */
  readonly attempts: number;
}

/** Error thrown when every attempt failed: the last error, with the number of attempts attached. */
export class RetriesExhausted extends Error {
  override name = "RetriesExhausted";
  constructor(readonly lastError: unknown, readonly attempts: number) {
    super(`gave up after ${attempts} attempt(s): ${lastError instanceof Error ? lastError.message : String(lastError)}`, {
      cause: lastError,
    });
  }
}

/** Delay before retry number `attempt` (1-based): full jitter over min(max, initial·2^(attempt-1)). */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  // half fixed, half random: never zero, never more than the ceiling
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export async function retry<T>(
  task: (attempt: number, bail: (error: unknown) => never) => Promise<T> | T,
  options: RetryOptions,
): Promise<RetryOutcome<T>> {
  const shouldRetry = options.shouldRetry ?? ((e: unknown) => isRetriable(e));
  const maxMs = options.maxBackoffMs ?? 30_000;
  const bail = (error: unknown): never => {
    throw new Bail(error);
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await task(attempt, bail), attempts: attempt };
    } catch (e) {
      if (e instanceof Bail) throw new RetriesExhausted(e.error, attempt);
      const retriesLeft = attempt <= options.retries;
      if (!retriesLeft || !shouldRetry(e, attempt) || options.signal?.aborted) throw new RetriesExhausted(e, attempt);
      const delay = backoffDelay(attempt, options.initialBackoffMs, maxMs, options.random);
      options.onRetry?.(e, attempt, delay);
      const completed = await sleep(delay, options.signal);
      if (!completed) throw new RetriesExhausted(e, attempt);
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
