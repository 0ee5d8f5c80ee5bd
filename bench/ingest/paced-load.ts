/**
 * An open-loop, evenly paced load: one request every 1/rate s over a pool of keep-alive
 * connections, each request's latency measured from the time it was *scheduled* (so a
 * collector that falls behind is charged for the queue, no coordinated omission). autocannon's
 * `overallRate` is not this: each connection sends back to back until its per-second quota is
 * used, then waits for the next second, so "half of the peak rate" arrives as a burst at the
 * peak's concurrency and measures the peak's latency (bench/README.md, ingest).
 */
import http from "node:http";

export interface PacedResult {
  readonly requests: number;
  readonly requestsPerSec: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export async function pacedLoad(url: string, options: { rate: number; seconds: number; body: string; headers: Record<string, string>; connections: number }): Promise<PacedResult> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const body = Buffer.from(options.body);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const interval = 1000 / options.rate;
  const start = performance.now() + 50;
  const one = (scheduled: number): Promise<void> =>
    new Promise((resolve) => {
      const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: { ...options.headers, "content-length": body.length } }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) non2xx++;
          latencies.push(performance.now() - scheduled);
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const scheduled = start + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(one(scheduled));
  }
  await Promise.all(inFlight);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  const elapsed = (performance.now() - start) / 1000;
  return { requests: total, requestsPerSec: Math.round(total / elapsed), non2xx, errors, p50: at(0.5), p99: at(0.99), max: Math.round(sorted[sorted.length - 1] ?? NaN) };
}
