/**
 * Prometheus metrics of the runtime, fed by SUBSCRIBING to the instrumentation events (the
 * producer, runner and sinks know nothing about Prometheus). A library exposes a registry rather
 * than owning the global one: pass your service's `Registry` and the same counters land there.
 * Names follow Prometheus conventions: `evt_` prefix, base units (`_seconds`, `_bytes`), `_total`
 * for counters, and only bounded labels (producer, topic, partition, sink, processor, reason class,
 * ingest app / status / failure type — never event ids or free text).
 */
import { HANDLED_DURATION_BOUNDS_MS, type Instrumentation } from "../instrumentation.js";
import { promClient, type Registry } from "./prom.js";
import { sinkReasonClass } from "./reasons.js";
import { AggregatedHistogram } from "./aggregated.js";

/** Per partition: how many records the warehouse has not got yet (Kafka end offset − warehouse high-water − 1). */
export interface PartitionBehind {
  readonly sink: string;
  readonly topic: string;
  readonly partition: number;
  readonly behind: number;
}

export type BehindSource = () => Promise<readonly PartitionBehind[]>;

export interface RuntimeMetricsOptions {
  /** Where the metrics register (default: a new registry of their own). */
  readonly registry?: Registry;
}

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Freshness spans seconds (live) to a day (a replay). */
const FRESHNESS_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400];

export class RuntimeMetrics {
  readonly registry: Registry;
  private behindSources: BehindSource[] = [];
  private readonly m;

