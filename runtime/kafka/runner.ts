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
import { type Phase, completion, stopControl, unlessStopped, type StopControl } from "../lifecycle.js";
import { fromBinary, type Message } from "@bufbuild/protobuf";
import type { EventContract, EventMetadata } from "../contract.js";
import {
  EventDecodeError, EventValidationError, HandlerError, RuntimeConfigError, StopRequestedError, describeError,
  isProgrammerError, isRetriesExhaustedError, isStopRequestedError,
} from "../errors.js";
import { Instrumentation } from "../instrumentation.js";
import { jsonLogger, type RuntimeLogger } from "../log.js";
import { retry, sleep } from "../retry.js";
import {
  createKafkaClient, type AdminPort, type BatchControl, type ConsumedRecord, type ConsumerPort,
  type KafkaClient, type KafkaClientConfig, type ProducerPort,
} from "./adapter.js";
import { createDeadLetterWriter } from "./dlq.js";
import { HandledTally } from "./handled-tally.js";
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
  /**
   * Partitions handled at the same time (default 16); each partition stays in order. With the
   * handler timeout this keeps every partition moving while one handler hangs.
   */
  readonly partitionsConcurrently?: number;
  /** A handler call that has not settled after this long fails (then retried, then dead-lettered); default 10 s, 0 = none. */
  readonly handlerTimeoutMs?: number;
  /** Bytes one fetch may return: the memory bound per broker (default 8 MiB). */
  readonly maxBytes?: number;
  readonly maxBytesPerPartition?: number;
  /** How often resolved offsets are committed (default 1000 ms; also on rebalance and stop). */
  readonly commitIntervalMs?: number;
  /** Consumer session timeout (default 10 s: a restarted runner gets its partitions within seconds). */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly instrumentation?: Instrumentation;
  readonly logger?: RuntimeLogger;
  /** Stop gracefully on SIGTERM and SIGINT (what `evt run` wants; default false for embedding). Ignored when `stop` is given. */
  readonly handleSignals?: boolean;
  /** A shared stop protocol (evt run passes one for sinks and processors together). */
  readonly stop?: StopControl;
  /** Grace period of a stop before retries are cancelled (default 20 s). Ignored when `stop` is given. */
  readonly stopGraceMs?: number;
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

export const DEFAULT_PARTITIONS_CONCURRENTLY = 16;
export const DEFAULT_HANDLER_TIMEOUT_MS = 10_000;

interface Route {
  readonly processor: ProcessorDefinition;
  readonly name: string;
  /** Index among the runner's routes (the handled tally's cell). */
  readonly slot: number;
  readonly maxRetries: number;
  readonly initialBackoffMs: number;
}

interface Decoded {
  readonly route: Route;
  readonly event: Message;
  readonly meta: EventMetadata;
}

/** What a (topic, ce_type) resolves to; cached per header bytes so the hot path decodes no strings. */
interface Resolved {
  readonly typeBytes: Buffer;
  readonly topic: string;
  readonly type: string;
  readonly contract: EventContract;
  readonly route: Route;
  readonly fingerprint: Buffer;
}

/** What the record-level steps share. */
interface RunnerContext {
  readonly routes: Map<string, Route>;
  readonly byType: Map<string, EventContract>;
  readonly instrumentation: Instrumentation;
  readonly log: RuntimeLogger;
  readonly admin: AdminPort;
  readonly dlqProducer: ProducerPort;
  /** Aborted as soon as a stop is requested: backoffs and DLQ retries end, the record stays unresolved. */
  readonly stopSignal: AbortSignal;
  readonly handlerTimeoutMs: number;
}

