/**
 * The evt producer: validates an event against its contract, then sends it with the contract's
 * key and the CloudEvents binary-mode headers (see DESIGN.md "On the wire").
 * Generated producer factories call `bindProducer`: its signature is public API.
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { EventContract } from "../contract.js";
import type { Message } from "@bufbuild/protobuf";
import { EventsNotSentError, RuntimeConfigError, isEventValidationError, isEvtRuntimeError, isKafkaClientError, isRetriesExhaustedError } from "../errors.js";
import { Instrumentation } from "../instrumentation.js";
import { retry } from "../retry.js";
import { uuidv7 } from "../uuid7.js";
import {
  createKafkaClient, type AdminPort, type Compression, type HeaderValue, type KafkaClient, type KafkaClientConfig,
  type OutgoingRecord, type PartitionAck, type ProducerPort, type TopicRecords,
} from "./adapter.js";
import { encodeMessage } from "./encode.js";
import { CONTENT_TYPE, H, SPEC_VERSION } from "./headers.js";
import { partitionForKey } from "./partitioner.js";
import { ensureTopics } from "./topics.js";
import { keyOf, validateEvent } from "./validate.js";

export interface SendResult {
  /** `ce_id` of the sent event. */
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Options of one `send`: per-event envelope overrides, aligned with the events. */
export interface SendOptions {
  /**
   * `ce_id` per event, in order (undefined entries get a fresh UUIDv7) — pass `error.ids` of an
   * `EventsNotSentError` when resending after a failure, or a client's own ids (the HTTP collector),
   * so the sinks de-duplicate events that did land. Default: fresh UUIDv7s.
   */
  readonly ids?: readonly (string | undefined)[];
  /** `ce_time` of every event (RFC 3339) — pass `error.time` with `error.ids`, so a resend keeps its event time. Default: now. */
  readonly time?: string;
  /**
   * Extra headers per event (the CloudEvents ones cannot be replaced). Entries may share one object,
   * and a value may be a Buffer, so a header every event of a send carries is encoded once.
   */
  readonly headers?: readonly (Readonly<Record<string, HeaderValue>> | undefined)[];
}

export interface EvtProducer {
  connect(): Promise<void>;
  /** Validates every event first; if any is invalid nothing is sent. */
  send<S extends DescMessage>(
    contract: EventContract<S>,
    events: MessageShape<S> | readonly MessageShape<S>[],
    options?: SendOptions,
  ): Promise<SendResult[]>;
  disconnect(): Promise<void>;
}

/** A producer bound to one contract: `send` accepts only that contract's message type. */
export interface TypedProducer<S extends DescMessage> {
  readonly contract: EventContract<S>;
  send(events: MessageShape<S> | readonly MessageShape<S>[], options?: SendOptions): Promise<SendResult[]>;
}

export function bindProducer<S extends DescMessage>(
  producer: EvtProducer,
  contract: EventContract<S>,
): TypedProducer<S> {
  return { contract, send: (events, options) => producer.send(contract, events, options) };
}

// ---- the producer ------------------------------------------------------------------------------

export interface ProducerBatching {
  /** How long the first queued event waits for others before a request goes out (default 0: send at once). */
  readonly lingerMs?: number;
  /** Events per produce request (default 5,000); a larger send() is split into several requests, in order. */
  readonly maxMessages?: number;
  /**
   * Bytes (values, keys, headers) per produce request (default 1,000,000): below the broker's
   * default `message.max.bytes` (1 MiB per record batch), which a partition's share never exceeds.
   */
  readonly maxBytes?: number;
  /** Produce requests in flight at once (default 1; kafkajs serialises idempotent requests per broker anyway). */
  readonly maxInFlight?: number;
}

