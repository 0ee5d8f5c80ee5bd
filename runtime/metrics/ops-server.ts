/**
 * The ops endpoint of `evt run`: `/metrics` (Prometheus text), `/healthz` (the process is alive
 * and no sink hit a fatal error), `/readyz` (consuming). node:http, not a framework: three fixed
 * GET routes with no bodies to validate, and the runtime package stays free of a web stack.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RuntimeMetrics } from "./runtime-metrics.js";

export interface OpsServerOptions {
  readonly metrics: RuntimeMetrics;
  readonly port: number;
  /** Default 0.0.0.0 (scraped from another host). */
  readonly host?: string;
  /** Ready: consuming (joined, positioned). */
  readonly ready: () => boolean;
  /** Healthy: alive and not failed; a failed runner answers 503 so an orchestrator restarts it. */
  readonly healthy: () => boolean;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    const plain = (status: number, body: string): void => {
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return plain(405, "method not allowed\n");
    if (url === "/healthz") return options.healthy() ? plain(200, "ok\n") : plain(503, "failed\n");
    if (url === "/readyz") return options.ready() ? plain(200, "ready\n") : plain(503, "not ready\n");
    if (url !== "/metrics") return plain(404, "not found: /metrics, /healthz, /readyz\n");
    options.metrics.text().then(
      (text) => res.writeHead(200, { "content-type": options.metrics.contentType }).end(text),
      (e: unknown) => plain(500, `metrics collection failed: ${(e as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  // keep-alive scrapers must not hold the process open after a stop
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
