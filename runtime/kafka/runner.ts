/**
 * The processor runner: one consumer group over the processors' topics. For each record, in
 * partition order: decode by `ce_type` through the known contracts, check required fields, call
 * the typed handler with bounded retries and backoff, and on final failure (or a record that
 * cannot be decoded) write it to `<topic>.dlq` with the error and its origin in headers. An
 * offset is resolved — and so can be committed — only after its handler succeeded or its DLQ
 * write was acknowledged: at-least-once, nothing lost, and a poison record never stops the group.
 *
 * Memory: kafkajs fetches again only after the previous fetch's batches were handled, so what is
 * held is at most one fetch (`maxBytes`) per broker whatever the backlog; a partition whose
 * handler is backing off is paused so the fetcher does not keep re-reading it meanwhile. Caveat:
 * `maxBytes` counts bytes on the wire and kafkajs decompresses a whole fetch at once, so with
 * compressed topics the bound is `maxBytes` × the compression ratio.
 */
import { completion, onStopSignal } from "../lifecycle.js";
import { fromBinary, type Message } from "@bufbuild/protobuf";
import type { EventContract, EventMetadata } from "../contract.js";
import {
  EventDecodeError, EventValidationError, HandlerError, RuntimeConfigError, describeError,
} from "../errors.js";
import { Instrumentation } from "../instrumentation.js";
import { jsonLogger, type RuntimeLogger } from "../log.js";
import { RetriesExhausted, retry } from "../retry.js";
import {
  createKafkajsClient, type AdminPort, type BatchControl, type ConsumedRecord, type ConsumerPort,
  type KafkaClient, type KafkaClientConfig, type ProducerPort,
} from "./adapter.js";
import { createDeadLetterWriter } from "./dlq.js";
import { H, dlqTopicOf, headerString } from "./headers.js";
import type { ProcessorDefinition } from "./processor.js";
import { ensureTopics } from "./topics.js";
import { missingRequired } from "./validate.js";

export interface RunnerOptions {
  /** The processors to run; each consumes its contract's topic. */
  readonly processors: readonly ProcessorDefinition[];
  /** Every known contract (e.g. the generated `catalog`), so records of other types are named in errors. */
  readonly catalog?: readonly EventContract[];
  /** Consumer group id; runners with the same id share the partitions. */
  readonly groupId: string;
  readonly brokers?: readonly string[];
  /** An adapter instance instead of `brokers` (tests, another driver). */
  readonly client?: KafkaClient;
  readonly clientId?: string;
  readonly kafka?: Omit<KafkaClientConfig, "brokers" | "clientId">;
  /** Where a new group starts (default true: the beginning of each topic). */
  readonly fromBeginning?: boolean;
  /** Explicitly create the processors' topics and their `.dlq` topics before consuming (default false). */
  readonly createTopics?: boolean;
  /** Partitions handled at the same time (default 2); each partition stays in order. */
  readonly partitionsConcurrently?: number;
  /** Bytes one fetch may return: the memory bound per broker (default 8 MiB). */
  readonly maxBytes?: number;
  readonly maxBytesPerPartition?: number;
  /** How often resolved offsets are committed (default 1000 ms; also on rebalance and stop). */
  readonly commitIntervalMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly instrumentation?: Instrumentation;
  readonly logger?: RuntimeLogger;
  /** Stop gracefully on SIGTERM and SIGINT (what `evt run` wants; default false for embedding). */
  readonly handleSignals?: boolean;
}

export interface Runner {
  /** Resolves after a graceful stop; rejects if the consumer crashed beyond recovery. */
  readonly done: Promise<void>;
  /** Finishes the records being handled, commits, leaves the group. Idempotent. */
  stop(): Promise<void>;
  readonly instrumentation: Instrumentation;
  /** The partitions this runner holds now, by topic. */
  assignment(): Record<string, number[]>;
}

interface Route {
  readonly processor: ProcessorDefinition;
  readonly name: string;
  readonly maxRetries: number;
  readonly initialBackoffMs: number;
}

interface Decoded {
  readonly route: Route;
  readonly event: Message;
  readonly meta: EventMetadata;
}

/** Thrown inside a batch when the runner is stopping mid-record: the record stays unresolved. */
class Stopping extends Error {
  override name = "Stopping";
}

