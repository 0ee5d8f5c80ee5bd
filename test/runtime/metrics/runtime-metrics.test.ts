/** Prometheus metrics fed by instrumentation events; records behind; the ops endpoint; reason classes. */
import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { HANDLED_DURATION_BOUNDS_MS, Instrumentation } from "../../../runtime/instrumentation.js";
import { RuntimeMetrics } from "../../../runtime/metrics/runtime-metrics.js";
import { recordsBehind } from "../../../runtime/metrics/behind.js";
import { startOpsServer } from "../../../runtime/metrics/ops-server.js";
import { DLQ_REASONS, sinkReasonClass } from "../../../runtime/metrics/reasons.js";
import type { SinkSpec } from "../../../runtime/sinks/config.js";

function fed(): { metrics: RuntimeMetrics; inst: Instrumentation } {
  const inst = new Instrumentation();
  const metrics = new RuntimeMetrics();
  metrics.attach(inst);
  return { metrics, inst };
}

describe("RuntimeMetrics", () => {
  it("counts producer, consumer and sink events under evt_ names with base units and bounded labels", async () => {
    const { metrics, inst } = fed();
    inst.emit("producer.sent", () => ({ producer: "svc", topic: "t.a.v1", count: 3, bytes: 300, latencyMs: 12 }));
    inst.emit("producer.failed", () => ({ producer: "svc", topic: "t.a.v1", count: 1, error: new Error("x"), latencyMs: 5 }));
    inst.emit("producer.retry", () => ({ producer: "svc", topic: "t.a.v1", count: 2, attempt: 1, delayMs: 50, error: new Error("down") }));
    inst.emit("sink.consumed", () => ({ sink: "S.A", topic: "t.a.v1", partition: 1, count: 4, bytes: 400 }));
    inst.emit("sink.flushed", () => ({ sink: "S.A", table: "S.A", rows: 3, written: 3, rejected: 1, bytes: 300, latencyMs: 40, lagMs: 2_000 }));
    inst.emit("sink.retry", () => ({ sink: "S.A", table: "S.A", attempt: 1, delayMs: 200, error: new Error("down") }));
    inst.emit("sink.dead_lettered", () => ({ sink: "S.A", topic: "t.a.v1", partition: 1, offset: "7", dlqTopic: "t.a.v1.dlq", reason: "record has no ce_id header (the de-duplication key)" }));
    const text = await metrics.text();
    expect(text).toContain('evt_producer_sent_events_total{producer="svc",topic="t.a.v1"} 3');
    expect(text).toContain('evt_producer_sent_bytes_total{producer="svc",topic="t.a.v1"} 300');
    expect(text).toContain('evt_producer_failed_events_total{producer="svc",topic="t.a.v1"} 1');
    expect(text).toContain('evt_producer_retried_events_total{producer="svc",topic="t.a.v1"} 2');
    expect(text).toContain('evt_producer_send_duration_seconds_sum{producer="svc",topic="t.a.v1"} 0.012');
    expect(text).toContain('evt_consumed_records_total{topic="t.a.v1",partition="1"} 4');
    expect(text).toContain('evt_consumed_bytes_total{topic="t.a.v1",partition="1"} 400');
    expect(text).toContain('evt_sink_records_total{sink="S.A"} 4');
    expect(text).toContain('evt_sink_rows_written_total{sink="S.A"} 3');
    expect(text).toContain('evt_sink_batches_total{sink="S.A"} 1');
    expect(text).toContain('evt_sink_warehouse_retries_total{sink="S.A"} 1');
    expect(text).toContain('evt_sink_dead_lettered_total{sink="S.A",reason="missing_id"} 1');
    expect(text).toContain('evt_sink_freshness_seconds_bucket{le="5",sink="S.A"} 1');
    // never the free-text reason or an offset as a label value
    expect(text).not.toContain("de-duplication");
    expect(text).not.toMatch(/offset="/);
  });

  it("counts ingest answers by status with their latency, and client events accepted / rejected by failure type", async () => {
    const { metrics, inst } = fed();
    inst.emit("ingest.response", () => ({ status: 200, latencyMs: 7 }));
    inst.emit("ingest.response", () => ({ status: 200, latencyMs: 30 }));
    inst.emit("ingest.response", () => ({ status: 413, latencyMs: 1 }));
    inst.emit("ingest.request", () => ({ app: "web-shop", status: 200, accepted: 48, rejected: 2, failures: { schema_violation: 1, auth: 1 }, latencyMs: 7 }));
    const text = await metrics.text();
    expect(text).toContain('evt_ingest_requests_total{status="200"} 2');
    expect(text).toContain('evt_ingest_requests_total{status="413"} 1');
    expect(text).toContain('evt_ingest_request_duration_seconds_bucket{le="0.01",status="200"} 1');
    expect(text).toContain('evt_ingest_request_duration_seconds_count{status="200"} 2');
    expect(text).toContain('evt_ingest_accepted_events_total{app="web-shop"} 48');
    expect(text).toContain('evt_ingest_rejected_events_total{app="web-shop",failure="schema_violation"} 1');
    expect(text).toContain('evt_ingest_rejected_events_total{app="web-shop",failure="auth"} 1');
  });

  it("counts the processor's per-batch totals (processor.handled_batch) in Prometheus' histogram format", async () => {
    const { metrics, inst } = fed();
    // durationCounts per HANDLED_DURATION_BOUNDS_MS bucket (1, 5, 10, 25, 50, … 10000, 30000 ms) plus one above them
    const counts = (byBound: Record<number, number>) => [...HANDLED_DURATION_BOUNDS_MS, Infinity].map((b) => byBound[b] ?? 0);
    const batch = (topic: string, count: number, durationMs: number, durationCounts: number[]) =>
      inst.emit("processor.handled_batch", () => ({ processor: "fulfil", topic, partition: 0, count, durationMs, durationCounts }));
    batch("t.a.v1", 3, 43, counts({ 1: 1, 5: 1, 50: 1 }));
    batch("t.b.v1", 1, 20_000, counts({ 30_000: 1 }));
    const text = await metrics.text();
    expect(text).toContain('evt_processor_handled_events_total{processor="fulfil",topic="t.a.v1"} 3');
    expect(text).toContain('evt_processor_handled_events_total{processor="fulfil",topic="t.b.v1"} 1');
    expect(text).toContain("# TYPE evt_processor_handle_duration_seconds histogram");
    expect(text).toContain("# HELP evt_processor_handle_duration_seconds Time a processor took per event it handled successfully: decoding and validation, the handler, and any retries with their backoff.");
    expect(text).toContain('evt_processor_handle_duration_seconds_bucket{le="0.001",processor="fulfil"} 1');
    expect(text).toContain('evt_processor_handle_duration_seconds_bucket{le="0.005",processor="fulfil"} 2');
    expect(text).toContain('evt_processor_handle_duration_seconds_bucket{le="0.05",processor="fulfil"} 3');
    expect(text).toContain('evt_processor_handle_duration_seconds_bucket{le="10",processor="fulfil"} 3');
    expect(text).toContain('evt_processor_handle_duration_seconds_bucket{le="30",processor="fulfil"} 4');
    expect(text).toContain('evt_processor_handle_duration_seconds_bucket{le="+Inf",processor="fulfil"} 4');
    expect(text).toContain('evt_processor_handle_duration_seconds_sum{processor="fulfil"} 20.043');
    expect(text).toContain('evt_processor_handle_duration_seconds_count{processor="fulfil"} 4');
    // a second scrape does not count twice; later batches add, an event above every bound only in +Inf
    batch("t.a.v1", 2, 60_001, counts({ 1: 1, [Infinity]: 1 }));
    const again = await metrics.text();
    expect(again).toContain('evt_processor_handled_events_total{processor="fulfil",topic="t.a.v1"} 5');
    expect(again).toContain('evt_processor_handle_duration_seconds_bucket{le="0.001",processor="fulfil"} 2');
    expect(again).toContain('evt_processor_handle_duration_seconds_bucket{le="30",processor="fulfil"} 5');
    expect(again).toContain('evt_processor_handle_duration_seconds_bucket{le="+Inf",processor="fulfil"} 6');
    expect(again).toContain('evt_processor_handle_duration_seconds_count{processor="fulfil"} 6');
    expect((await metrics.registry.getMetricsAsJSON()).map((m) => m.name)).toContain("evt_processor_handle_duration_seconds");
  });

  it("does not listen to the per-event processor.handled (the runner builds it only for other listeners)", async () => {
    const { metrics, inst } = fed();
    expect(inst.has("processor.handled")).toBe(false);
    expect(inst.has("processor.handled_batch")).toBe(true);
    inst.emit("processor.handled", () => ({ processor: "fulfil", topic: "t.a.v1", partition: 0, offset: "1", id: "x", attempts: 1, latencyMs: 1 }));
    expect(await metrics.text()).not.toMatch(/evt_processor_handled_events_total\{/);
  });

  it("registers into a service's own registry, not the global one", async () => {
    const registry = new Registry();
    const metrics = new RuntimeMetrics({ registry });
    expect(metrics.registry).toBe(registry);
    expect((await registry.getMetricsAsJSON()).map((m) => m.name)).toContain("evt_producer_sent_events_total");
    const { register } = await import("prom-client");
    expect(await register.getSingleMetric("evt_producer_sent_events_total")).toBeUndefined();
  });

  it("stops counting after the unsubscribe", async () => {
    const inst = new Instrumentation();
    const metrics = new RuntimeMetrics();
    const off = metrics.attach(inst);
    off();
    expect(inst.has("producer.sent")).toBe(false);
    inst.emit("producer.sent", () => ({ producer: "p", topic: "t", count: 1, bytes: 1, latencyMs: 1 }));
    expect(await metrics.text()).not.toContain('evt_producer_sent_events_total{producer="p",topic="t"}');
  });
});

describe("recordsBehind", () => {
  const sink = { name: "S.A", topic: "t.a.v1" } as SinkSpec;
  it("is the end offset minus the warehouse high-water + 1, from the earliest retained offset when nothing was written", async () => {
    const admin = { endOffsets: async () => [{ partition: 0, low: "0", high: "10" }, { partition: 1, low: "5", high: "8" }, { partition: 2, low: "0", high: "4" }] };
    const writer = { readHighWater: async () => new Map([[0, 9n], [2, 1n]]) };
    const behind = await recordsBehind(admin, [sink], () => writer);
    expect(behind).toEqual([
      { sink: "S.A", topic: "t.a.v1", partition: 0, behind: 0 },
      { sink: "S.A", topic: "t.a.v1", partition: 1, behind: 3 },
      { sink: "S.A", topic: "t.a.v1", partition: 2, behind: 2 },
    ]);
  });

  it("is exported as evt_sink_records_behind on each scrape", async () => {
    const metrics = new RuntimeMetrics();
    let high = 10;
    metrics.addBehindSource(() => recordsBehind({ endOffsets: async () => [{ partition: 0, low: "0", high: String(high) }] }, [sink], () => ({ readHighWater: async () => new Map([[0, 4n]]) })));
    expect(await metrics.text()).toContain('evt_sink_records_behind{sink="S.A",topic="t.a.v1",partition="0"} 5');
    high = 5;
    expect(await metrics.text()).toContain('evt_sink_records_behind{sink="S.A",topic="t.a.v1",partition="0"} 0');
  });
});

describe("ops server", () => {
  it("serves /metrics, /healthz and /readyz, and 404 elsewhere", async () => {
    let ready = false;
    let healthy = true;
    const server = await startOpsServer({ metrics: new RuntimeMetrics(), port: 0, host: "127.0.0.1", ready: () => ready, healthy: () => healthy });
    const get = (p: string) => fetch(`http://127.0.0.1:${server.port}${p}`);
    try {
      expect((await get("/readyz")).status).toBe(503);
      ready = true;
      expect((await get("/readyz")).status).toBe(200);
      expect((await get("/healthz")).status).toBe(200);
      healthy = false;
      expect((await get("/healthz")).status).toBe(503);
      const m = await get("/metrics");
      expect(m.status).toBe(200);
      expect(m.headers.get("content-type")).toContain("text/plain; version=0.0.4");
      expect(await m.text()).toContain("# TYPE evt_sink_rows_written_total counter");
      expect((await get("/nope")).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe("sinkReasonClass", () => {
  it("maps the sink's reject messages to a bounded set", () => {
    expect(sinkReasonClass("ce_type a.B is not the sink's event type a.C")).toBe("wrong_type");
    expect(sinkReasonClass("record has no value (tombstone)")).toBe("tombstone");
    expect(sinkReasonClass("value is not a valid a.B: premature EOF")).toBe("undecodable");
    expect(sinkReasonClass("ANONYMOUS_ID is NOT NULL but the event leaves it unset")).toBe("not_null");
    expect(sinkReasonClass("Conversion Error: could not convert")).toBe("warehouse_rejected");
    for (const r of ["x", "ce_type", "PAGE: too long"]) expect(DLQ_REASONS).toContain(sinkReasonClass(r));
  });
});
