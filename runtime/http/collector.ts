/**
 * The ingest collector without its HTTP framework: a batch of client events in, a status and a
 * per-event answer out. Accepted events go to Kafka through the evt producer (`ce_id` = the
 * client's id, CloudEvents headers, server receive time as `ce_time`, client time kept in
 * `evt_client_time`); rejected ones to the bad-events topic. The answer is given only after Kafka
 * acknowledged both, so an accepted event is never lost; any Kafka failure is a 503 with
 * Retry-After for the whole batch (the client resends it with the same ids, which the sink
 * de-duplicates). Holds no state another replica would need: the rate buckets are per replica.
 */
import type { Message } from "@bufbuild/protobuf";
import type { EventContract } from "../contract.js";
import { describeError } from "../errors.js";
import { Instrumentation } from "../instrumentation.js";
import type { HeaderValue, KafkaClient } from "../kafka/adapter.js";
import { createProducer, type EvtKafkaProducer, type ProducerBatching } from "../kafka/producer.js";
import type { RuntimeLogger } from "../log.js";
import { BadEventWriter, type BadEvent } from "./bad-events.js";
import { allowsOrigin, type WriteKeys } from "./keys.js";
import { RateLimiter } from "./rate-limit.js";
import type { IngestRoute } from "./routes.js";
import { checkEvent, isRejection, type FailureType, type RawEvent, type Rejection, type ValidEvent } from "./validate-event.js";

export interface IngestLimits {
  /** Request body bytes as sent (compressed) (default 1 MiB). */
  readonly maxBodyBytes: number;
  /** Body bytes after gunzip (default 4 MiB). */
  readonly maxDecompressedBytes: number;
  /** Events per batch (default 500). */
  readonly maxEvents: number;
  /** Bytes of one event (default 64 KiB). */
  readonly maxEventBytes: number;
}

export const DEFAULT_LIMITS: IngestLimits = { maxBodyBytes: 1 << 20, maxDecompressedBytes: 4 << 20, maxEvents: 500, maxEventBytes: 64 << 10 };

export interface CollectorOptions {
  readonly routes: ReadonlyMap<string, IngestRoute>;
  readonly keys: WriteKeys;
  readonly client: KafkaClient;
  /** `ce_source` of accepted events and the bad events' processor name (default evt-ingest). */
  readonly name?: string;
  readonly badTopic: string;
  /** Create the bad-events topic when missing (contract topics are created by `evt topics create`). */
  readonly createTopics?: boolean;
  readonly limits?: Partial<IngestLimits>;
  /** How long a batch waits for Kafka's acks before the answer is 503 (default 10 s). */
  readonly ackTimeoutMs?: number;
  /** Retry-After of a 503, and how long the collector answers 503 without trying Kafka after a failure (default 5 s). */
  readonly retryAfterSeconds?: number;
  readonly logger?: RuntimeLogger;
  readonly instrumentation?: Instrumentation;
  /**
   * How the producer groups the accepted events of concurrent requests into produce requests
   * (default: linger DEFAULT_INGEST_LINGER_MS); each request is still answered only after Kafka acknowledged its own events.
   */
  readonly batching?: ProducerBatching;
}

/** One event as it came in: parsed JSON (or a binary batch entry) and its raw bytes. */
export interface IncomingEvent extends RawEvent {
  readonly raw: Buffer;
}

export interface IncomingBatch {
  readonly key: string | undefined;
  readonly origin: string | undefined;
  readonly source: string | undefined;
  readonly events: readonly IncomingEvent[];
  /** Bytes of the (decompressed) body, when known: no event in it is larger. */
  readonly bodyBytes?: number;
  readonly contentType: string;
}

export type EventResult =
  | { readonly index: number; readonly id?: string; readonly status: "accepted" }
  | { readonly index: number; readonly id?: string; readonly status: "rejected"; readonly failure: FailureType; readonly path?: string; readonly reason: string };

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

