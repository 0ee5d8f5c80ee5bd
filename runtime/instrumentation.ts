/**
 * Instrumentation: namespaced events per component (`producer.*`, `processor.*`) in one
 * envelope. Payloads are built only when somebody listens (`emit` takes a factory), so an
 * uninstrumented producer pays one Map lookup per call. `on()` returns its unsubscribe.
 */

export interface InstrumentationPayloads {
  /**
   * One send() (or its share of a produce request) was acknowledged: `count` events, `bytes` of
   * keys+values+headers, `latencyMs` from send() to ack. `producer` is the producer's `source`.
   */
  "producer.sent": { producer: string; topic: string; count: number; bytes: number; latencyMs: number };
  /** A send failed (after the producer's retry window) or was rejected by validation. */
  "producer.failed": { producer: string; topic: string; count: number; error: unknown; latencyMs: number };
  /** A produce attempt (or the partition lookup before it) failed transiently; `count` events wait `delayMs` and go again. */
  "producer.retry": { producer: string; topic: string; count: number; attempt: number; delayMs: number; error: unknown };
  /** A batch of events reached the processor runner from one partition. */
  "processor.batch": { topic: string; partition: number; count: number; bytes: number };
  /**
   * One event was handled successfully. Emitted per event, and only built while somebody listens
   * to it: metrics use `processor.handled_batch`.
   */
  "processor.handled": { processor: string; topic: string; partition: number; offset: string; id: string; attempts: number; latencyMs: number };
  /**
   * Totals of the events one processor handled successfully in a stretch of one partition's batch:
   * emitted at the end of every batch and at each heartbeat/commit inside one. `durationMs` sums
   * the time each event took (decode and validation, the handler, retries with their backoff);
   * `durationCounts[i]` counts the events that took more than bound i−1 and at most
   * `HANDLED_DURATION_BOUNDS_MS[i]`, the last entry those above every bound. The array is the
   * listener's: never reused.
   */
  "processor.handled_batch": { processor: string; topic: string; partition: number; count: number; durationMs: number; durationCounts: readonly number[] };
  /** A handler attempt failed and will be retried after `delayMs`. */
  "processor.retry": { processor: string; topic: string; partition: number; offset: string; attempt: number; delayMs: number; error: unknown };
  /** A record was written to the dead-letter topic. */
  "processor.dead_lettered": { processor: string; topic: string; partition: number; offset: string; dlqTopic: string; error: unknown };
  /** The writer's `evt_schema` differs from the reader's contract (expected under BACKWARD evolution; not an error). */
  "processor.schema_mismatch": { type: string; topic: string; writer: string; reader: string };
  /** Group membership changed: partitions now assigned to this runner. */
  "processor.assigned": { assignment: Record<string, number[]> };
  /**
   * A sink batch committed in the warehouse: `rows` sent, `written` new/updated rows, `rejected`
   * dead-lettered, `latencyMs` of the write, `lagMs` from the newest event's ce_time to the commit,
   * `offsetLag` records behind the partitions' end (from the fetch, when known).
   */
  "sink.flushed": { sink: string; table: string; rows: number; written: number; rejected: number; bytes: number; latencyMs: number; lagMs: number; offsetLag?: number };
  /** A warehouse write failed transiently and will be retried after `delayMs` (the partition waits). */
  "sink.retry": { sink: string; table: string; attempt: number; delayMs: number; error: unknown };
  /** A record the table cannot take went to the sink's DLQ topic. */
  "sink.dead_lettered": { sink: string; topic: string; partition: number; offset: string; dlqTopic: string; reason: string };
  /** The ingest collector answered a batch: `failures` counts the rejected events by failure type. */
  "ingest.request": { app: string; status: number; accepted: number; rejected: number; failures: Partial<Record<string, number>>; latencyMs: number };
  /** The ingest server answered a POST /v1/events (every status, refusals before the collector included); `latencyMs` from the request's first byte. */
  "ingest.response": { status: number; latencyMs: number };
  /** A sink fetched a batch of records from one partition (before mapping and buffering). */
  "sink.consumed": { sink: string; topic: string; partition: number; count: number; bytes: number };
  /** A sink resumed a partition from the warehouse's high-water offset. */
  "sink.positioned": { sink: string; topic: string; partition: number; offset: string };
}