/** How long the producer keeps retrying a broker it cannot reach before `send` fails. */
export interface ProducerRetry {
  /**
   * Retries of connection-class and other retriable failures stop after this long (default
   * 30,000 ms; 0 = no retry beyond the driver's own). The window is measured per produce request.
   */
  readonly maxRetryTimeMs?: number;
  /** First backoff, doubled each retry (default 100 ms). */
  readonly initialBackoffMs?: number;
  /** Backoff ceiling (default 5,000 ms). */
  readonly maxBackoffMs?: number;
}

export interface ProducerOptions {
  /** Bootstrap brokers; or pass `client` (an adapter instance, e.g. shared with a runner). */
  readonly brokers?: readonly string[];
  readonly client?: KafkaClient;
  readonly clientId?: string;
  readonly kafka?: Omit<KafkaClientConfig, "brokers" | "clientId">;
  /** `ce_source` of every event: this producer's name (a service, a job). */
  readonly source: string;
  /** Record-batch compression (default gzip). */
  readonly compression?: Compression;
  /** Produce request timeout (default 30 s). */
  readonly timeoutMs?: number;
  readonly batching?: ProducerBatching;
  /** Bounded retries of retriable failures (an unreachable broker included); see `ProducerRetry`. */
  readonly retry?: ProducerRetry;
  /** Metrics hooks: `producer.sent` / `producer.failed` / `producer.retry` with counts, bytes and latency. */
  readonly instrumentation?: Instrumentation;
  /** Explicitly create these contracts' topics (partitions, retention) on connect. */
  readonly createTopics?: readonly EventContract[];
}

/** The evt producer with its extras; `EvtProducer` is what generated code needs. */
export interface EvtKafkaProducer extends EvtProducer {
  /** Sends everything queued and waits for the acks. */
  flush(): Promise<void>;
  readonly instrumentation: Instrumentation;
}

/** Per-contract constants: header values built once, reused by every record. */
interface ContractWire {
  readonly specversion: Buffer;
  readonly source: Buffer;
  readonly type: Buffer;
  readonly contentType: Buffer;
  readonly schema: Buffer;
  /** Bytes of the constant headers (names + values), for the bytes metric. */
  readonly headerBytes: number;
}

interface Pending {
  readonly topic: string;
  readonly records: OutgoingRecord[];
  readonly ids: readonly string[];
  readonly bytes: number;
  readonly started: number;
  readonly resolve: (r: SendResult[]) => void;
  readonly reject: (e: unknown) => void;
}