export async function startRunner(options: RunnerOptions): Promise<Runner> {
  if (options.processors.length === 0) throw new RuntimeConfigError("runner: no processors to run");
  if (!options.groupId) throw new RuntimeConfigError("runner: `groupId` is required");
  const client = options.client ?? clientFrom(options);
  const instrumentation = options.instrumentation ?? new Instrumentation();
  const log = options.logger ?? jsonLogger({ level: "warn", base: { component: "evt-runner", group: options.groupId } });
  const routes = buildRoutes(options.processors);
  const byType = new Map<string, EventContract>();
  for (const c of options.catalog ?? []) byType.set(c.type, c);
  for (const p of options.processors) byType.set(p.contract.type, p.contract);
  const topics = [...new Set(options.processors.map((p) => p.contract.topic))];

  const admin: AdminPort = client.admin();
  await admin.connect();
  if (options.createTopics) {
    const created = await ensureTopics(admin, options.processors.map((p) => p.contract), { dlq: true });
    if (created.length > 0) log.info("created topics", { topics: created });
  }
  const dlqProducer: ProducerPort = client.producer({ idempotent: true });
  await dlqProducer.connect();
  const consumer: ConsumerPort = client.consumer({
    groupId: options.groupId,
    maxBytes: options.maxBytes ?? 8 * 1024 * 1024,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
    rebalanceTimeoutMs: 60_000,
  });
  await consumer.connect();
  await consumer.subscribe(topics, options.fromBeginning ?? true);

  const stopController = new AbortController();
  let stopping = false;
  let assignment: Record<string, number[]> = {};
  const deadLetters = createDeadLetterWriter({
    admin, producer: dlqProducer, signal: stopController.signal, initialBackoffMs: 500, maxBackoffMs: 30_000,
    onRetry: (e, attempt, delayMs, letter) => log.error("DLQ write failed; retrying (offset not committed)", { ...letter, attempt, delayMs, error: e }),
  });
  const { done, resolve: resolveDone, reject: rejectDone } = completion();

  consumer.onAssignment((a) => {
    assignment = a;
    instrumentation.emit("processor.assigned", () => ({ assignment: a }));
    log.info("partitions assigned", { assignment: a });
  });
  consumer.onFatal((error) => {
    log.error("consumer crashed", { error });
    void shutdown().finally(() => rejectDone(error));
  });

  /** What a (topic, ce_type) resolves to; cached per header bytes so the hot path decodes no strings. */
  interface Resolved {
    readonly typeBytes: Buffer;
    readonly topic: string;
    readonly type: string;
    readonly contract: EventContract;
    readonly route: Route;
    readonly fingerprint: Buffer;
  }
  let lastResolved: Resolved | undefined;

  function resolve(rec: ConsumedRecord): Resolved {
    const raw = firstHeader(rec.headers[H.type]);
    const last = lastResolved;
    if (last && typeof raw !== "string" && raw !== undefined && last.topic === rec.topic && last.typeBytes.equals(raw)) return last;
    const type = headerString(rec.headers, H.type);
    if (!type) throw new EventDecodeError("record has no ce_type header", { context: { topic: rec.topic } });
    const contract = byType.get(type);
    if (!contract) throw new EventDecodeError(`unknown ce_type ${type}: no contract for it in this runner`, { context: { type } });
    const route = routes.get(`${rec.topic}\u0000${type}`);
    if (!route) throw new EventDecodeError(`no processor for ce_type ${type} on topic ${rec.topic}`, { context: { type, topic: rec.topic } });
    lastResolved = { typeBytes: Buffer.from(type), topic: rec.topic, type, contract, route, fingerprint: Buffer.from(contract.fingerprint) };
    return lastResolved;
  }

  function decode(rec: ConsumedRecord): Decoded {
    const { type, contract, route, fingerprint } = resolve(rec);
    const id = firstHeader(rec.headers[H.id]);
    if (id === undefined || id.length === 0) throw new EventDecodeError("record has no ce_id header", { context: { type } });
    if (!rec.value) throw new EventDecodeError("record has no value (tombstone)", { context: { type } });
    let event: Message;
    try {
      // a plain Uint8Array view (no copy): `bytes` fields then come out as Uint8Array, not Buffer
      event = fromBinary(contract.schema, new Uint8Array(rec.value.buffer, rec.value.byteOffset, rec.value.byteLength));
    } catch (e) {
      throw new EventDecodeError(`value is not a valid ${type}: ${(e as Error).message}`, { cause: e, context: { type } });
    }
    const missing = missingRequired(contract, event);
    if (missing.length > 0) {
      throw new EventValidationError(`${type}: required field(s) not set: ${missing.join(", ")}`, missing, { type });
    }
    const meta = new RecordMetadata(rec, type);
    const writer = firstHeader(rec.headers[H.schema]);
    const sameSchema = writer === undefined ? false : typeof writer === "string" ? writer === contract.fingerprint : fingerprint.equals(writer);
    if (!sameSchema) {
      instrumentation.emit("processor.schema_mismatch", () => ({ type, topic: rec.topic, writer: meta.schemaFingerprint, reader: contract.fingerprint }));
    }
    return { route, event, meta };
  }

  /** Writes `rec` to `<topic>.dlq`; retries until acknowledged, unless the runner is stopping. */
  async function deadLetter(rec: ConsumedRecord, error: unknown, attempts: number, processor: string): Promise<void> {
    const dlqTopic = dlqTopicOf(rec.topic);
    const cause = error instanceof RetriesExhausted ? error.lastError : error;
    try {
      await deadLetters.write(rec, { error: describeError(cause), errorName: cause instanceof Error ? cause.name : "Error", processor, attempts });
    } catch (e) {
      if (stopping) throw new Stopping(`DLQ write to ${dlqTopic} interrupted by stop`);
      throw e;
    }
    instrumentation.emit("processor.dead_lettered", () => ({ processor, topic: rec.topic, partition: rec.partition, offset: rec.offset, dlqTopic, error: cause }));
    log.warn("record dead-lettered", { processor, topic: rec.topic, partition: rec.partition, offset: rec.offset, dlqTopic, error: describeError(cause) });
  }

  /**
   * Handles one record. Returns nothing when it finished synchronously (a sync handler that
   * succeeded: the common case costs no promise), else a promise.
   */
  function handleRecord(rec: ConsumedRecord, control: BatchControl): Promise<void> | undefined {
    let decoded: Decoded;
    try {
      decoded = decode(rec);
    } catch (e) {
      return deadLetter(rec, e, 0, "(decode)");
    }
    const started = instrumentation.has("processor.handled") ? Date.now() : 0;
    // first attempt outside `retry`: no closures or timers unless the handler fails
    let result: unknown;
    try {
      result = decoded.route.processor.handler(decoded.event as never, decoded.meta);
    } catch (e) {
      return retryRecord(rec, control, decoded, e, started);
    }
    if (result instanceof Promise) {
      return result.then(
        () => handled(rec, decoded, 1, started),
        (e: unknown) => retryRecord(rec, control, decoded, e, started),
      );
    }
    handled(rec, decoded, 1, started);
    return undefined;
  }

  function handled(rec: ConsumedRecord, d: Decoded, attempts: number, started: number): void {
    instrumentation.emit("processor.handled", () => ({
      processor: d.route.name, topic: rec.topic, partition: rec.partition, offset: rec.offset, id: d.meta.id, attempts, latencyMs: Date.now() - started,
    }));
  }

  function handlerError(route: Route, rec: ConsumedRecord, e: unknown): HandlerError {
    // a handler's failure is retriable unless it says otherwise
    const retriable = (e as { retriable?: unknown } | null)?.retriable !== false;
    return new HandlerError(`processor ${route.name} failed: ${(e as Error | null)?.message ?? String(e)}`, {
      retriable, cause: e, context: { processor: route.name, topic: rec.topic, offset: rec.offset },
    });
  }

  /** After a first failure: retries with backoff (partition paused meanwhile), then the DLQ. */
  async function retryRecord(rec: ConsumedRecord, control: BatchControl, d: Decoded, firstError: unknown, started: number): Promise<void> {
    const { route, event, meta } = d;
    let resume: (() => void) | undefined;
    try {
      const { attempts } = await retry(
        async (attempt) => {
          if (attempt === 1) throw handlerError(route, rec, firstError);
          try {
            await route.processor.handler(event as never, meta);
          } catch (e) {
            throw handlerError(route, rec, e);
          }
        },
        {
          retries: route.maxRetries,
          initialBackoffMs: route.initialBackoffMs,
          signal: stopController.signal,
          onRetry: (error, attempt, delayMs) => {
            // while backing off, stop fetching this partition (nothing piles up behind it)
            resume ??= control.pause();
            instrumentation.emit("processor.retry", () => ({ processor: route.name, topic: rec.topic, partition: rec.partition, offset: rec.offset, attempt, delayMs, error }));
            log.warn("handler failed; retrying", { processor: route.name, topic: rec.topic, partition: rec.partition, offset: rec.offset, attempt, delayMs, error: describeError((error as Error).cause ?? error) });
          },
        },
      );
      handled(rec, d, attempts, started);
    } catch (e) {
      if (stopping) throw new Stopping("stopped during retries");
      const attempts = e instanceof RetriesExhausted ? e.attempts : 1;
      const cause = e instanceof RetriesExhausted ? e.lastError : e;
      await deadLetter(rec, (cause as Error).cause ?? cause, attempts, route.name);
    } finally {
      resume?.();
    }
  }

  async function eachBatch(topic: string, partition: number, records: readonly ConsumedRecord[], control: BatchControl): Promise<void> {
    if (instrumentation.has("processor.batch")) {
      let bytes = 0;
      for (const r of records) bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
      instrumentation.emit("processor.batch", () => ({ topic, partition, count: records.length, bytes }));
    }
    let lastBeat = Date.now();
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      // kafkajs's isStale builds a key string per call: check it every 64 records (and first)
      if (stopping || ((i & 63) === 0 && (!control.isRunning() || control.isStale()))) break;
      try {
        const pending = handleRecord(rec, control);
        if (pending) await pending;
      } catch (e) {
        if (e instanceof Stopping) break;
        throw e;
      }
      control.resolveOffset(rec.offset);
      // a batch can hold thousands of records (compressed record batches): heartbeat and commit
      // progress inside it, so a crash mid-batch redoes at most one commit interval of work
      const now = Date.now();
      if (now - lastBeat >= tickMs) {
        lastBeat = now;
        await control.heartbeat();
        await control.commit();
      }
    }
    await control.commit();
  }

  const tickMs = Math.min(1000, options.commitIntervalMs ?? 1000);

  let shutdownPromise: Promise<void> | undefined;
  function shutdown(): Promise<void> {
    shutdownPromise ??= (async () => {
      stopping = true;
      stopController.abort();
      // kafkajs waits for the batches being handled, commits resolved offsets and leaves the group
      await consumer.disconnect().catch((e: unknown) => log.error("consumer disconnect failed", { error: e }));
      await dlqProducer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      removeSignalHandlers();
      log.info("runner stopped");
    })();
    return shutdownPromise;
  }

  let removeSignalHandlers = (): void => {};
  if (options.handleSignals) {
    removeSignalHandlers = onStopSignal((signal) => {
      log.info("signal received; finishing in-flight work", { signal });
      void shutdown().then(resolveDone, rejectDone);
    });
  }

  await consumer.run({
    eachBatch,
    partitionsConcurrently: options.partitionsConcurrently ?? 2,
    commitIntervalMs: options.commitIntervalMs ?? 1000,
  });
  log.info("runner started", { topics, processors: [...routes.values()].map((r) => r.name) });

  return {
    done,
    instrumentation,
    assignment: () => assignment,
    async stop() {
      await shutdown();
      resolveDone();
    },
  };
}