  constructor(options: RuntimeMetricsOptions = {}) {
    const { Counter: CounterClass, Gauge: GaugeClass, Histogram: HistogramClass, Registry: RegistryClass } = promClient();
    this.registry = options.registry ?? new RegistryClass();
    const registers = [this.registry];
    const counter = (name: string, help: string, labelNames: string[]) => new CounterClass({ name, help, labelNames, registers });
    const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) => new HistogramClass({ name, help, labelNames, buckets, registers });
    const gauge = (name: string, help: string, labelNames: string[]) => new GaugeClass({ name, help, labelNames, registers });
    const sources = (): BehindSource[] => this.behindSources;
    this.m = {
      // `producer` is the producer's source (its ce_source): one value per producer a process runs
      sent: counter("evt_producer_sent_events_total", "Events acknowledged by Kafka.", ["producer", "topic"]),
      sentBytes: counter("evt_producer_sent_bytes_total", "Bytes (keys, values, headers) acknowledged by Kafka.", ["producer", "topic"]),
      sendFailed: counter("evt_producer_failed_events_total", "Events whose send failed after the producer's retry window, or failed validation.", ["producer", "topic"]),
      sendRetried: counter("evt_producer_retried_events_total", "Events whose produce attempt failed transiently and went again (an event retried twice counts twice).", ["producer", "topic"]),
      sendDuration: histogram("evt_producer_send_duration_seconds", "Time from send() to the broker's ack, retries included.", ["producer", "topic"], LATENCY_BUCKETS),
      consumed: counter("evt_consumed_records_total", "Records fetched from Kafka by sinks and processors.", ["topic", "partition"]),
      consumedBytes: counter("evt_consumed_bytes_total", "Bytes of records fetched from Kafka.", ["topic", "partition"]),
      // per event, but reported per batch by the runner (processor.handled_batch, runtime/kafka/handled-tally.ts)
      handled: counter("evt_processor_handled_events_total", "Events a processor handled successfully.", ["processor", "topic"]),
      handleDuration: new AggregatedHistogram(
        "evt_processor_handle_duration_seconds",
        "Time a processor took per event it handled successfully: decoding and validation, the handler, and any retries with their backoff.",
        "processor", HANDLED_DURATION_BOUNDS_MS.map((ms) => ms / 1000), this.registry,
      ),
      processorRetries: counter("evt_processor_retries_total", "Handler attempts that failed and were retried.", ["processor", "topic"]),
      processorDlq: counter("evt_processor_dead_lettered_total", "Events a processor sent to the dead-letter topic.", ["processor", "topic"]),
      schemaMismatch: counter("evt_consumer_schema_mismatch_total", "Events written with another descriptor than the reader's (expected under evolution).", ["type"]),
      sinkRecords: counter("evt_sink_records_total", "Records a sink took from Kafka into batches (written or dead-lettered).", ["sink"]),
      rowsWritten: counter("evt_sink_rows_written_total", "Rows inserted or updated in the warehouse (replayed duplicates count 0).", ["sink"]),
      batches: counter("evt_sink_batches_total", "Batches committed in the warehouse.", ["sink"]),
      batchDuration: histogram("evt_sink_batch_duration_seconds", "Warehouse write time of one batch.", ["sink"], LATENCY_BUCKETS),
      sinkRetries: counter("evt_sink_warehouse_retries_total", "Transient warehouse failures retried.", ["sink"]),
      sinkDlq: counter("evt_sink_dead_lettered_total", "Records a sink sent to its DLQ topic, by reason class.", ["sink", "reason"]),
      freshness: histogram("evt_sink_freshness_seconds", "Age of a batch's newest event (ingest time minus event time) when it committed.", ["sink"], FRESHNESS_BUCKETS),
      ingestRequests: counter("evt_ingest_requests_total", "POST /v1/events answers of the ingest collector, by HTTP status.", ["status"]),
      ingestDuration: histogram("evt_ingest_request_duration_seconds", "Time from a request's first byte to its answer (Kafka's ack included), by HTTP status.", ["status"], LATENCY_BUCKETS),
      ingestAccepted: counter("evt_ingest_accepted_events_total", "Client events accepted and acknowledged by Kafka.", ["app"]),
      ingestRejected: counter("evt_ingest_rejected_events_total", "Client events rejected to the bad-events topic, by failure type.", ["app", "failure"]),
      lastCommit: gauge("evt_sink_last_commit_timestamp_seconds", "When the sink last committed a batch (unix time).", ["sink"]),
      behind: new GaugeClass({
        name: "evt_sink_records_behind",
        help: "Records in Kafka the warehouse does not have yet: end offset minus the warehouse-owned high-water.",
        labelNames: ["sink", "topic", "partition"],
        registers,
        async collect() {
          this.reset();
          for (const source of sources()) {
            for (const p of await source()) this.set({ sink: p.sink, topic: p.topic, partition: String(p.partition) }, p.behind);
          }
        },
      }),
    };
  }

  /** Adds a source of records-behind figures, read on every scrape (the sink runner's `behind`). */
  addBehindSource(source: BehindSource): () => void {
    this.behindSources.push(source);
    return () => {
      this.behindSources = this.behindSources.filter((s) => s !== source);
    };
  }

  /** Subscribes the counters to `instrumentation`; returns the unsubscribe. */
  attach(instrumentation: Instrumentation): () => void {
    const m = this.m;
    const offs = [
      instrumentation.on("producer.sent", ({ payload: p }) => {
        const labels = { producer: p.producer, topic: p.topic };
        m.sent.inc(labels, p.count);
        m.sentBytes.inc(labels, p.bytes);
        m.sendDuration.observe(labels, p.latencyMs / 1000);
      }),
      instrumentation.on("producer.failed", ({ payload: p }) => m.sendFailed.inc({ producer: p.producer, topic: p.topic }, p.count)),
      instrumentation.on("producer.retry", ({ payload: p }) => m.sendRetried.inc({ producer: p.producer, topic: p.topic }, p.count)),
      instrumentation.on("ingest.response", ({ payload: p }) => {
        const labels = { status: String(p.status) };
        m.ingestRequests.inc(labels);
        m.ingestDuration.observe(labels, p.latencyMs / 1000);
      }),
      instrumentation.on("ingest.request", ({ payload: p }) => {
        if (p.accepted > 0) m.ingestAccepted.inc({ app: p.app }, p.accepted);
        for (const [failure, n] of Object.entries(p.failures)) if (n) m.ingestRejected.inc({ app: p.app, failure }, n);
      }),
      instrumentation.on("processor.batch", ({ payload: p }) => this.consumed(p.topic, p.partition, p.count, p.bytes)),
      instrumentation.on("sink.consumed", ({ payload: p }) => this.consumed(p.topic, p.partition, p.count, p.bytes)),
      instrumentation.on("processor.handled_batch", ({ payload: p }) => {
        m.handled.inc({ processor: p.processor, topic: p.topic }, p.count);
        m.handleDuration.add(p.processor, p.durationCounts, p.durationMs / 1000, p.count);
      }),
      instrumentation.on("processor.retry", ({ payload: p }) => m.processorRetries.inc({ processor: p.processor, topic: p.topic })),
      instrumentation.on("processor.dead_lettered", ({ payload: p }) => m.processorDlq.inc({ processor: p.processor, topic: p.topic })),
      instrumentation.on("processor.schema_mismatch", ({ payload: p }) => m.schemaMismatch.inc({ type: p.type })),
      instrumentation.on("sink.flushed", ({ payload: p, timestamp }) => {
        m.sinkRecords.inc({ sink: p.sink }, p.rows + p.rejected);
        m.rowsWritten.inc({ sink: p.sink }, p.written);
        m.batches.inc({ sink: p.sink });
        m.batchDuration.observe({ sink: p.sink }, p.latencyMs / 1000);
        if (p.rows > 0) m.freshness.observe({ sink: p.sink }, Math.max(0, p.lagMs) / 1000);
        m.lastCommit.set({ sink: p.sink }, timestamp / 1000);
      }),
      instrumentation.on("sink.retry", ({ payload: p }) => m.sinkRetries.inc({ sink: p.sink })),
      instrumentation.on("sink.dead_lettered", ({ payload: p }) => m.sinkDlq.inc({ sink: p.sink, reason: sinkReasonClass(p.reason) })),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Prometheus text exposition of the registry. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private consumed(topic: string, partition: number, count: number, bytes: number): void {
    const labels = { topic, partition: String(partition) };
    this.m.consumed.inc(labels, count);
    this.m.consumedBytes.inc(labels, bytes);
  }
}