export async function startRunner(options: RunnerOptions): Promise<Runner> {
  if (options.processors.length === 0) throw new RuntimeConfigError("runner: no processors to run");
  if (!options.groupId) throw new RuntimeConfigError("runner: `groupId` is required");
  const log = options.logger ?? jsonLogger({ level: "warn", base: { component: "evt-runner", group: options.groupId } });
  const client = options.client ?? clientFrom(options, log);
  const instrumentation = options.instrumentation ?? new Instrumentation();
  const ownStop = options.stop === undefined;
  const stop = options.stop ?? stopControl({ graceMs: options.stopGraceMs ?? 20_000, signals: options.handleSignals ?? false });
  const phase = stop.phase;
  const topics = [...new Set(options.processors.map((p) => p.contract.topic))];
  const admin: AdminPort = client.admin();
  const dlqProducer: ProducerPort = client.producer({ idempotent: true });
  const consumer = createConsumer(client, options);
  const ctx: RunnerContext = {
    routes: buildRoutes(options.processors), byType: contractsByType(options), instrumentation, log, admin, dlqProducer,
    stopSignal: stop.stopSignal, handlerTimeoutMs: options.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS,
  };
  const { done, resolve: resolveDone, reject: rejectDone } = completion();
  let assignment: Record<string, number[]> = {};
  let fatal: unknown;
  let consuming = false;

  let shutdownPromise: Promise<void> | undefined;
  function shutdown(): Promise<void> {
    // deferred one tick: stop.request() below fires the abort listener, which calls shutdown() again
    shutdownPromise ??= Promise.resolve().then(async () => {
      stop.request("stop");
      if (consuming) phase.set("finishing in-flight records");
      // kafkajs waits for the batches being handled, commits resolved offsets and leaves the group
      await consumer.disconnect().catch((e: unknown) => log.error("consumer disconnect failed", { error: e }));
      await dlqProducer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      if (ownStop) stop.dispose();
      log.info("runner stopped");
      if (fatal !== undefined) throw fatal;
    });
    return shutdownPromise;
  }
  let started = false;
  stop.stopSignal.addEventListener("abort", () => {
    if (started) void shutdown().then(resolveDone, rejectDone);
  }, { once: true });

  consumer.onAssignment((a) => {
    assignment = a;
    instrumentation.emit("processor.assigned", () => ({ assignment: a }));
    log.info("partitions assigned", { assignment: a });
  });
  consumer.onFatal((error) => {
    log.error("consumer crashed", { error });
    fatal ??= error;
    void shutdown().then(resolveDone, rejectDone);
  });

  const step = <T>(name: string, work: () => Promise<T>): Promise<T> => {
    phase.set(name);
    return unlessStopped(work(), stop.stopSignal, () => new StopRequestedError(`runner stopped while ${name}`));
  };
  try {
    await connectAll(step, { admin, dlqProducer, consumer, options, topics, log });
    const eachBatch = batchHandler(ctx, Math.min(1000, options.commitIntervalMs ?? 1000));
    started = true;
    await step("joining the consumer group", () => consumer.run({
      eachBatch,
      partitionsConcurrently: options.partitionsConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY,
      commitIntervalMs: options.commitIntervalMs ?? 1000,
    }));
  } catch (e) {
    await shutdown().catch(() => {});
    throw e;
  }
  phase.set("consuming");
  consuming = true;
  log.info("runner started", { topics, processors: [...ctx.routes.values()].map((r) => r.name) });

  return {
    done,
    instrumentation,
    assignment: () => assignment,
    async stop() {
      try {
        await shutdown();
        resolveDone();
      } catch (e) {
        rejectDone(e);
        throw e;
      }
    },
  };
}

/** The start-up steps before the group join, each cut short by a stop request. */
async function connectAll(
  step: <T>(name: string, work: () => Promise<T>) => Promise<T>,
  c: { admin: AdminPort; dlqProducer: ProducerPort; consumer: ConsumerPort; options: RunnerOptions; topics: string[]; log: RuntimeLogger },
): Promise<void> {
  await step("connecting to Kafka", () => c.admin.connect());
  if (c.options.createTopics) {
    const created = await step("creating topics", () => ensureTopics(c.admin, c.options.processors.map((p) => p.contract), { dlq: true }));
    if (created.length > 0) c.log.info("created topics", { topics: created });
  }
  await step("connecting the DLQ producer", () => c.dlqProducer.connect());
  await step("connecting the consumer", () => c.consumer.connect());
  await step("subscribing", () => c.consumer.subscribe(c.topics, c.options.fromBeginning ?? true));
}

function createConsumer(client: KafkaClient, options: RunnerOptions): ConsumerPort {
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
  return client.consumer({
    groupId: options.groupId,
    maxBytes: options.maxBytes ?? 8 * 1024 * 1024,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
    sessionTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? Math.max(500, Math.floor(sessionTimeoutMs / 10)),
    rebalanceTimeoutMs: 60_000,
  });
}

function contractsByType(options: RunnerOptions): Map<string, EventContract> {
  const byType = new Map<string, EventContract>();
  for (const c of options.catalog ?? []) byType.set(c.type, c);
  for (const p of options.processors) byType.set(p.contract.type, p.contract);
  return byType;
}

/**
 * The per-partition batch loop: each record in order, resolved only once handled or dead-lettered.
 * One clock reading per record serves the heartbeat check and the handled tally (metrics count
 * per batch, runtime/kafka/handled-tally.ts).
 */
