/**
 * Lifecycle of long-running components (processor runner, sinks): a completion promise and a
 * graceful stop on SIGTERM / SIGINT.
 *
 * Graceful stop:
 * `onStopSignal` calls `stop` once for the first signal; the returned function removes the
 * handlers (call it when the component stops for any other reason).
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
