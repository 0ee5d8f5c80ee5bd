/**
 * The ops side of `evt run`: Prometheus metrics subscribed to the runtime's instrumentation and
 * the /metrics, /healthz, /readyz endpoint. prom-client loads only when a port is asked for.
 */
import type { Instrumentation } from "@evt/runtime/instrumentation.js";
import type { RuntimeLogger } from "@evt/runtime/log.js";
import type { BehindSource } from "@evt/runtime/metrics/runtime-metrics.js";
import { EvtError } from "../compiler/errors.js";

export interface Ops {
  readonly port: number;
  addBehindSource(source: BehindSource): void;
  /** Consuming from now on: /readyz answers 200 (until a stop is requested or the run failed). */
  markReady(): void;
  /** Marks the run failed: /healthz answers 503 until the process exits. */
  fail(): void;
  close(): Promise<void>;
}

export async function startOps(port: number | undefined, instrumentation: Instrumentation, stopping: () => boolean, log: RuntimeLogger): Promise<Ops | undefined> {
  if (port === undefined) return undefined;
  const { RuntimeMetrics } = await import("@evt/runtime/metrics/runtime-metrics.js");
  const { startOpsServer } = await import("@evt/runtime/metrics/ops-server.js");
  const metrics = new RuntimeMetrics();
  const detach = metrics.attach(instrumentation);
  let failed = false;
  let ready = false;
  const server = await startOpsServer({
    metrics, port, ready: () => ready && !failed && !stopping(), healthy: () => !failed,
  }).catch((e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EvtError(code === "EADDRINUSE" ? `--metrics-port ${port}: the port is in use by another process` : `--metrics-port ${port}: cannot listen (${(e as Error).message})`);
  });
  log.info("ops endpoint listening", { port: server.port, paths: ["/metrics", "/healthz", "/readyz"] });
  return {
    port: server.port,
    addBehindSource: (source) => void metrics.addBehindSource(source),
    markReady: () => {
      ready = true;
    },
    fail: () => {
      failed = true;
    },
    async close() {
      detach();
      await server.close();
    },
  };
}