/**
 * EventMetadata read lazily from the record: only `type` is known up front; id, time, source,
 * key and fingerprint are decoded when (and if) the handler reads them.
 */
class RecordMetadata implements EventMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  private idValue: string | undefined;
  private timeValue: Date | undefined;
  private sourceValue: string | undefined;
  private keyValue: string | null | undefined;
  private fingerprintValue: string | undefined;

  constructor(private readonly rec: ConsumedRecord, readonly type: string) {
    this.topic = rec.topic;
    this.partition = rec.partition;
    this.offset = rec.offset;
  }

  get id(): string {
    return (this.idValue ??= headerString(this.rec.headers, H.id) ?? "");
  }
  get time(): Date {
    if (!this.timeValue) {
      const t = headerString(this.rec.headers, H.time);
      this.timeValue = t ? new Date(t) : new Date(Number(this.rec.timestamp));
    }
    return this.timeValue;
  }
  get source(): string {
    return (this.sourceValue ??= headerString(this.rec.headers, H.source) ?? "");
  }
  get key(): string | null {
    if (this.keyValue === undefined) this.keyValue = this.rec.key ? this.rec.key.toString("utf8") : null;
    return this.keyValue;
  }
  get schemaFingerprint(): string {
    return (this.fingerprintValue ??= headerString(this.rec.headers, H.schema) ?? "");
  }
  toJSON(): EventMetadata {
    return { id: this.id, time: this.time, source: this.source, type: this.type, schemaFingerprint: this.schemaFingerprint, topic: this.topic, partition: this.partition, offset: this.offset, key: this.key };
  }
}

function firstHeader(v: Buffer | string | (Buffer | string)[] | undefined): Buffer | string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function buildRoutes(processors: readonly ProcessorDefinition[]): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const p of processors) {
    const k = `${p.contract.topic}\u0000${p.contract.type}`;
    const name = p.options.name ?? p.contract.type;
    if (routes.has(k)) throw new RuntimeConfigError(`runner: two processors for ${p.contract.type} on ${p.contract.topic}`, { context: { processor: name } });
    routes.set(k, { processor: p, name, maxRetries: p.options.maxRetries ?? 3, initialBackoffMs: p.options.initialBackoffMs ?? 200 });
  }
  return routes;
}

function clientFrom(options: RunnerOptions): KafkaClient {
  if (!options.brokers || options.brokers.length === 0) throw new RuntimeConfigError("runner: pass `brokers` (bootstrap list) or a `client`");
  return createKafkajsClient({ ...options.kafka, brokers: options.brokers, clientId: options.clientId ?? `evt-runner-${options.groupId}` });
}