function batchHandler(ctx: RunnerContext, tickMs: number) {
  const handleRecord = recordHandler(ctx);
  return async (topic: string, partition: number, records: readonly ConsumedRecord[], control: BatchControl): Promise<void> => {
    if (ctx.instrumentation.has("processor.batch")) {
      let bytes = 0;
      for (const r of records) bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
      ctx.instrumentation.emit("processor.batch", () => ({ topic, partition, count: records.length, bytes }));
    }
    let lastBeat = Date.now();
    const tally = ctx.instrumentation.has("processor.handled_batch") ? new HandledTally(ctx.instrumentation, topic, partition, lastBeat) : undefined;
    try {
      for (let i = 0; i < records.length; i++) {
        const rec = records[i]!;
        // kafkajs's isStale builds a key string per call: check it every 64 records (and first)
        if (ctx.stopSignal.aborted || ((i & 63) === 0 && (!control.isRunning() || control.isStale()))) break;
        try {
          const pending = handleRecord(rec, control, tally);
          if (pending) await pending;
        } catch (e) {
          if (isStopRequestedError(e)) break;
          throw e;
        }
        control.resolveOffset(rec.offset);
        const now = Date.now();
        tally?.lap(now);
        // a batch can hold thousands of records (compressed record batches): heartbeat and commit
        // progress inside it, so a crash mid-batch redoes at most one commit interval of work
        if (now - lastBeat >= tickMs) {
          lastBeat = now;
          tally?.flush();
          await control.heartbeat();
          await control.commit();
          tally?.restart(Date.now());
        }
      }
    } finally {
      tally?.flush();
    }
    await control.commit();
  };
}

/** Decodes a record by `ce_type` into its contract's message, checking required fields. */
function recordDecoder(ctx: RunnerContext): (rec: ConsumedRecord) => Decoded {
  let lastResolved: Resolved | undefined;
  function resolve(rec: ConsumedRecord): Resolved {
    const raw = firstHeader(rec.headers[H.type]);
    const last = lastResolved;
    if (last && typeof raw !== "string" && raw !== undefined && last.topic === rec.topic && last.typeBytes.equals(raw)) return last;
    const type = headerString(rec.headers, H.type);
    if (!type) throw new EventDecodeError("record has no ce_type header", { context: { topic: rec.topic } });
    const contract = ctx.byType.get(type);
    if (!contract) throw new EventDecodeError(`unknown ce_type ${type}: no contract for it in this runner`, { context: { type } });
    const route = ctx.routes.get(`${rec.topic}\u0000${type}`);
    if (!route) throw new EventDecodeError(`no processor for ce_type ${type} on topic ${rec.topic}`, { context: { type, topic: rec.topic } });
    lastResolved = { typeBytes: Buffer.from(type), topic: rec.topic, type, contract, route, fingerprint: Buffer.from(contract.fingerprint) };
    return lastResolved;
  }
  return (rec) => {
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
      ctx.instrumentation.emit("processor.schema_mismatch", () => ({ type, topic: rec.topic, writer: meta.schemaFingerprint, reader: contract.fingerprint }));
    }
    return { route, event, meta };
  };
}

/**
 * Handles one record: decode, call the handler (bounded by the handler timeout), retry with
 * backoff, then dead-letter. Returns nothing when it finished synchronously (a sync handler that
 * succeeded: the common case costs no promise), else a promise.
 */