export function createProducer(options: ProducerOptions): EvtKafkaProducer {
  if (!options.source) throw new RuntimeConfigError("producer: `source` (the ce_source of every event) is required");
  const client = options.client ?? clientFrom(options);
  const instrumentation = options.instrumentation ?? new Instrumentation();
  const compression = options.compression ?? "gzip";
  const timeoutMs = options.timeoutMs ?? 30_000;
  const lingerMs = options.batching?.lingerMs ?? 0;
  const maxMessages = options.batching?.maxMessages ?? 5_000;
  const maxBytes = options.batching?.maxBytes ?? 1_000_000;
  const maxInFlight = Math.max(1, options.batching?.maxInFlight ?? 1);
  const sourceBuf = Buffer.from(options.source);
  const maxRetryTimeMs = Math.max(0, options.retry?.maxRetryTimeMs ?? 30_000);
  const initialBackoffMs = options.retry?.initialBackoffMs ?? 100;
  const maxBackoffMs = options.retry?.maxBackoffMs ?? 5_000;

  let port: ProducerPort | undefined;
  let admin: AdminPort | undefined;
  const wires = new WeakMap<EventContract, ContractWire>();
  const partitionCounts = new Map<string, Promise<number>>();
  const roundRobin = new Map<string, number>();
  const queue: Pending[] = [];
  let queuedMessages = 0;
  let queuedBytes = 0;
  let inFlight = 0;
  let lingerTimer: NodeJS.Timeout | undefined;
  const idle: (() => void)[] = [];

  function wireOf(contract: EventContract): ContractWire {
    let w = wires.get(contract);
    if (!w) {
      const type = Buffer.from(contract.type);
      const schema = Buffer.from(contract.fingerprint);
      w = {
        specversion: Buffer.from(SPEC_VERSION), source: sourceBuf, type, contentType: Buffer.from(CONTENT_TYPE), schema,
        headerBytes: H.specversion.length + 3 + H.source.length + sourceBuf.length + H.type.length + type.length +
          H.contentType.length + CONTENT_TYPE.length + H.schema.length + schema.length + H.id.length + 36 + H.time.length + 24,
      };
      wires.set(contract, w);
    }
    return w;
  }

  /** Runs `task`, retrying retriable failures until `maxRetryTimeMs` has passed since the first attempt; `waiting` are the events each retry holds back (the retried counter). */
  async function withinRetryWindow<T>(task: () => Promise<T>, waiting: readonly { readonly topic: string; readonly count: number }[]): Promise<T> {
    const deadline = Date.now() + maxRetryTimeMs;
    try {
      const out = await retry(task, {
        retries: Number.MAX_SAFE_INTEGER, initialBackoffMs, maxBackoffMs,
        // only what the adapter judged transient (a broker away, a leader moving); anything else fails at once
        shouldRetry: (e) => isEvtRuntimeError(e) && e.retriable && Date.now() < deadline,
        onRetry: (error, attempt, delayMs) => {
          for (const w of waiting) instrumentation.emit("producer.retry", () => ({ producer: options.source, topic: w.topic, count: w.count, attempt, delayMs, error }));
        },
      });
      return out.value;
    } catch (e) {
      throw isRetriesExhaustedError(e) ? e.lastError : e;
    }
  }

  function partitionsOf(topic: string): Promise<number> {
    let p = partitionCounts.get(topic);
    if (!p) {
      if (!admin) throw new RuntimeConfigError("producer: call connect() before send()");
      p = admin.partitionCount(topic);
      // a failed lookup (missing topic) is not cached: the topic may be created later
      p.catch(() => partitionCounts.delete(topic));
      partitionCounts.set(topic, p);
    }
    return p;
  }

  function pick(topic: string, key: Buffer | null, partitions: number): number {
    if (key) return partitionForKey(key, partitions);
    const next = ((roundRobin.get(topic) ?? -1) + 1) % partitions;
    roundRobin.set(topic, next);
    return next;
  }

  function schedule(): void {
    if (queue.length === 0) {
      if (inFlight === 0) idle.splice(0).forEach((f) => f());
      return;
    }
    if (inFlight >= maxInFlight) return;
    const full = queuedMessages >= maxMessages || queuedBytes >= maxBytes;
    if (lingerMs > 0 && !full) {
      lingerTimer ??= setTimeout(() => {
        lingerTimer = undefined;
        dispatch();
      }, lingerMs);
      return;
    }
    dispatch();
  }

  function dispatch(): void {
    if (lingerTimer) {
      clearTimeout(lingerTimer);
      lingerTimer = undefined;
    }
    if (queue.length === 0 || inFlight >= maxInFlight) return;
    // take whole send() calls until a limit would be passed (always at least one)
    const take: Pending[] = [];
    let n = 0;
    let b = 0;
    while (queue.length > 0) {
      const next = queue[0]!;
      if (take.length > 0 && (n + next.records.length > maxMessages || b + next.bytes > maxBytes)) break;
      take.push(queue.shift()!);
      n += next.records.length;
      b += next.bytes;
    }
    queuedMessages -= n;
    queuedBytes -= b;
    inFlight++;
    void sendRequest(take).finally(() => {
      inFlight--;
      schedule();
    });
    schedule();
  }

  async function sendRequest(items: Pending[]): Promise<void> {
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const it of items) {
      const list = byTopic.get(it.topic);
      if (list) for (const r of it.records) list.push(r);
      else byTopic.set(it.topic, it.records.slice());
    }
    const request: TopicRecords[] = [...byTopic].map(([topic, records]) => ({ topic, records }));
    let acks: PartitionAck[];
    try {
      acks = await withinRetryWindow(() => port!.send(request, { compression, acks: -1, timeoutMs }), items.map((it) => ({ topic: it.topic, count: it.records.length })));
    } catch (e) {
      for (const it of items) {
        instrumentation.emit("producer.failed", () => ({ producer: options.source, topic: it.topic, count: it.records.length, error: e, latencyMs: Date.now() - it.started }));
        it.reject(e);
      }
      return;
    }
    const base = new Map<string, number>();
    for (const a of acks) base.set(`${a.topic}\u0000${a.partition}`, Number(a.baseOffset));
    const seen = new Map<string, number>();
    const now = Date.now();
    for (const it of items) {
      const results: SendResult[] = new Array(it.records.length);
      for (let i = 0; i < it.records.length; i++) {
        const partition = it.records[i]!.partition;
        const k = `${it.topic}\u0000${partition}`;
        const idx = seen.get(k) ?? 0;
        seen.set(k, idx + 1);
        results[i] = { id: it.ids[i]!, topic: it.topic, partition, offset: String((base.get(k) ?? -1) + idx) };
      }
      instrumentation.emit("producer.sent", () => ({ producer: options.source, topic: it.topic, count: it.records.length, bytes: it.bytes, latencyMs: now - it.started }));
      it.resolve(results);
    }
  }

  async function send<S extends DescMessage>(
    contract: EventContract<S>, events: MessageShape<S> | readonly MessageShape<S>[], sendOptions: SendOptions = {},
  ): Promise<SendResult[]> {
    const started = Date.now();
    const list = (Array.isArray(events) ? events : [events]) as readonly MessageShape<S>[];
    if (!port) throw new RuntimeConfigError("producer: call connect() before send()");
    const given = sendOptions.ids;
    if (sendOptions.time !== undefined && Number.isNaN(Date.parse(sendOptions.time))) {
      throw new RuntimeConfigError(`producer: send() time "${sendOptions.time}" is not an RFC 3339 timestamp`, { context: { topic: contract.topic } });
    }
    if (given && (given.length !== list.length || given.some((id) => id !== undefined && (typeof id !== "string" || id.length === 0)))) {
      throw new RuntimeConfigError(`producer: send() got ${given.length} id(s) for ${list.length} event(s); pass one ce_id (or undefined) per event, in order`, { context: { topic: contract.topic } });
    }
    // validate everything first: one bad event and nothing is sent
    try {
      for (let i = 0; i < list.length; i++) validateEvent(contract, list[i], i);
    } catch (e) {
      if (isEventValidationError(e)) {
        instrumentation.emit("producer.failed", () => ({ producer: options.source, topic: contract.topic, count: list.length, error: e, latencyMs: Date.now() - started }));
      }
      throw e;
    }
    if (list.length === 0) return [];
    const ids = list.map((_, i) => given?.[i] ?? uuidv7(started));
    const time = sendOptions.time ?? new Date(started).toISOString();
    try {
      return await encodeAndSend(contract, list, ids, time, started, sendOptions.headers);
    } catch (e) {
      // only what waiting could have fixed: a missing topic or an oversized event fails as itself
      if (!(isKafkaClientError(e) && e.retriable)) throw e;
      throw new EventsNotSentError(contract.topic, ids, time, maxRetryTimeMs, e);
    }
  }

  async function encodeAndSend<S extends DescMessage>(
    contract: EventContract<S>, list: readonly MessageShape<S>[], ids: readonly string[], time: string, started: number,
    extraHeaders?: SendOptions["headers"],
  ): Promise<SendResult[]> {
    const partitions = await withinRetryWindow(() => partitionsOf(contract.topic), [{ topic: contract.topic, count: list.length }]).catch((e: unknown) => {
      // nothing was queued: count the events as failed here (sendRequest counts the queued ones)
      instrumentation.emit("producer.failed", () => ({ producer: options.source, topic: contract.topic, count: list.length, error: e, latencyMs: Date.now() - started }));
      throw e;
    });
    const w = wireOf(contract);
    const timeBytes = Buffer.from(time); // one ce_time per send
    const records: OutgoingRecord[] = new Array(list.length);
    const recordBytes: number[] = new Array(list.length);
    let bytes = 0;
    for (let i = 0; i < list.length; i++) {
      const event = list[i]!;
      const value = encodeMessage(contract.schema, event as Message);
      const keyString = keyOf(contract, event as Message);
      const key = keyString === null ? null : Buffer.from(keyString);
      const id = ids[i]!;
      const extra = extraHeaders?.[i];
      // a literal of fixed shape (no spread, no computed names): V8 builds it from one template
      const headers: Record<string, HeaderValue> = {
        ce_specversion: w.specversion, ce_id: id, ce_source: w.source, ce_type: w.type, ce_time: timeBytes,
        "content-type": w.contentType, evt_schema: w.schema,
      } satisfies Record<(typeof H)[keyof typeof H], HeaderValue>;
      let b = value.length + (key ? key.length : 0) + w.headerBytes;
      if (extra) {
        for (const k in extra) {
          const v = extra[k]!;
          b += k.length + v.length;
          // own properties only: a header named like an Object.prototype member is still added
          if (!Object.hasOwn(headers, k)) headers[k] = v;
        }
      }
      records[i] = { key, value, headers, partition: pick(contract.topic, key, partitions) };
      recordBytes[i] = b;
      bytes += b;
    }
    if (records.length <= maxMessages && bytes <= maxBytes) return enqueue(contract.topic, records, ids, bytes, started);
    // larger than one request may be (the broker refuses record batches over message.max.bytes):
    // split, in order; the queue keeps the chunks in sequence
    const chunks: Promise<SendResult[]>[] = [];
    let from = 0;
    let chunkBytes = 0;
    for (let i = 0; i < records.length; i++) {
      const b = recordBytes[i]!;
      if (i > from && (i - from >= maxMessages || chunkBytes + b > maxBytes)) {
        chunks.push(enqueue(contract.topic, records.slice(from, i), ids.slice(from, i), chunkBytes, started));
        from = i;
        chunkBytes = 0;
      }
      chunkBytes += b;
    }
    chunks.push(enqueue(contract.topic, records.slice(from), ids.slice(from), chunkBytes, started));
    return (await Promise.all(chunks)).flat();
  }

  function enqueue(topic: string, records: OutgoingRecord[], ids: readonly string[], bytes: number, started: number): Promise<SendResult[]> {
    return new Promise<SendResult[]>((resolve, reject) => {
      queue.push({ topic, records, ids, bytes, started, resolve, reject });
      queuedMessages += records.length;
      queuedBytes += bytes;
      schedule();
    });
  }

  const producer: EvtKafkaProducer = {
    instrumentation,
    async connect() {
      if (port) return;
      admin = client.admin();
      await admin.connect();
      if (options.createTopics && options.createTopics.length > 0) await ensureTopics(admin, options.createTopics);
      const p = client.producer({ idempotent: true });
      await p.connect();
      port = p;
    },
    send,
    async flush() {
      if (queue.length === 0 && inFlight === 0) return;
      await new Promise<void>((resolve) => {
        idle.push(resolve);
        dispatch();
      });
    },
    async disconnect() {
      await producer.flush();
      await port?.disconnect();
      await admin?.disconnect();
      port = undefined;
      admin = undefined;
    },
  };
  return producer;
}

function clientFrom(options: ProducerOptions): KafkaClient {
  if (!options.brokers || options.brokers.length === 0) {
    throw new RuntimeConfigError("producer: pass `brokers` (bootstrap list) or a `client`");
  }
  return createKafkaClient({ ...options.kafka, brokers: options.brokers, clientId: options.clientId ?? options.source });
}

