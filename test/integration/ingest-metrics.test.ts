/**
 * `evt ingest` (the built CLI, a child process) against the real broker serves Prometheus metrics
 * (issue 15.1): requests by status, client events accepted / rejected by failure type, the
 * collector producer's counters, the request latency histogram — on the collector's port by
 * default, or only on `--metrics-port` when given (kept off the public listener).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../runtime/uuid7.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { kafkaBrokers, topicSize } from "../helpers/kafka.js";
import { PAGE_VIEWED, WEB_KEY, ORIGIN, createTopics, freshTopics, pageViewed, post, type Topics } from "./fixtures/ingest-setup.js";
import { waitUntil } from "./fixtures/sink-setup.js";

interface Ingest {
  readonly child: ChildProcess;
  /** The collector's base URL and the metrics port, from its "collector listening" line. */
  readonly listening: Promise<{ address: string; metricsPort?: number }>;
  stderr(): string;
}

const children: ChildProcess[] = [];

function startIngest(topics: Topics, extra: string[] = []): Ingest {
  const keys = JSON.stringify({ keys: [{ app: "web-shop", key: WEB_KEY, origins: [ORIGIN], ratePerSecond: 100_000 }] });
  const child = spawn(process.execPath, [
    path.join(REPO_ROOT, "bin/run.js"), "ingest", "--port", "0", "--brokers", kafkaBrokers().join(","), "--topic", `${PAGE_VIEWED}=${topics.pageViewed}`,
    "--bad-topic", topics.bad, "--max-events", "20", ...extra,
  ], { cwd: REPO_ROOT, env: { ...process.env, EVT_INGEST_KEYS: keys }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let err = "";
  child.stdout!.resume();
  const listening = new Promise<{ address: string; metricsPort?: number }>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const line = err.split("\n").find((l) => l.includes('"msg":"collector listening"'));
      if (line) resolve(JSON.parse(line) as { address: string; metricsPort?: number });
    });
    child.once("exit", (code) => reject(new Error(`evt ingest exited ${code}: ${err}`)));
  });
  listening.catch(() => {});
  return { child, listening, stderr: () => err };
}

/** One sample's value from Prometheus text (labels in prom-client's order), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

let topics: Topics;

beforeAll(async () => {
  topics = freshTopics("ingest-metrics");
  await createTopics(kafkaBrokers(), topics);
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
});

describe("evt ingest /metrics", () => {
  it("counts requests by status, events accepted and rejected by failure type, the producer's sends and request latency", async () => {
    const ingest = startIngest(topics);
    const { address } = await ingest.listening;
    await waitUntil(async () => (await fetch(`${address}/readyz`).then((r) => r.status).catch(() => 0)) === 200, `evt ingest ready (${ingest.stderr()})`, 60_000);
    const url = `${address}/v1/events`;
    const headers = { "x-evt-write-key": WEB_KEY, origin: ORIGIN };

    const good = Array.from({ length: 7 }, (_, i) => ({ type: PAGE_VIEWED, id: uuidv7(), data: pageViewed(i) }));
    const res = await post(url, {
      source: "web",
      events: [...good, { type: PAGE_VIEWED, data: { ...pageViewed(9), pageName: 42 } }, { type: "payments.v1.PaymentCaptured", data: {} }],
    }, headers);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ accepted: 7, rejected: 2 });
    expect((await post(url, { source: "web", events: good.slice(0, 2) }, headers)).status).toBe(200);
    expect((await post(url, { source: "web", events: good }, { "x-evt-write-key": "wrong-key-0123456789" })).status).toBe(401);
    const many = Array.from({ length: 21 }, (_, i) => ({ type: PAGE_VIEWED, data: pageViewed(i) }));
    expect((await post(url, { source: "web", events: many }, headers)).status).toBe(413);
    expect((await post(url, "{nope", headers)).status).toBe(400);

    const scrape = await fetch(`${address}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toContain("text/plain");
    const text = await scrape.text();
    expect(sample(text, 'evt_ingest_requests_total{status="200"}')).toBe(2);
    expect(sample(text, 'evt_ingest_requests_total{status="401"}')).toBe(1);
    expect(sample(text, 'evt_ingest_requests_total{status="413"}')).toBe(1);
    expect(sample(text, 'evt_ingest_requests_total{status="400"}')).toBe(1);
    expect(sample(text, 'evt_ingest_accepted_events_total{app="web-shop"}')).toBe(9);
    expect(sample(text, 'evt_ingest_rejected_events_total{app="web-shop",failure="schema_violation"}')).toBe(1);
    expect(sample(text, 'evt_ingest_rejected_events_total{app="web-shop",failure="unknown_type"}')).toBe(1);
    // the collector's producer: what Kafka acknowledged, per producer and topic
    expect(sample(text, `evt_producer_sent_events_total{producer="evt-ingest",topic="${topics.pageViewed}"}`)).toBe(9);
    expect(sample(text, `evt_producer_sent_events_total{producer="evt-ingest",topic="${topics.pageViewed}"}`)).toBe(await topicSize(topics.pageViewed));
    expect(text).toContain("# TYPE evt_producer_retried_events_total counter");
    // latency: both 200s observed, and their sum is a real (positive) duration
    expect(sample(text, 'evt_ingest_request_duration_seconds_count{status="200"}')).toBe(2);
    expect(sample(text, 'evt_ingest_request_duration_seconds_bucket{le="+Inf",status="200"}')).toBe(2);
    expect(sample(text, 'evt_ingest_request_duration_seconds_sum{status="200"}')).toBeGreaterThan(0);
    // bounded labels only: never a key, an event id or a client address
    expect(text).not.toContain(WEB_KEY);
    expect(text).not.toContain(good[0]!.id);
    expect(text).not.toContain("127.0.0.1");
  }, 120_000);

  it("serves /metrics only on --metrics-port when it is given", async () => {
    const ingest = startIngest(topics, ["--metrics-port", "0"]);
    const { address, metricsPort } = await ingest.listening;
    expect(metricsPort).toBeGreaterThan(0);
    await waitUntil(async () => (await fetch(`${address}/readyz`).then((r) => r.status).catch(() => 0)) === 200, `evt ingest ready (${ingest.stderr()})`, 60_000);
    expect((await post(`${address}/v1/events`, { source: "web", events: [{ type: PAGE_VIEWED, data: pageViewed(1) }] }, { "x-evt-write-key": WEB_KEY })).status).toBe(200);
    expect((await fetch(`${address}/metrics`)).status).toBe(404);
    const ops = `http://127.0.0.1:${metricsPort}`;
    const text = await (await fetch(`${ops}/metrics`)).text();
    expect(sample(text, 'evt_ingest_requests_total{status="200"}')).toBe(1);
    expect(sample(text, 'evt_ingest_accepted_events_total{app="web-shop"}')).toBe(1);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    ingest.child.kill("SIGTERM");
    expect(await new Promise((r) => ingest.child.once("exit", r))).toBe(0);
  }, 120_000);
});