function recordHandler(ctx: RunnerContext): (rec: ConsumedRecord, control: BatchControl, tally: HandledTally | undefined) => Promise<void> | undefined {
  const decode = recordDecoder(ctx);
  const deadLetter = deadLetterWriter(ctx);
  const { instrumentation, log } = ctx;

  /** `started` is 0 when nobody listened to `processor.handled` as the record began: then no event is built. */
  function handled(rec: ConsumedRecord, d: Decoded, attempts: number, started: number, tally: HandledTally | undefined): void {
    tally?.handled(d.route);
    if (started === 0) return;
    // `id` is read on demand: decoding the ce_id header per event would cost listeners that never read it
    instrumentation.emit("processor.handled", () => ({
      processor: d.route.name, topic: rec.topic, partition: rec.partition, offset: rec.offset, get id() { return d.meta.id; }, attempts, latencyMs: Date.now() - started,
    }));
  }

  /** One handler call; a promise that has not settled within the timeout fails (the call itself cannot be cancelled). */
  function call(d: Decoded, rec: ConsumedRecord): unknown {
    const result = d.route.processor.handler(d.event as never, d.meta);
    if (!(result instanceof Promise) || ctx.handlerTimeoutMs <= 0) return result;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HandlerError(`processor ${d.route.name} timed out after ${ctx.handlerTimeoutMs} ms`, {
        retriable: true, context: { processor: d.route.name, topic: rec.topic, partition: rec.partition, offset: rec.offset, timeoutMs: ctx.handlerTimeoutMs },
      })), ctx.handlerTimeoutMs);
    });
    result.catch(() => {}); // a late rejection after the timeout is not unhandled
    return Promise.race([result, timeout]).finally(() => clearTimeout(timer));
  }

  /** After a first failure: retries with backoff (partition paused meanwhile), then the DLQ. */
  async function retryRecord(rec: ConsumedRecord, control: BatchControl, d: Decoded, firstError: unknown, started: number, tally: HandledTally | undefined): Promise<void> {
    const { route } = d;
    let resume: (() => void) | undefined;
    try {
      const { attempts } = await retry(
        async (attempt) => {
          if (attempt === 1) throw handlerError(route, rec, firstError);
          try {
            await call(d, rec);
          } catch (e) {
            throw handlerError(route, rec, e);
          }
        },
        {
          retries: route.maxRetries,
          initialBackoffMs: route.initialBackoffMs,
          signal: ctx.stopSignal,
          onRetry: (error, attempt, delayMs) => {
            // while backing off, stop fetching this partition (nothing piles up behind it)
            resume ??= control.pause();
            instrumentation.emit("processor.retry", () => ({ processor: route.name, topic: rec.topic, partition: rec.partition, offset: rec.offset, attempt, delayMs, error }));
            log.warn("handler failed; retrying", { processor: route.name, topic: rec.topic, partition: rec.partition, offset: rec.offset, attempt, delayMs, error: describeError((error as Error).cause ?? error) });
          },
        },
      );
      handled(rec, d, attempts, started, tally);
    } catch (e) {
      if (isStopRequestedError(e) || ctx.stopSignal.aborted) throw new StopRequestedError("stopped during retries");
      const attempts = isRetriesExhaustedError(e) ? e.attempts : 1;
      const cause = isRetriesExhaustedError(e) ? e.lastError : e;
      // the DLQ header names what the handler threw (a timeout has no cause: the HandlerError itself)
      await deadLetter(rec, (cause as Error | null)?.cause ?? cause, attempts, route.name);
    } finally {
      resume?.();
    }
  }

  return (rec, control, tally) => {
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
      result = call(decoded, rec);
    } catch (e) {
      return retryRecord(rec, control, decoded, e, started, tally);
    }
    if (result instanceof Promise) {
      return result.then(
        () => handled(rec, decoded, 1, started, tally),
        (e: unknown) => retryRecord(rec, control, decoded, e, started, tally),
      );
    }
    handled(rec, decoded, 1, started, tally);
    return undefined;
  };
}

/** A handler's failure as a HandlerError: retriable unless it says otherwise or is a programmer error (TypeError, …). */
function handlerError(route: Route, rec: ConsumedRecord, e: unknown): HandlerError {
  if (e instanceof Error && e.name === "HandlerError") return e as HandlerError;
  const retriable = !isProgrammerError(e) && (e as { retriable?: unknown } | null)?.retriable !== false;
  return new HandlerError(`processor ${route.name} failed: ${(e as Error | null)?.message ?? String(e)}`, {
    retriable, cause: e, context: { processor: route.name, topic: rec.topic, offset: rec.offset },
  });
}

/** Writes a record to `<topic>.dlq` (runtime/kafka/dlq.ts); retries until acknowledged, unless the runner is stopping. */
function deadLetterWriter(ctx: RunnerContext) {
  const { admin, dlqProducer, instrumentation, log } = ctx;
  const deadLetters = createDeadLetterWriter({
    admin, producer: dlqProducer, signal: ctx.stopSignal, initialBackoffMs: 500, maxBackoffMs: 30_000,
    onRetry: (e, attempt, delayMs, letter) => log.error("DLQ write failed; retrying (offset not committed)", { ...letter, attempt, delayMs, error: e }),
  });
  return async function deadLetter(rec: ConsumedRecord, error: unknown, attempts: number, processor: string): Promise<void> {
    const dlqTopic = dlqTopicOf(rec.topic);
    const cause = isRetriesExhaustedError(error) ? error.lastError : error;
    try {
      await deadLetters.write(rec, { error: describeError(cause), errorName: cause instanceof Error ? cause.name : "Error", processor, attempts });
    } catch (e) {
      if (ctx.stopSignal.aborted) throw new StopRequestedError(`DLQ write to ${dlqTopic} interrupted by stop`);
      throw e;
    }
    instrumentation.emit("processor.dead_lettered", () => ({ processor, topic: rec.topic, partition: rec.partition, offset: rec.offset, dlqTopic, error: cause }));
    log.warn("record dead-lettered", { processor, topic: rec.topic, partition: rec.partition, offset: rec.offset, dlqTopic, error: describeError(cause) });
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
    routes.set(k, { processor: p, name, slot: routes.size, maxRetries: p.options.maxRetries ?? 3, initialBackoffMs: p.options.initialBackoffMs ?? 200 });
  }
  return routes;
}

function clientFrom(options: RunnerOptions, log: RuntimeLogger): KafkaClient {
  if (!options.brokers || options.brokers.length === 0) throw new RuntimeConfigError("runner: pass `brokers` (bootstrap list) or a `client`");
  return createKafkaClient({ logger: log, ...options.kafka, brokers: options.brokers, clientId: options.clientId ?? `evt-runner-${options.groupId}` });
}