export interface Collector {
  connect(): Promise<void>;
  handle(batch: IncomingBatch): Promise<Answer>;
  /** CORS preflight: allowed when some key allows the origin (preflights carry no key). */
  preflight(origin: string | undefined): Answer;
  ready(): { ready: boolean; reason?: string };
  readonly limits: IngestLimits;
  /** Where the collector, its producer and the server report (`ingest.*`, `producer.*`): attach metrics here. */
  readonly instrumentation: Instrumentation;
  /** Waits for in-flight produce requests, then disconnects. */
  close(): Promise<void>;
}

const MAX_BAD_PAYLOAD = 256 << 10;

/** Default linger of the collector's producer (bench/ingest/README: p99 at half load by linger). */
export const DEFAULT_INGEST_LINGER_MS = 0;

class KafkaUnavailable extends Error {
  override name = "KafkaUnavailable";
}

export function createCollector(options: CollectorOptions): Collector {
  const name = options.name ?? "evt-ingest";
  const limits: IngestLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
  const retryAfter = options.retryAfterSeconds ?? 5;
  const instrumentation = options.instrumentation ?? new Instrumentation();
  const producer: EvtKafkaProducer = createProducer({ client: options.client, source: name, instrumentation, batching: { lingerMs: DEFAULT_INGEST_LINGER_MS, ...options.batching } });
  const bad = new BadEventWriter(options.client, options.badTopic, name, { ...(options.createTopics ? { createTopic: true } : {}) });
  const limiter = new RateLimiter();
  let connected = false;
  let closing = false;
  let unavailableUntil = 0;
  // from a failed Kafka write until the next acknowledged one: /readyz takes the replica out of rotation
  let kafkaDown = false;

  const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({ status, headers, body });
  const unavailable = (reason: string): Answer =>
    json(503, { error: reason, retryAfterSeconds: retryAfter }, { "retry-after": String(retryAfter) });

  function corsHeaders(origin: string | undefined): Record<string, string> {
    return origin ? { "access-control-allow-origin": origin, vary: "Origin", "access-control-expose-headers": "Retry-After" } : {};
  }

  /** Resolves when Kafka acknowledged every send; rejects with KafkaUnavailable on a failure or after the ack timeout. */
  async function acknowledged(sends: Promise<unknown>[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaUnavailable(`no Kafka acknowledgement within ${ackTimeoutMs} ms`)), ackTimeoutMs);
    });
    // a send that outlives the timeout may still land: the client's retry carries the same ids
    for (const s of sends) s.catch(() => {});
    try {
      await Promise.race([Promise.all(sends), timeout]);
    } catch (e) {
      throw e instanceof KafkaUnavailable ? e : new KafkaUnavailable(describeError(e));
    } finally {
      clearTimeout(timer);
    }
  }

  function produceAccepted(valid: readonly ValidEvent[], source: string | undefined, app: string): Promise<unknown>[] {
    const byRoute = new Map<IngestRoute, ValidEvent[]>();
    for (const v of valid) {
      const list = byRoute.get(v.route);
      if (list) list.push(v);
      else byRoute.set(v.route, [v]);
    }
    // the request's own headers, encoded once and shared by every event without a client time
    const common: Record<string, HeaderValue> = { evt_ingest_app: Buffer.from(app), ...(source ? { evt_ingest_source: Buffer.from(source) } : {}) };
    return [...byRoute].map(([route, list]) =>
      producer.send(route.contract as EventContract, list.map((v) => v.message) as Message[], {
        ids: list.map((v) => v.id),
        headers: list.map((v) => (v.clientTime ? { ...common, evt_client_time: v.clientTime } : common)),
      }),
    );
  }

  async function handle(batch: IncomingBatch): Promise<Answer> {
    const started = Date.now();
    const cors = corsHeaders(batch.origin);
    const key = options.keys.lookup(batch.key);
    // request-level refusals are not written to the bad-events topic: anyone on the internet could fill it
    if (!key) return json(401, { error: "missing or unknown write key (header x-evt-write-key)" });
    if (batch.origin !== undefined && !allowsOrigin(key, batch.origin)) {
      return json(403, { error: `origin ${batch.origin} is not allowed for app ${key.app}` });
    }
    if (batch.events.length > limits.maxEvents) {
      return json(413, { error: `batch has ${batch.events.length} events, over the limit of ${limits.maxEvents}`, limit: limits.maxEvents }, cors);
    }
    if (closing) return unavailable("collector is shutting down");
    if (Date.now() < unavailableUntil) return unavailable("Kafka is unavailable");
    const rate = limiter.take(key.app, Math.max(1, batch.events.length), key.ratePerSecond, key.burst);
    if (!rate.ok) return json(429, { error: `rate limit of app ${key.app} exceeded`, retryAfterSeconds: rate.retryAfterSeconds }, { ...cors, "retry-after": String(rate.retryAfterSeconds) });

    const ctx = { key, source: batch.source, routes: options.routes, maxEventBytes: limits.maxEventBytes };
    const results: EventResult[] = [];
    const valid: ValidEvent[] = [];
    const bads: BadEvent[] = [];
    const failures: Partial<Record<FailureType, number>> = {};
    batch.events.forEach((e, index) => {
      // an event is never larger than its body: a body within the event limit needs no per-event size
      const size = batch.bodyBytes !== undefined && batch.bodyBytes <= limits.maxEventBytes ? batch.bodyBytes : e.raw.length;
      const r = checkEvent(e, size, ctx);
      const id = typeof e.id === "string" ? e.id : undefined;
      if (!isRejection(r)) {
        valid.push(r);
        results.push({ index, ...(id ? { id } : {}), status: "accepted" });
        return;
      }
      failures[r.failure] = (failures[r.failure] ?? 0) + 1;
      results.push(rejected(index, id, r));
      const claimed = typeof e.type === "string" ? e.type.slice(0, 256) : undefined;
      bads.push({
        rejection: r, payload: e.raw.length > MAX_BAD_PAYLOAD ? e.raw.subarray(0, MAX_BAD_PAYLOAD) : e.raw, contentType: batch.contentType,
        ...(id && r.path !== "id" ? { id } : {}), ...(claimed ? { claimedType: claimed } : {}),
        ...(claimed && options.routes.get(claimed) ? { topic: options.routes.get(claimed)!.topic } : {}),
        app: key.app, ...(batch.source ? { source: batch.source } : {}),
      });
    });

    try {
      await acknowledged([...produceAccepted(valid, batch.source, key.app), bad.write(bads)]);
    } catch (e) {
      unavailableUntil = Date.now() + retryAfter * 1000;
      kafkaDown = true;
      options.logger?.warn("Kafka unavailable: answering 503", { app: key.app, events: batch.events.length, error: (e as Error).message });
      instrumentation.emit("ingest.request", () => ({ app: key.app, status: 503, accepted: 0, rejected: 0, failures: {}, latencyMs: Date.now() - started }));
      return { ...unavailable("Kafka is unavailable"), headers: { ...cors, "retry-after": String(retryAfter) } };
    }
    kafkaDown = false;
    instrumentation.emit("ingest.request", () => ({ app: key.app, status: 200, accepted: valid.length, rejected: bads.length, failures, latencyMs: Date.now() - started }));
    return json(200, { accepted: valid.length, rejected: bads.length, results }, cors);
  }

  return {
    limits,
    instrumentation,
    async connect() {
      await producer.connect();
      await bad.connect();
      connected = true;
    },
    handle,
    preflight(origin) {
      if (!origin || !options.keys.anyAllowsOrigin(origin)) return json(403, { error: `origin ${origin ?? "(none)"} is not allowed` });
      return json(204, undefined, {
        ...corsHeaders(origin),
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "content-type, content-encoding, x-evt-write-key",
        "access-control-max-age": "600",
      });
    },
    ready() {
      if (!connected) return { ready: false, reason: "not connected to Kafka" };
      if (closing) return { ready: false, reason: "shutting down" };
      if (kafkaDown) return { ready: false, reason: "Kafka is unavailable (last write failed)" };
      return { ready: true };
    },
    async close() {
      closing = true;
      await producer.disconnect();
      await bad.disconnect();
    },
  };
}

function rejected(index: number, id: string | undefined, r: Rejection): EventResult {
  return { index, ...(id ? { id } : {}), status: "rejected", failure: r.failure, ...(r.path ? { path: r.path } : {}), reason: r.reason };
}
