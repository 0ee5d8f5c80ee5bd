/**
 * Graceful stop on SIGTERM / SIGINT for long-running components (processor runner, sinks):
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
