/**
 * Lifecycle of long-running components (processor runner, sinks, `evt run`): a completion
 * promise, a graceful stop on SIGTERM / SIGINT from the first moment (connecting, joining,
 * consuming, retrying), and a grace period after which retries are cancelled and the process
 * gives up with a StopTimeoutError naming what it was waiting for.
 */
import { StopTimeoutError } from "./errors.js";

/**
 * Calls `stop` once for the first SIGTERM/SIGINT; the returned function removes the handlers
 * (call it when the component stops for any other reason).
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    remove();
    stop(signal);
  };
  const remove = (): void => {
    process.off("SIGTERM", handler);
    process.off("SIGINT", handler);
  };
  process.once("SIGTERM", handler);
  process.once("SIGINT", handler);
  return remove;
}

export interface Completion {
  /** Settles when the component has stopped (rejects when it crashed). Never an unhandled rejection. */
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The `done` promise of a component with its settle functions (Node 20 lacks Promise.withResolvers). */
export function completion(): Completion {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // callers may only await stop(); never let `done` become an unhandled rejection
  done.catch(() => {});
  return { done, resolve, reject };
}

/** What a component is doing now, so a stop that overruns its grace period can say what it waited for. */
export class Phase {
  private name = "starting";
  set(name: string): void {
    this.name = name;
  }
  current(): string {
    return this.name;
  }
}

export interface StopControl {
  /** What the components sharing this stop are doing now (named when the grace period runs out). */
  readonly phase: Phase;
  /** Aborted at the first stop request: stop taking new work, finish (commit) what is in hand. */
  readonly stopSignal: AbortSignal;
  /** Aborted when the grace period after the first request ran out (or at a second signal): cancel retries. */
  readonly cancelSignal: AbortSignal;
  /** Settles (never rejects) with the reason once the grace period ran out. */
  readonly expired: Promise<StopTimeoutError>;
  /** Asks for a stop (what a signal does); idempotent. */
  request(reason: string): void;
  /** Whether a stop was requested, and why. */
  requested(): string | undefined;
  /** Removes signal handlers and timers. */
  dispose(): void;
}

export interface StopControlOptions {
  /** Time between the first stop request and cancelling every retry (ms). */
  readonly graceMs: number;
  /** Listen to SIGTERM / SIGINT (a second signal cancels at once). */
  readonly signals?: boolean;
  /** Names what the component waits for when the grace period runs out. */
  readonly phase?: Phase;
  readonly onRequest?: (reason: string) => void;
}

/** One stop protocol for every component: request → grace period → cancel, from the first moment. */
export function stopControl(options: StopControlOptions): StopControl {
  const stop = new AbortController();
  const cancel = new AbortController();
  const phase = options.phase ?? new Phase();
  let reason: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settle!: (e: StopTimeoutError) => void;
  const expired = new Promise<StopTimeoutError>((r) => (settle = r));
  const expire = (): void => {
    if (cancel.signal.aborted) return;
    const waiting = phase.current();
    const error = new StopTimeoutError(
      `stop requested (${reason ?? "stop"}) but not finished within the ${options.graceMs} ms grace period while ${waiting}; ` +
        "retries cancelled, uncommitted records will be re-read on restart",
      { context: { phase: waiting, graceMs: options.graceMs } },
    );
    cancel.abort(error);
    settle(error);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (reason === undefined) request(signal);
    else expire(); // a second signal: do not wait for the grace period
  };
  function request(why: string): void {
    if (reason !== undefined) return;
    reason = why;
    stop.abort();
    options.onRequest?.(why);
    timer = setTimeout(expire, options.graceMs);
  }
  if (options.signals) {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
  return {
    phase,
    stopSignal: stop.signal,
    cancelSignal: cancel.signal,
    expired,
    request,
    requested: () => reason,
    dispose() {
      if (timer) clearTimeout(timer);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    },
  };
}

/**
 * Awaits `work` unless the stop is requested first: then the caller gets StopRequestedError-like
 * `onStop()` (it stops what `work` started) — used for connect/join steps that have no signal.
 */
export async function unlessStopped<T>(work: Promise<T>, signal: AbortSignal, onStop: () => Error): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    throw onStop();
  }
  let off = (): void => {};
  const stopped = new Promise<never>((_, reject) => {
    const listener = (): void => reject(onStop());
    signal.addEventListener("abort", listener, { once: true });
    off = () => signal.removeEventListener("abort", listener);
  });
  try {
    return await Promise.race([work, stopped]);
  } finally {
    off();
    work.catch(() => {});
  }
}