/** Upper bounds (ms) of the handle-time buckets of `processor.handled_batch` (Prometheus' `le`, in seconds: ÷ 1000). */
export const HANDLED_DURATION_BOUNDS_MS: readonly number[] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];

export type InstrumentationEventName = keyof InstrumentationPayloads;

export interface InstrumentationEvent<K extends InstrumentationEventName = InstrumentationEventName> {
  readonly name: K;
  /** ms since epoch. */
  readonly timestamp: number;
  readonly payload: InstrumentationPayloads[K];
}

export type Listener<K extends InstrumentationEventName> = (event: InstrumentationEvent<K>) => void;

export class Instrumentation {
  private readonly listeners = new Map<InstrumentationEventName, Set<Listener<never>>>();

  on<K extends InstrumentationEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  /** Whether anyone listens; callers skip measuring when nobody does. */
  has(name: InstrumentationEventName): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0;
  }

  emit<K extends InstrumentationEventName>(name: K, payload: () => InstrumentationPayloads[K]): void {
    const set = this.listeners.get(name);
    if (!set || set.size === 0) return;
    const event: InstrumentationEvent<K> = { name, timestamp: Date.now(), payload: payload() };
    for (const listener of set) {
      try {
        (listener as Listener<K>)(event);
      } catch {
        // a broken metrics listener must never break delivery
      }
    }
  }
}

/** Counters most services want, fed from the events above (attach with `collectMetrics`). */
export interface RuntimeMetrics {
  sent: number;
  sendFailed: number;
  /** Events whose produce attempt failed transiently and went again (an event retried twice counts twice). */
  sendRetried: number;
  bytesSent: number;
  /** Sum of produce latencies, for the mean; `maxSendLatencyMs` for the worst. */
  sendLatencyMsTotal: number;
  sendRequests: number;
  maxSendLatencyMs: number;
  handled: number;
  retries: number;
  deadLettered: number;
  schemaMismatches: number;
  bytesConsumed: number;
}

export function emptyMetrics(): RuntimeMetrics {
  return {
    sent: 0, sendFailed: 0, sendRetried: 0, bytesSent: 0, sendLatencyMsTotal: 0, sendRequests: 0, maxSendLatencyMs: 0,
    handled: 0, retries: 0, deadLettered: 0, schemaMismatches: 0, bytesConsumed: 0,
  };
}

/** Subscribes counters to `instrumentation`; returns the live metrics object and an unsubscribe. */
export function collectMetrics(instrumentation: Instrumentation): { metrics: RuntimeMetrics; stop: () => void } {
  const m = emptyMetrics();
  const offs = [
    instrumentation.on("producer.sent", ({ payload: p }) => {
      m.sent += p.count;
      m.bytesSent += p.bytes;
      m.sendRequests += 1;
      m.sendLatencyMsTotal += p.latencyMs;
      if (p.latencyMs > m.maxSendLatencyMs) m.maxSendLatencyMs = p.latencyMs;
    }),
    instrumentation.on("producer.failed", ({ payload: p }) => {
      m.sendFailed += p.count;
    }),
    instrumentation.on("producer.retry", ({ payload: p }) => {
      m.sendRetried += p.count;
    }),
    instrumentation.on("processor.batch", ({ payload: p }) => {
      m.bytesConsumed += p.bytes;
    }),
    instrumentation.on("processor.handled", () => {
      m.handled += 1;
    }),
    instrumentation.on("processor.retry", () => {
      m.retries += 1;
    }),
    instrumentation.on("processor.dead_lettered", () => {
      m.deadLettered += 1;
    }),
    instrumentation.on("processor.schema_mismatch", () => {
      m.schemaMismatches += 1;
    }),
  ];
  return { metrics: m, stop: () => offs.forEach((off) => off()) };
}
