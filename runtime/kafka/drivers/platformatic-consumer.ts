/**
 * The ConsumerPort on @platformatic/kafka: the library's consumer keeps the group membership
 * (join, sync, heartbeats, rejoin on rebalance); this module runs the fetch loop itself, because the
 * port needs per-partition batches, seek, pause/resume and commits of resolved offsets only, which
 * the library's message stream (one record at a time, stream-wide pause, positions it owns) does
 * not give.
 *
 * - Positions: on assignment each new partition starts at the group's committed offset, else the
 *   earliest (fromBeginning) or latest offset. A fetch asks each leader for every assigned,
 *   unpaused partition whose buffer has room; one fetch in flight per leader.
 * - Seek and revocation bump the partition's epoch: records of fetches issued before, buffered
 *   batches and the batch being handled become stale (`isStale()`), so nothing old is delivered.
 * - Memory: at most `maxBytes` of fetched, unhandled records in total and `maxBytesPerPartition`
 *   per partition; past that, fetching waits for handlers to catch up (bounded whatever the backlog).
 * - Handlers: one batch per partition at a time (order kept), `partitionsConcurrently` partitions
 *   at once. Offsets are committed only when resolved: on the interval (autoCommit), on
 *   `commitOffsets`, and at disconnect.
 */
import type { Consumer, KafkaRecord, RecordsBatch } from "@platformatic/kafka";

type FetchResponse = Awaited<ReturnType<Consumer["fetch"]>>;
import { KafkaClientError, isRetriable } from "../../errors.js";
import type { BatchControl, ConsumedRecord, ConsumerPort, ConsumerPortOptions, ConsumerRunOptions } from "../ports.js";
import { translateKafkaError, unreachable } from "./classify.js";
import type { BaseClientOptions, PlatformaticModule } from "./platformatic.js";

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to fetch; undefined until the starting position is known. */
  position: bigint | undefined;
  /** Bumped by seek and revocation: work from an older epoch is stale. */
  epoch: number;
  readonly queue: ConsumedRecord[][];
  queuedBytes: number;
  busy: boolean;
  paused: boolean;
  /** Highest resolved offset (processed); committed as resolved + 1. */
  resolved: bigint | undefined;
  committed: bigint | undefined;
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const FETCH_WAIT_MS = 250; // latency when idle; under load fetches fill before the wait ends

export function platformaticConsumer(lib: PlatformaticModule, base: BaseClientOptions, options: ConsumerPortOptions, brokers: readonly string[]): ConsumerPort {
  return new PlatformaticConsumer(lib, base, options, brokers);
}

class PlatformaticConsumer implements ConsumerPort {
  private readonly consumer: Consumer;
  private topics: string[] = [];
  private fromBeginning = true;
  private readonly parts = new Map<string, PartitionState>();
  private readonly assignmentListeners: ((a: Record<string, number[]>) => void)[] = [];
  private readonly fatalListeners: ((e: KafkaClientError) => void)[] = [];
  private run_: ConsumerRunOptions | undefined;
  private running = false;
  private readonly fetching = new Set<number>();
  private bufferedBytes = 0;
  private active = 0;
  private readonly idle: (() => void)[] = [];
  private commitTimer: NodeJS.Timeout | undefined;
  /** When the last commit of resolved offsets started (ms): a batch's commit() waits for the interval. */
  private lastCommitAt = 0;
  private fetchRetry: NodeJS.Timeout | undefined;
  private topicIds = new Map<string, string>();
  private metadataLoading = false;

  constructor(
    private readonly lib: PlatformaticModule,
    base: BaseClientOptions,
    private readonly options: ConsumerPortOptions,
    private readonly brokers: readonly string[],
  ) {
    this.consumer = new lib.Consumer({
      ...base,
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(options.rebalanceTimeoutMs, options.sessionTimeoutMs),
      maxBytes: options.maxBytes,
      maxWaitTime: FETCH_WAIT_MS,
      isolationLevel: lib.FetchIsolationLevels.READ_COMMITTED,
      autocommit: false,
    });
    this.consumer.on("consumer:group:join", (payload) => {
      const assignment: Record<string, number[]> = {};
      for (const a of payload.assignments ?? []) assignment[a.topic] = [...a.partitions];
      this.assign(assignment);
    });
    // a rejoin the library gave up on arrives as an 'error' event (unhandled, it would throw):
    // a broker outage is waited out (join again), anything else ends the consumer
    this.consumer.on("error" as never, (e: unknown) => this.rejoinLater(e));
  }

