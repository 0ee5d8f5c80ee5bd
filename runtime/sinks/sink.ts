/**
 * The sink runner: for each sink of the config, a consumer group (`<groupPrefix>.<TABLE>`) on its
 * topic that maps records to rows, batches them (rows / bytes / time, whichever first) and hands
 * each batch to a WarehouseWriter, which commits rows and high-water offsets atomically.
 *
 * Exactly-once into the table, whatever crashes:
 *  - the warehouse owns progress: before using a partition the sink reads its high-water offset
 *    and seeks to it + 1; records at or below it are dropped (a stale fetch can still deliver them);
 *  - rows MERGE on the event id (APPEND) or on the key with latest-offset-wins (UPSERT), so a
 *    replay of a batch whose commit outcome was unknown adds nothing;
 *  - Kafka offsets are committed only after the warehouse commit, and only for information.
 * A record the table cannot take (undecodable, NOT NULL unset, too long, rejected by the
 * warehouse — found by splitting the batch) goes to the sink's DLQ topic with the reason in
 * headers, and its offset is covered by the next high-water: it never blocks the partition.
 * Transient warehouse failures (connection refused/reset, 5xx, session expired) are retried with
 * backoff and a fresh session, forever, while the partition waits (nothing is lost, memory stays
 * bounded at one batch); a fatal one stops the runner with the table named.
 * Stop (SIGTERM, `stop()`, the `stop` control) works from the first moment — connecting, joining,
 * retrying: the in-flight batch is written if the warehouse answers within the grace period;
 * otherwise retries are cancelled, the batch stays uncommitted (re-read on restart) and `done`
 * rejects with a StopTimeoutError naming what it waited for.
 */
import { type Phase, completion, stopControl, unlessStopped, type StopControl } from "../lifecycle.js";
import type { DescMessage } from "@bufbuild/protobuf";
import type { EventContract } from "../contract.js";
import { RuntimeConfigError, StopRequestedError, describeError, isStopRequestedError } from "../errors.js";
import { Instrumentation } from "../instrumentation.js";
import { jsonLogger, type RuntimeLogger } from "../log.js";
import { retry, sleep } from "../retry.js";
import {
  createKafkaClient, type AdminPort, type BatchControl, type ConsumedRecord, type ConsumerPort,
  type KafkaClient, type KafkaClientConfig, type ProducerPort,
} from "../kafka/adapter.js";
import { createDeadLetterWriter, type DeadLetterWriter } from "../kafka/dlq.js";
import { H, headerString } from "../kafka/headers.js";
import { isWarehouseError } from "../warehouse/errors.js";
import type { SinkBatch, SinkConfig, SinkSpec } from "./config.js";
import { RowRejectedError, compileRowMapper, parseRfc3339Ns, type CellFormat, type MappedRow, type RowMapper } from "./row-mapping.js";
import type { PartitionOffset, WarehouseWriter } from "./writer.js";
import { recordsBehind, type PartitionBehind } from "../metrics/behind.js";

export interface SinkRunnerOptions {
  readonly config: SinkConfig;
  /** The sinks to run (default: every sink of the config). */
  readonly sinks?: readonly SinkSpec[];
  /** Contracts (e.g. the generated `catalog`) or a lookup, giving each sink's message schema. */
  readonly contracts?: readonly EventContract[];
  readonly schemaOf?: (eventType: string) => DescMessage | undefined;
  /** One writer for all sinks (DuckDB: one file), or one per sink (Snowflake: one session each). */
  readonly writer: WarehouseWriter | ((sink: SinkSpec) => WarehouseWriter);
  readonly brokers?: readonly string[];
  readonly client?: KafkaClient;
  readonly clientId?: string;
  readonly kafka?: Omit<KafkaClientConfig, "brokers" | "clientId">;
  /** Consumer group per sink: `<groupPrefix>.<SCHEMA.TABLE>` (default `evt-sink`). */
  readonly groupPrefix?: string;
  /** Overrides every sink's batch bounds (evt.yaml `warehouse.batch`). */
  readonly batch?: Partial<SinkBatch>;
  /** Backoff of warehouse retries (default 200 ms doubling to 10 s, full jitter). */
  readonly retry?: { readonly initialBackoffMs?: number; readonly maxBackoffMs?: number };
  readonly instrumentation?: Instrumentation;
  readonly logger?: RuntimeLogger;
  /** Stop gracefully on SIGTERM/SIGINT (what `evt run` wants). Ignored when `stop` is given. */
  readonly handleSignals?: boolean;
  /** A shared stop protocol (evt run passes one for sinks and processors together). */
  readonly stop?: StopControl;
  /** Grace period of a stop before retries are cancelled (default 20 s). Ignored when `stop` is given. */
  readonly stopGraceMs?: number;
  /** Fetch bound per sink consumer (default 4 MiB). */
  readonly maxBytes?: number;
  /**
   * Consumer session timeout (default 10 s): how long a SIGKILLed member holds its partitions
   * before a restarted one gets them (kafkajs has no static membership; docs/decisions.md D52).
   */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
}

