/**
 * The one retry function (the runner's handlers, the sinks' warehouse writes, the DLQ writers):
 * exponential backoff with full jitter, bounded attempts (or a time budget), and a `bail` escape.
 * Whether to retry is a property of the error (`isRetriable`); programmer errors (TypeError,
 * RangeError, …) are never retried, whatever `shouldRetry` says. A stop signal cuts the wait short.
 */
import { RetriesExhaustedError, StopRequestedError, isProgrammerError, isRetriable } from "./errors.js";

export interface RetryOptions {
  /** Attempts after the first one (0 = no retry; Infinity = until it succeeds or the signal aborts). */
  readonly retries: number;
  /** Backoff ceiling before the first retry; doubled each time up to `maxBackoffMs`. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs?: number;
  /** Gives up (RetriesExhaustedError) once this much time has passed since the first attempt. */
  readonly maxElapsedMs?: number;
  /** Decides per error; default `isRetriable`. Programmer errors are never retried regardless. */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait (logs, metrics). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stops retrying when aborted (StopRequestedError, the last error as cause), e.g. on shutdown. */
  readonly signal?: AbortSignal;
  /** Source of randomness for jitter (tests pass a fixed one). */
  readonly random?: () => number;
}

export interface RetryOutcome<T> {
  readonly value: T;
  /** Attempts made, 1 when the first one succeeded. */
  readonly attempts: number;
}

/** @deprecated alias kept for callers of the earlier name; the class is `RetriesExhaustedError`. */
export const RetriesExhausted = RetriesExhaustedError;
export type RetriesExhausted = RetriesExhaustedError;

/** Marks an error passed to `bail`: rethrown as it is, no further attempt. */
class Bail {
  constructor(readonly error: unknown) {}
}

/**
 * Delay before retry number `attempt` (1-based): full jitter, uniform in [0, min(max, initial·2^(attempt-1))]
 * (AWS's "full jitter": spreads clients that failed together over the whole window).
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(random() * ceiling);
}

/**
 * Runs `task` until it succeeds. Throws: the error itself when it is not retriable or was passed
 * to `bail`; RetriesExhaustedError when the attempts or the time budget ran out;
 * StopRequestedError when `signal` aborted.
 */
export async function retry<T>(
  task: (attempt: number, bail: (error: unknown) => never) => Promise<T> | T,
  options: RetryOptions,
): Promise<RetryOutcome<T>> {
  const shouldRetry = options.shouldRetry ?? isRetriable;
  const maxMs = options.maxBackoffMs ?? 30_000;
  const started = Date.now();
  const bail = (error: unknown): never => {
    throw new Bail(error);
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await task(attempt, bail), attempts: attempt };
    } catch (e) {
      if (e instanceof Bail) throw e.error;
      if (isProgrammerError(e) || !shouldRetry(e, attempt)) throw e;
      if (options.signal?.aborted) throw stopped(e, attempt);
      if (attempt > options.retries) throw new RetriesExhaustedError(e, attempt);
      let delay = backoffDelay(attempt, options.initialBackoffMs, maxMs, options.random);
      if (options.maxElapsedMs !== undefined) {
        const left = options.maxElapsedMs - (Date.now() - started);
        if (left <= 0) throw new RetriesExhaustedError(e, attempt);
        delay = Math.min(delay, left);
      }
      options.onRetry?.(e, attempt, delay);
      if (!(await sleep(delay, options.signal))) throw stopped(e, attempt);
    }
  }
}

function stopped(last: unknown, attempts: number): StopRequestedError {
  return new StopRequestedError(`stopped while retrying (after ${attempts} attempt(s))`, { cause: last, context: { attempts } });
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