  async connect(): Promise<void> {
    try {
      await this.consumer.metadata({ topics: [] });
    } catch (e) {
      throw unreachable(e, this.brokers);
    }
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    this.topics = [...topics];
    this.fromBeginning = fromBeginning;
    try {
      await this.refreshTopicIds();
    } catch (e) {
      throw translateKafkaError(e, { topic: topics.join(",") });
    }
  }

  async run(options: ConsumerRunOptions): Promise<void> {
    this.run_ = options;
    this.running = true;
    this.consumer.topics.trackAll(...this.topics);
    await this.join();
    if (options.autoCommit ?? true) {
      this.commitTimer = setInterval(() => void this.commitResolved().catch(() => {}), options.commitIntervalMs);
      this.commitTimer.unref();
    }
  }

  /**
   * Joins the group. Right after a broker restart the coordinator answers JoinGroup with errors
   * for a while (the library retries only a few times): keep joining for up to a minute, as kafkajs
   * does, unless the consumer is being stopped (disconnect clears `running`).
   */
  private async join(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await this.consumer.joinGroup(this.groupOptions());
        return;
      } catch (e) {
        const err = translateKafkaError(e, { topic: this.topics.join(",") });
        if (!this.running || Date.now() > deadline) {
          this.running = false;
          throw err;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  onAssignment(listener: (assignment: Record<string, number[]>) => void): void {
    this.assignmentListeners.push(listener);
  }

  onFatal(listener: (error: KafkaClientError) => void): void {
    this.fatalListeners.push(listener);
  }

  seek(topic: string, partition: number, offset: string): void {
    const s = this.parts.get(keyOf(topic, partition));
    if (!s) return;
    this.dropBuffered(s);
    s.epoch++;
    s.position = BigInt(offset);
    this.pump();
  }

  async commitOffsets(offsets: readonly { topic: string; partition: number; offset: string }[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await this.consumer.commit({ offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: -1 })) });
    } catch (e) {
      throw translateKafkaError(e);
    }
    for (const o of offsets) {
      const s = this.parts.get(keyOf(o.topic, o.partition));
      if (s) s.committed = BigInt(o.offset);
    }
  }

  async disconnect(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    clearInterval(this.commitTimer);
    clearTimeout(this.fetchRetry);
    // handlers in flight finish (they see isRunning() false); then their offsets are committed
    if (this.active > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (wasRunning && (this.run_?.autoCommit ?? true)) await this.commitResolved().catch(() => {});
    // force: leave the group even if a fetch is still in flight; a failed leave is the session timeout's job
    await new Promise<void>((resolve) => this.consumer.close(true, () => resolve()));
  }

  // ---- assignment and positions ----------------------------------------------------------------

  private assign(assignment: Record<string, number[]>): void {
    const next = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) next.add(keyOf(topic, p));
    const revoked: PartitionState[] = [];
    for (const [k, s] of this.parts) {
      if (next.has(k)) continue;
      // revoked: whatever is buffered or being handled for it is stale
      this.dropBuffered(s);
      s.epoch++;
      this.parts.delete(k);
      revoked.push(s);
    }
    // what was handled on a revoked partition is committed now (the group accepts the new
    // generation's commit), so its new owner redoes as little as possible, as kafkajs does on rebalance
    if (this.running && (this.run_?.autoCommit ?? true)) void this.commitOffsets(pendingCommits(revoked)).catch(() => {});
    const fresh: PartitionState[] = [];
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const k = keyOf(topic, partition);
        if (this.parts.has(k)) continue;
        const s: PartitionState = { topic, partition, position: undefined, epoch: 0, queue: [], queuedBytes: 0, busy: false, paused: false, resolved: undefined, committed: undefined };
        this.parts.set(k, s);
        fresh.push(s);
      }
    }
    for (const l of this.assignmentListeners) l(assignment);
    void this.startPositions(fresh).then(() => this.pump(), (e: unknown) => this.retryLater(e));
  }

  /** Committed offset, else earliest/latest; a seek that came first wins. */
  private async startPositions(fresh: readonly PartitionState[]): Promise<void> {
    if (fresh.length === 0) return;
    const byTopic = new Map<string, PartitionState[]>();
    for (const s of fresh) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s]);
    const topics = [...byTopic].map(([topic, states]) => ({ topic, partitions: states.map((s) => s.partition) }));
    const committed = await this.consumer.listCommittedOffsets({ topics });
    const missing = fresh.filter((s) => (committed.get(s.topic)?.[s.partition] ?? -1n) < 0n);
    const reset = missing.length > 0 ? await this.listOffsets(missing, this.resetTimestamp()) : new Map<string, bigint>();
    for (const s of fresh) {
      if (s.position !== undefined || this.parts.get(keyOf(s.topic, s.partition)) !== s) continue;
      const c = committed.get(s.topic)?.[s.partition] ?? -1n;
      s.position = c >= 0n ? c : reset.get(keyOf(s.topic, s.partition)) ?? 0n;
      if (c >= 0n) s.committed = c;
    }
  }

  private resetTimestamp(): bigint {
    return this.fromBeginning ? this.lib.ListOffsetTimestamps.EARLIEST : this.lib.ListOffsetTimestamps.LATEST;
  }

  private async listOffsets(states: readonly PartitionState[], timestamp: bigint): Promise<Map<string, bigint>> {
    const partitions: Record<string, number[]> = {};
    for (const s of states) (partitions[s.topic] ??= []).push(s.partition);
    const res = await this.consumer.listOffsetsWithTimestamps({ topics: Object.keys(partitions), partitions, timestamp });
    const out = new Map<string, bigint>();
    for (const [topic, byPartition] of res) for (const [p, o] of byPartition) out.set(keyOf(topic, p), o.offset);
    return out;
  }

  private async refreshTopicIds(): Promise<void> {
    const meta = await this.consumer.metadata({ topics: this.topics, forceUpdate: true });
    for (const t of this.topics) {
      const m = meta.topics.get(t);
      if (!m) throw new KafkaClientError(`kafka: no metadata for topic ${t}`, { context: { topic: t } });
      this.topicIds.set(m.id, t);
    }
  }

  // ---- fetching ---------------------------------------------------------------------------------

  /** Issues a fetch to every leader that has a partition wanting records and none in flight. */
  private pump(): void {
    if (!this.running || this.bufferedBytes >= this.options.maxBytes) return;
    const meta = this.consumer.currentMetadata;
    // the cached metadata is whatever was asked last: it must cover the subscribed topics
    if (!meta || !this.topics.every((t) => meta.topics.has(t))) {
      if (this.metadataLoading) return;
      this.metadataLoading = true;
      void this.consumer.metadata({ topics: this.topics }).then(() => {
        this.metadataLoading = false;
        this.pump();
      }, (e: unknown) => {
        this.metadataLoading = false;
        this.retryLater(e);
      });
      return;
    }
    const byLeader = new Map<number, PartitionState[]>();
    for (const s of this.parts.values()) {
      if (s.position === undefined || s.paused || s.queuedBytes >= this.options.maxBytesPerPartition) continue;
      const leader = meta.topics.get(s.topic)?.partitions[s.partition]?.leader;
      if (leader === undefined || leader < 0 || this.fetching.has(leader)) continue;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), s]);
    }
    for (const [leader, states] of byLeader) this.fetchFrom(leader, states);
  }

  private fetchFrom(leader: number, states: readonly PartitionState[]): void {
    const meta = this.consumer.currentMetadata!;
    const asked = states.map((s) => ({ s, epoch: s.epoch, position: s.position! }));
    const byTopic = new Map<string, { partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; lastFetchedEpoch: number }[]>();
    for (const a of asked) {
      const id = meta.topics.get(a.s.topic)!.id;
      this.topicIds.set(id, a.s.topic);
      const list = byTopic.get(id) ?? [];
      list.push({ partition: a.s.partition, fetchOffset: a.position, partitionMaxBytes: this.options.maxBytesPerPartition, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
      byTopic.set(id, list);
    }
    this.fetching.add(leader);
    this.consumer.fetch({
      node: leader,
      topics: [...byTopic].map(([topicId, partitions]) => ({ topicId, partitions })),
      maxBytes: this.options.maxBytes,
      maxWaitTime: FETCH_WAIT_MS,
    }).then((response) => {
      this.fetching.delete(leader);
      this.accept(response, asked);
      setImmediate(() => this.pump()); // yield to heartbeats and handlers between fetches
    }, (e: unknown) => {
      this.fetching.delete(leader);
      void this.fetchFailed(e, asked.map((a) => a.s));
    });
  }

  /** Records of the response for partitions still at the epoch and position they were asked at. */
  private accept(response: FetchResponse, asked: readonly { s: PartitionState; epoch: number; position: bigint }[]): void {
    const askedBy = new Map(asked.map((a) => [keyOf(a.s.topic, a.s.partition), a]));
    for (const topicResponse of response.responses) {
      const topic = this.topicIds.get(topicResponse.topicId);
      if (topic === undefined) continue;
      for (const p of topicResponse.partitions) {
        const a = askedBy.get(keyOf(topic, p.partitionIndex));
        if (!a || a.s.epoch !== a.epoch || a.s.position !== a.position || this.parts.get(keyOf(topic, p.partitionIndex)) !== a.s) continue;
        this.enqueue(a.s, p.records ?? [], a.position);
      }
    }
  }

  private enqueue(s: PartitionState, batches: readonly RecordsBatch[], from: bigint): void {
    const records: ConsumedRecord[] = [];
    let bytes = 0;
    let next = from;
    for (const batch of batches) {
      const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      if (last + 1n > next) next = last + 1n;
      // transaction markers advance the position but are not records
      if (batch.attributes & this.lib.IS_CONTROL) continue;
      for (const r of batch.records) {
        const offset = batch.firstOffset + BigInt(r.offsetDelta);
        if (offset < from) continue; // a compressed batch starts before the asked offset
        records.push(toConsumed(s.topic, s.partition, offset, batch.firstTimestamp, r));
        bytes += recordBytes(r);
      }
    }
    s.position = next;
    if (records.length === 0) return;
    s.queue.push(records);
    s.queuedBytes += bytes;
    this.bufferedBytes += bytes;
    this.drive();
  }

  private async fetchFailed(e: unknown, states: readonly PartitionState[]): Promise<void> {
    if (!this.running) return;
    const err = translateKafkaError(e);
    if (err.context.code === "OFFSET_OUT_OF_RANGE") {
      // retention removed what the position points at: restart from the reset policy, as kafkajs does
      for (const s of states) s.position = undefined;
      const fresh = states.filter((s) => this.parts.get(keyOf(s.topic, s.partition)) === s);
      await this.startPositionsAfterReset(fresh).catch((x: unknown) => this.retryLater(x));
      this.pump();
      return;
    }
    if (err.context.code === "UNKNOWN_TOPIC_ID" || err.context.code === "UNKNOWN_TOPIC_OR_PARTITION") this.consumer.clearMetadata();
    this.retryLater(err);
  }

  private async startPositionsAfterReset(states: readonly PartitionState[]): Promise<void> {
    const reset = await this.listOffsets(states, this.resetTimestamp());
    for (const s of states) if (s.position === undefined) s.position = reset.get(keyOf(s.topic, s.partition)) ?? 0n;
  }

  /** A transient failure: fetch again after a pause; a permanent one ends the consumer (onFatal). */
  private retryLater(e: unknown): void {
    if (!this.running) return;
    if (!isRetriable(e) && !isRetriable(translateKafkaError(e))) {
      this.failed(e);
      return;
    }
    clearTimeout(this.fetchRetry);
    this.fetchRetry = setTimeout(() => {
      this.consumer.clearMetadata();
      void this.consumer.metadata({ topics: this.topics }).then(() => {
        // positions that failed to load are loaded again
        const unknown = [...this.parts.values()].filter((s) => s.position === undefined);
        return this.startPositions(unknown);
      }).then(() => this.pump(), (x: unknown) => this.retryLater(x));
    }, 500);
  }

  private rejoinLater(e: unknown): void {
    if (!this.running) return;
    if (!translateKafkaError(e).retriable) {
      this.failed(e);
      return;
    }
    setTimeout(() => {
      if (this.running) void this.consumer.joinGroup(this.groupOptions()).catch((x: unknown) => this.rejoinLater(x));
    }, 1000).unref();
  }

  private groupOptions() {
    return {
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: this.options.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(this.options.rebalanceTimeoutMs, this.options.sessionTimeoutMs),
    };
  }

  private failed(e: unknown): void {
    if (!this.running) return;
    this.running = false;
    const err = translateKafkaError(e, { topic: this.topics.join(",") });
    for (const l of this.fatalListeners) l(err);
  }

  // ---- handling ---------------------------------------------------------------------------------

  /** Starts a handler for each partition with a batch waiting, up to `partitionsConcurrently`. */
  private drive(): void {
    const limit = Math.max(1, this.run_?.partitionsConcurrently ?? 1);
    for (const s of this.parts.values()) {
      if (this.active >= limit) return;
      if (!this.running || s.busy || s.paused || s.queue.length === 0) continue;
      void this.handle(s);
    }
  }

  private async handle(s: PartitionState): Promise<void> {
    const records = s.queue.shift()!;
    const epoch = s.epoch;
    const bytes = records.reduce((n, r) => n + recordBytes(r), 0);
    s.busy = true;
    this.active++;
    const stale = (): boolean => s.epoch !== epoch || this.parts.get(keyOf(s.topic, s.partition)) !== s;
    const control: BatchControl = {
      resolveOffset: (offset) => {
        if (!stale()) s.resolved = BigInt(offset);
      },
      heartbeat: async () => {}, // the library heartbeats on its own timer, whatever the handlers do
      // a commit refused mid-rebalance is not the handler's failure: the library rejoins, and the
      // offsets go out with the next commit (at-least-once either way)
      // and only when the commit interval has passed, as kafkajs's commitOffsetsIfNecessary: an
      // OffsetCommit round trip after every batch halved consume throughput
      commit: () => (this.commitDue() ? this.commitResolved().catch(() => {}) : Promise.resolve()),
      isRunning: () => this.running,
      isStale: stale,
      pause: () => {
        s.paused = true;
        return () => {
          s.paused = false;
          this.drive();
          this.pump();
        };
      },
    };
    try {
      await this.run_!.eachBatch(s.topic, s.partition, records, control);
    } catch (e) {
      // kafkajs restarts from the last resolved offset after a handler throws; so does this driver
      if (!stale()) {
        this.dropBuffered(s);
        s.epoch++;
        s.position = s.resolved !== undefined ? s.resolved + 1n : s.committed;
        if (s.position === undefined) void this.startPositions([s]).then(() => this.pump(), (x: unknown) => this.retryLater(x));
      }
      this.retryLater(e);
    } finally {
      this.release(s, epoch, bytes);
    }
  }

  private release(s: PartitionState, epoch: number, bytes: number): void {
    // the batch's bytes leave the buffer unless a seek or revocation already took them off
    if (s.epoch === epoch) {
      s.queuedBytes = Math.max(0, s.queuedBytes - bytes);
      this.bufferedBytes = Math.max(0, this.bufferedBytes - bytes);
    }
    s.busy = false;
    this.active--;
    // to the back of the line: a partition with a deep backlog cannot starve the others
    const k = keyOf(s.topic, s.partition);
    if (this.parts.get(k) === s) {
      this.parts.delete(k);
      this.parts.set(k, s);
    }
    if (this.active === 0) for (const f of this.idle.splice(0)) f();
    this.drive();
    this.pump();
  }

  /**
   * Drops the partition's queued batches and their bytes, the batch being handled included: every
   * caller then bumps the epoch, so that batch's release subtracts nothing again.
   */
  private dropBuffered(s: PartitionState): void {
    s.queue.length = 0;
    this.bufferedBytes = Math.max(0, this.bufferedBytes - s.queuedBytes);
    s.queuedBytes = 0;
  }

  private commitDue(): boolean {
    const interval = this.run_?.autoCommit === false ? 0 : (this.run_?.commitIntervalMs ?? 0);
    return Date.now() - this.lastCommitAt >= interval;
  }

  private async commitResolved(): Promise<void> {
    this.lastCommitAt = Date.now();
    await this.commitOffsets(pendingCommits(this.parts.values()));
  }
}

/** One record in the port's shape: headers as an object (a repeated name becomes an array). */
function toConsumed(topic: string, partition: number, offset: bigint, firstTimestamp: bigint, r: KafkaRecord): ConsumedRecord {
  const headers: Record<string, Buffer | (Buffer | string)[] | string> = {};
  for (const [k, v] of r.headers) {
    if (!k) continue;
    const name = k.toString();
    const value = v ?? Buffer.alloc(0);
    const prev = headers[name];
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { topic, partition, offset: offset.toString(), key: r.key, value: r.value, headers, timestamp: (firstTimestamp + r.timestampDelta).toString() };
}

/** What a record holds in memory for the bound: its key and value bytes. */
function recordBytes(r: { key: Buffer | null; value: Buffer | null }): number {
  return (r.value?.length ?? 0) + (r.key?.length ?? 0);
}

/** Next-offsets (resolved + 1) not committed yet. */
function pendingCommits(states: Iterable<PartitionState>): { topic: string; partition: number; offset: string }[] {
  const offsets: { topic: string; partition: number; offset: string }[] = [];
  for (const s of states) {
    if (s.resolved === undefined) continue;
    const next = s.resolved + 1n;
    if (s.committed === undefined || next > s.committed) offsets.push({ topic: s.topic, partition: s.partition, offset: next.toString() });
  }
  return offsets;
}