export interface SinkStats {
  readonly sink: string;
  readonly rowsWritten: number;
  readonly batches: number;
  readonly deadLettered: number;
  readonly retries: number;
}

export interface SinkRunner {
  /** Resolves after a graceful stop; rejects when a sink hit a fatal error or the stop overran its grace period. */
  readonly done: Promise<void>;
  /** Finishes (writes) the buffered batch, commits, leaves the groups. Idempotent. Rejects like `done`. */
  stop(): Promise<void>;
  readonly instrumentation: Instrumentation;
  stats(): SinkStats[];
  /** Records behind per sink and partition: Kafka end offset minus the warehouse high-water (runtime/metrics/behind.ts). */
  behind(): Promise<PartitionBehind[]>;
}

interface Pending {
  readonly row: MappedRow;
  readonly record: ConsumedRecord;
}

interface Rejected {
  readonly record: ConsumedRecord;
  readonly reason: string;
}

/** Default consumer session timeout of sinks and the runner (docs/decisions.md D52). */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

export async function startSinks(options: SinkRunnerOptions): Promise<SinkRunner> {
  const sinks = options.sinks ?? options.config.sinks;
  if (sinks.length === 0) throw new RuntimeConfigError("sink runner: no sinks to run");
  const instrumentation = options.instrumentation ?? new Instrumentation();
  const log = options.logger ?? jsonLogger({ level: "info", base: { component: "evt-sink" } });
  const client = options.client ?? clientFrom(options, log);
  const writers = new Map<string, WarehouseWriter>();
  for (const sink of sinks) writers.set(sink.name, typeof options.writer === "function" ? options.writer(sink) : options.writer);
  const mappers = compileMappers(options, sinks, (s) => writers.get(s.name)!.cellFormat ?? "text");
  const ownStop = options.stop === undefined;
  const stop = options.stop ?? stopControl({ graceMs: options.stopGraceMs ?? 20_000, signals: options.handleSignals ?? false });
  const phase = stop.phase;
  const stopped = (): StopRequestedError => new StopRequestedError(`sinks stopped while ${phase.current()}`);
  const step = <T>(name: string, work: () => Promise<T>): Promise<T> => {
    phase.set(name);
    return unlessStopped(work(), stop.stopSignal, stopped);
  };
  const { done, resolve: resolveDone, reject: rejectDone } = completion();
  let fatal: unknown;
  let consuming = false;

  const distinctWriters = [...new Set(writers.values())];
  const admin = client.admin();
  const dlqProducer = client.producer({ idempotent: true });
  const workers: SinkWorker[] = [];

  let shutdownPromise: Promise<void> | undefined;
  function shutdown(): Promise<void> {
    // deferred one tick: stop.request() below fires the abort listener, which calls shutdown() again
    shutdownPromise ??= Promise.resolve().then(async () => {
      stop.request("stop");
      // a stop before consuming began keeps naming the step it interrupted (connecting, joining)
      // …and a retry loop in progress keeps naming itself (what the stop is waiting for)
      if (consuming && !phase.current().startsWith("retrying")) phase.set("writing the in-flight batch");
      // workers flush what they hold (retries run until the grace period cancels them), then leave their groups
      await Promise.all(workers.map((w) => w.stop()));
      if (consuming) phase.set("disconnecting");
      await dlqProducer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      for (const w of distinctWriters) await w.close().catch(() => {});
      if (ownStop) stop.dispose();
      log.info("sinks stopped", { stats: workers.map((w) => w.stats()) });
      if (fatal !== undefined) throw fatal;
      if (stop.cancelSignal.aborted) throw stop.cancelSignal.reason;
    });
    return shutdownPromise;
  }
  stop.stopSignal.addEventListener("abort", () => {
    if (workers.length > 0) void shutdown().then(resolveDone, rejectDone);
  }, { once: true });

  try {
    for (const w of distinctWriters) {
      await step("connecting to the warehouse", () => w.connect());
      await step("checking the warehouse tables", () => w.ensureTables(options.config, sinks.filter((s) => writers.get(s.name) === w)));
    }
    await step("connecting to Kafka", () => admin.connect());
    await step("creating DLQ topics", () => createDlqTopics(admin, sinks, log));
    await step("connecting the DLQ producer", () => dlqProducer.connect());
    const shared = { client, admin, dlqProducer, instrumentation, log, phase, signal: stop.cancelSignal };
    for (const sink of sinks) {
      workers.push(new SinkWorker(workerDeps(options, sink, mappers.get(sink.name)!, writers.get(sink.name)!, shared, (e) => {
        log.error("sink stopped by a fatal error", { sink: sink.name, error: describeError(e) });
        fatal ??= e;
        void shutdown().then(resolveDone, rejectDone);
      })));
    }
    for (const w of workers) await step(`joining group of ${w.name}`, () => w.start());
  } catch (e) {
    await shutdown().catch(() => {});
    throw isStopRequestedError(e) && stop.cancelSignal.aborted ? stop.cancelSignal.reason : e;
  }
  phase.set("consuming");
  consuming = true;
  log.info("sinks started", { sinks: sinks.map((s) => ({ sink: s.name, topic: s.topic, target: writers.get(s.name)!.target })) });

  return {
    done,
    instrumentation,
    stats: () => workers.map((w) => w.stats()),
    behind: () => recordsBehind(admin, sinks, (s) => writers.get(s.name)!),
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

/** One worker's dependencies: the runner's shared clients plus the sink's own settings. */
function workerDeps(
  options: SinkRunnerOptions, sink: SinkSpec, mapper: RowMapper, writer: WarehouseWriter,
  shared: Pick<WorkerDeps, "client" | "admin" | "dlqProducer" | "instrumentation" | "log" | "phase" | "signal">,
  onFatal: (e: unknown) => void,
): WorkerDeps {
  const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  return {
    ...shared,
    sink,
    mapper,
    writer,
    deadLetters: createDeadLetterWriter({
      admin: shared.admin, producer: shared.dlqProducer, signal: shared.signal, initialBackoffMs: 200, maxBackoffMs: 10_000,
      onRetry: (e, attempt, delayMs, letter) => shared.log.error("DLQ write failed; retrying (the batch waits)", { sink: sink.name, ...letter, attempt, delayMs, error: describeError(e) }),
    }),
    batch: { ...sink.batch, ...definedOnly(options.batch) },
    groupId: `${options.groupPrefix ?? "evt-sink"}.${sink.table}`,
    retry: { initialBackoffMs: options.retry?.initialBackoffMs ?? 200, maxBackoffMs: options.retry?.maxBackoffMs ?? 10_000 },
    maxBytes: options.maxBytes ?? 4 * 1024 * 1024,
    sessionTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? Math.max(500, Math.floor(sessionTimeoutMs / 10)),
    onFatal,
  };
}

/** Compiles every mapping first: a sink config that does not match the contracts fails before consuming. */
function compileMappers(options: SinkRunnerOptions, sinks: readonly SinkSpec[], formatOf: (s: SinkSpec) => CellFormat): Map<string, RowMapper> {
  const schemaOf = options.schemaOf ?? ((t: string) => options.contracts?.find((c) => c.type === t)?.schema);
  const mappers = new Map<string, RowMapper>();
  for (const sink of sinks) {
    const schema = schemaOf(sink.eventType);
    if (!schema) throw new RuntimeConfigError(`sink ${sink.name}: no contract schema for ${sink.eventType} (pass the generated catalog)`, { context: { sink: sink.name } });
    mappers.set(sink.name, compileRowMapper(options.config, sink, schema, formatOf(sink)));
  }
  return mappers;
}

/**
 * DLQ topics are created explicitly at start (never on first write), with their source's
 * partitions; sinks sharing a source topic share its DLQ.
 */
async function createDlqTopics(admin: AdminPort, sinks: readonly SinkSpec[], log: RuntimeLogger): Promise<void> {
  const dlqSources = new Map(sinks.map((s) => [s.dlqTopic, s.topic]));
  const specs = await Promise.all([...dlqSources].map(async ([topic, source]) => ({ topic, partitions: await admin.partitionCount(source) })));
  const created = await admin.createTopics(specs);
  if (created.length > 0) log.info("created DLQ topics", { topics: created });
}

interface WorkerDeps {
  readonly sink: SinkSpec;
  readonly mapper: RowMapper;
  readonly writer: WarehouseWriter;
  readonly batch: SinkBatch;
  readonly client: KafkaClient;
  readonly admin: AdminPort;
  readonly dlqProducer: ProducerPort;
  readonly deadLetters: DeadLetterWriter;
  readonly groupId: string;
  readonly instrumentation: Instrumentation;
  readonly log: RuntimeLogger;
  readonly phase: Phase;
  /** Aborted when retries must give up (the stop's grace period ran out). */
  readonly signal: AbortSignal;
  readonly retry: { readonly initialBackoffMs: number; readonly maxBackoffMs: number };
  readonly maxBytes: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly onFatal: (e: unknown) => void;
}

/** One sink: its consumer, its buffer, its flushes. State is the point, hence a class. */
class SinkWorker {
  private consumer: ConsumerPort | undefined;
  private rows: Pending[] = [];
  private rejects: Rejected[] = [];
  private bytes = 0;
  /** Highest offset consumed (buffered, rejected or skipped) per partition since the last flush. */
  private pendingOffsets = new Map<number, bigint>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** High-water per partition as the warehouse says (read on first use after an assignment). */
  private highWater = new Map<number, bigint | null>();
  private positioned = new Set<number>();
  private stopping = false;
  private failed = false;
  private readonly counters = { rowsWritten: 0, batches: 0, deadLettered: 0, retries: 0 };

  constructor(private readonly d: WorkerDeps) {}

  get name(): string {
    return this.d.sink.name;
  }

  stats(): SinkStats {
    return { sink: this.d.sink.name, ...this.counters };
  }

  async start(): Promise<void> {
    const consumer = this.d.client.consumer({
      groupId: this.d.groupId,
      maxBytes: this.d.maxBytes,
      maxBytesPerPartition: Math.min(this.d.maxBytes, 1024 * 1024),
      sessionTimeoutMs: this.d.sessionTimeoutMs,
      heartbeatIntervalMs: this.d.heartbeatIntervalMs,
      rebalanceTimeoutMs: 60_000,
    });
    this.consumer = consumer;
    if (!consumer.seek) throw new RuntimeConfigError("sink: the Kafka adapter cannot seek; sinks resume from the warehouse high-water");
    consumer.onAssignment((assignment) => {
      // a new generation: read the warehouse's word again before using any partition
      this.positioned.clear();
      this.highWater.clear();
      this.highWaterRead = undefined;
      void this.commitHighWater(assignment[this.d.sink.topic] ?? []);
    });
    consumer.onFatal((e) => this.d.onFatal(e));
    await consumer.connect();
    await consumer.subscribe([this.d.sink.topic], true);
    await consumer.run({
      // one partition at a time: the buffer is shared and partitions flush together
      partitionsConcurrently: 1,
      commitIntervalMs: 5_000,
      // offsets are resolved to move the fetch position; they are committed only after the warehouse commit
      autoCommit: false,
      eachBatch: (topic, partition, records, control) => this.eachBatch(partition, records, control),
    });
  }

  /**
   * On assignment, moves the group's committed offsets up to the warehouse high-water: after a
   * kill between the warehouse commit and the Kafka commit, lag monitors would otherwise alarm
   * on an idle partition forever. Informational only; failures are logged.
   */
  private async commitHighWater(partitions: readonly number[]): Promise<void> {
    if (partitions.length === 0 || this.stopping) return;
    try {
      const all = await this.readHighWater();
      const offsets = partitions.flatMap((p) => {
        const hw = all.get(p);
        return hw === undefined ? [] : [{ topic: this.d.sink.topic, partition: p, offset: (hw + 1n).toString() }];
      });
      if (offsets.length > 0) await this.consumer!.commitOffsets?.(offsets);
    } catch (e) {
      if (!isStopRequestedError(e)) this.d.log.warn("could not move the group offsets to the warehouse high-water (informational)", { sink: this.d.sink.name, error: describeError(e) });
    }
  }

  /**
   * One warehouse read of the high-water offsets per generation, shared by the assignment's group
   * offset move and the first batch of each partition (one statement at a time on the connection).
   */
  private highWaterRead: ReturnType<WarehouseWriter["readHighWater"]> | undefined;
  private readHighWater(): ReturnType<WarehouseWriter["readHighWater"]> {
    const read = (this.highWaterRead ??= this.withRetry("read high-water", () => this.d.writer.readHighWater(this.d.sink)));
    read.catch(() => {
      if (this.highWaterRead === read) this.highWaterRead = undefined; // a failed read is tried again
    });
    return read;
  }

  private async hwOf(partition: number): Promise<bigint | null> {
    if (!this.highWater.has(partition)) {
      const all = await this.readHighWater();
      for (const [p, o] of all) if (!this.highWater.has(p)) this.highWater.set(p, o);
      if (!this.highWater.has(partition)) this.highWater.set(partition, null);
    }
    return this.highWater.get(partition)!;
  }

  private async eachBatch(partition: number, records: readonly ConsumedRecord[], control: BatchControl): Promise<void> {
    if (this.stopping || this.failed || records.length === 0) return;
    this.d.instrumentation.emit("sink.consumed", () => ({
      sink: this.d.sink.name, topic: this.d.sink.topic, partition, count: records.length,
      bytes: records.reduce((n, r) => n + (r.value?.byteLength ?? 0) + (r.key?.byteLength ?? 0), 0),
    }));
    let hw: bigint | null;
    try {
      hw = await this.hwOf(partition);
    } catch (e) {
      if (isStopRequestedError(e)) return;
      throw e;
    }
    if (this.seekToHighWater(partition, hw, records[0]!.offset)) return;
    await this.bufferRecords(partition, records, control);
  }

  /** On the first batch of a partition: seeks to the warehouse high-water + 1 when the fetch is elsewhere. */
  private seekToHighWater(partition: number, hw: bigint | null, fetched: string): boolean {
    if (this.positioned.has(partition)) return false;
    this.positioned.add(partition);
    const target = hw === null ? 0n : hw + 1n;
    if (BigInt(fetched) === target) return false;
    // the warehouse, not the consumer group, says where to resume
    this.consumer!.seek?.(this.d.sink.topic, partition, target.toString());
    this.d.instrumentation.emit("sink.positioned", () => ({ sink: this.d.sink.name, topic: this.d.sink.topic, partition, offset: target.toString() }));
    this.d.log.info("partition positioned from the warehouse high-water", { sink: this.d.sink.name, partition, offset: target.toString(), fetched });
    return true;
  }

  private async bufferRecords(partition: number, records: readonly ConsumedRecord[], control: BatchControl): Promise<void> {
    let lastBeat = Date.now();
    for (const rec of records) {
      if (this.stopping || this.failed || control.isStale() || !control.isRunning()) return;
      const offset = BigInt(rec.offset);
      const floor = this.highWater.get(partition);
      if (floor === null || floor === undefined || offset > floor) this.accept(rec, partition, offset);
      // advances the fetch position only (no auto-commit): the record is held in the buffer now
      control.resolveOffset(rec.offset);
      if (this.rows.length >= this.d.batch.maxRows || this.bytes >= this.d.batch.maxBytes) {
        await this.flush(); // backpressure: the fetcher waits for the warehouse
        if (this.failed) return;
      }
      if (Date.now() - lastBeat > 1_000) {
        lastBeat = Date.now();
        await control.heartbeat().catch(() => {});
      }
    }
  }

  private accept(rec: ConsumedRecord, partition: number, offset: bigint): void {
    const prev = this.pendingOffsets.get(partition);
    if (prev === undefined || offset > prev) this.pendingOffsets.set(partition, offset);
    if (this.rows.length === 0 && this.rejects.length === 0) {
      this.timer = setTimeout(() => void this.flush(), this.d.batch.maxMs);
    }
    try {
      const row = this.mapRecord(rec);
      this.rows.push({ row, record: rec });
      this.bytes += row.bytes;
    } catch (e) {
      if (!(e instanceof RowRejectedError)) throw e;
      this.rejects.push({ record: rec, reason: e.message });
    }
  }

  private mapRecord(rec: ConsumedRecord): MappedRow {
    const type = headerString(rec.headers, H.type);
    if (type !== undefined && type !== this.d.sink.eventType) throw new RowRejectedError(`ce_type ${type} is not the sink's event type ${this.d.sink.eventType}`);
    const id = headerString(rec.headers, H.id);
    if (!id) throw new RowRejectedError("record has no ce_id header (the de-duplication key)");
    if (!rec.value) throw new RowRejectedError("record has no value (tombstone)");
    const value = new Uint8Array(rec.value.buffer, rec.value.byteOffset, rec.value.byteLength);
    return this.d.mapper.mapRecord(value, {
      id,
      ...(type !== undefined ? { type } : {}),
      time: headerString(rec.headers, H.time),
      source: headerString(rec.headers, H.source),
      schema: headerString(rec.headers, H.schema),
      topic: rec.topic,
      partition: rec.partition,
      offset: rec.offset,
      ingestMs: Date.now(),
    });
  }

  /** Writes what is buffered; concurrent calls queue behind each other. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => {});
    return run;
  }

  /** Takes the buffer (rows, rejects, offsets) so new records start the next batch. */
  private takeBuffer(): { rows: Pending[]; rejects: Rejected[]; offsets: PartitionOffset[]; bytes: number } {
    const taken = {
      rows: this.rows,
      rejects: this.rejects,
      offsets: [...this.pendingOffsets].map(([partition, o]) => ({ topic: this.d.sink.topic, partition, offset: o.toString() })),
      bytes: this.bytes,
    };
    this.rows = [];
    this.rejects = [];
    this.pendingOffsets = new Map();
    this.bytes = 0;
    return taken;
  }

  private async flushNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.failed || (this.rows.length === 0 && this.rejects.length === 0 && this.pendingOffsets.size === 0)) return;
    const { rows, rejects, offsets, bytes } = this.takeBuffer();
    const started = Date.now();
    try {
      for (const r of rejects) await this.deadLetter(r.record, r.reason);
      const written = await this.writeSplitting(rows, offsets);
      this.advanceHighWater(offsets);
      this.counters.batches += 1;
      this.counters.rowsWritten += written;
      this.reportFlushed(rows, rejects.length, written, bytes, started);
      await this.commitKafkaOffsets(offsets);
    } catch (e) {
      if (isStopRequestedError(e)) {
        this.d.log.warn("stopped before the batch was written; it stays uncommitted and is re-read from the warehouse high-water on restart", { sink: this.d.sink.name, rows: rows.length, offsets });
        return;
      }
      this.failed = true;
      this.d.onFatal(e);
    }
  }

  private advanceHighWater(offsets: readonly PartitionOffset[]): void {
    for (const o of offsets) {
      const cur = this.highWater.get(o.partition);
      if (cur === undefined || cur === null || BigInt(o.offset) > cur) this.highWater.set(o.partition, BigInt(o.offset));
    }
  }

  private reportFlushed(rows: readonly Pending[], rejected: number, written: number, bytes: number, started: number): void {
    const now = Date.now();
    this.d.instrumentation.emit("sink.flushed", () => {
      // built only when someone listens: the newest ce_time of the batch gives the lag
      const newest = rows.reduce((m, p) => {
        const t = headerString(p.record.headers, H.time);
        const ns = t ? parseRfc3339Ns(t) : undefined;
        return ns !== undefined && ns > m ? ns : m;
      }, 0n);
      return {
        sink: this.d.sink.name, table: this.d.sink.table, rows: rows.length, written, rejected, bytes,
        latencyMs: now - started, lagMs: newest > 0n ? now - Number(newest / 1_000_000n) : 0,
      };
    });
  }

  /** Informational: the group's committed offsets follow the warehouse, never lead it. */
  private async commitKafkaOffsets(offsets: readonly PartitionOffset[]): Promise<void> {
    await this.consumer!.commitOffsets?.(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: (BigInt(o.offset) + 1n).toString() })))
      .catch((e: unknown) => this.d.log.warn("kafka offset commit failed (informational; the warehouse holds progress)", { sink: this.d.sink.name, error: describeError(e) }));
  }

  /** Writes rows + offsets; a batch the warehouse rejects is split until the offending rows are found and dead-lettered. */
  private async writeSplitting(rows: readonly Pending[], offsets: readonly PartitionOffset[]): Promise<number> {
    try {
      const res = await this.withRetry("write batch", () => this.d.writer.writeBatch(this.d.sink, rows.map((p) => p.row), offsets));
      return res.written;
    } catch (e) {
      if (!(isWarehouseError(e) && e.kind === "rejected")) throw e;
      if (rows.length <= 1) {
        if (rows.length === 1) await this.deadLetter(rows[0]!.record, e.message);
        // the rejected row's offset is still covered by this batch's high-water
        const res = await this.withRetry("write offsets", () => this.d.writer.writeBatch(this.d.sink, [], offsets));
        return res.written;
      }
      this.d.log.warn("warehouse rejected a batch; splitting it to find the row", { sink: this.d.sink.name, rows: rows.length, error: e.message });
      // halves in arrival order, so each partition's high-water only moves forward
      const mid = Math.ceil(rows.length / 2);
      const left = rows.slice(0, mid);
      const leftOffsets = maxOffsets(this.d.sink.topic, left.map((p) => p.record));
      return (await this.writeSplitting(left, leftOffsets)) + (await this.writeSplitting(rows.slice(mid), offsets));
    }
  }

  /**
   * Retries transient warehouse errors (with a fresh session) until they pass or the stop's
   * grace period cancels them (StopRequestedError); each retry is logged with its backoff.
   */
  private async withRetry<T>(what: string, task: () => Promise<T>): Promise<T> {
    const before = this.d.phase.current();
    const retrying = `retrying ${what} for ${this.d.sink.name} (warehouse unavailable)`;
    try {
      const { value } = await retry(() => task(), {
        retries: Infinity,
        initialBackoffMs: this.d.retry.initialBackoffMs,
        maxBackoffMs: this.d.retry.maxBackoffMs,
        signal: this.d.signal,
        shouldRetry: (e) => isWarehouseError(e) && e.kind === "transient",
        onRetry: (e, attempt, delayMs) => {
          this.d.phase.set(retrying);
          this.counters.retries += 1;
          this.d.instrumentation.emit("sink.retry", () => ({ sink: this.d.sink.name, table: this.d.sink.table, attempt, delayMs, error: e }));
          this.d.log.warn(`warehouse unavailable; retrying ${what}`, { sink: this.d.sink.name, attempt, delayMs, error: (e as Error).message });
        },
      });
      return value;
    } finally {
      // restore only what this call changed: a warehouse call that outlives the join (the
      // high-water read on assignment) must not put "joining" back over "consuming"
      if (this.d.phase.current() === retrying) this.d.phase.set(before);
    }
  }

  private async deadLetter(rec: ConsumedRecord, reason: string): Promise<void> {
    const dlqTopic = this.d.sink.dlqTopic;
    try {
      await this.d.deadLetters.write(rec, { error: reason, errorName: "RowRejected", processor: `sink:${this.d.sink.name}`, attempts: 1 }, dlqTopic);
    } catch (e) {
      if (this.d.signal.aborted) throw new StopRequestedError("dead-letter");
      throw e;
    }
    this.counters.deadLettered += 1;
    this.d.instrumentation.emit("sink.dead_lettered", () => ({ sink: this.d.sink.name, topic: rec.topic, partition: rec.partition, offset: rec.offset, dlqTopic, reason }));
    this.d.log.warn("record dead-lettered", { sink: this.d.sink.name, topic: rec.topic, partition: rec.partition, offset: rec.offset, dlqTopic, reason });
  }

  private stopped: Promise<void> | undefined;
  /** Idempotent: every caller waits for the same stop. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      // finish the in-flight batch (its retries end when the grace period cancels them)
      await this.flush().catch(() => {});
      if (this.timer) clearTimeout(this.timer);
      await this.consumer?.disconnect().catch((e: unknown) => this.d.log.error("consumer disconnect failed", { sink: this.d.sink.name, error: describeError(e) }));
    })();
    return this.stopped;
  }
}

function maxOffsets(topic: string, records: readonly ConsumedRecord[]): PartitionOffset[] {
  const m = new Map<number, bigint>();
  for (const r of records) {
    const o = BigInt(r.offset);
    const cur = m.get(r.partition);
    if (cur === undefined || o > cur) m.set(r.partition, o);
  }
  return [...m].map(([partition, o]) => ({ topic, partition, offset: o.toString() }));
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function clientFrom(options: SinkRunnerOptions, log: RuntimeLogger): KafkaClient {
  if (!options.brokers || options.brokers.length === 0) throw new RuntimeConfigError("sink runner: pass `brokers` (bootstrap list) or a `client`");
  return createKafkaClient({ logger: log, ...options.kafka, brokers: options.brokers, clientId: options.clientId ?? "evt-sink" });
}
