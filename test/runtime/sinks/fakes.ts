/** In-memory Kafka (log per partition, seekable consumer) and warehouse writer for sink unit tests. */
import type {
  AdminPort, BatchControl, ConsumedRecord, ConsumerPort, ConsumerRunOptions, KafkaClient, OutgoingRecord, ProducerPort,
} from "../../../runtime/kafka/adapter.js";
import type { SinkConfig, SinkSpec } from "../../../runtime/sinks/config.js";
import type { MappedRow } from "../../../runtime/sinks/row-mapping.js";
import type { PartitionOffset, WarehouseWriter, WriteResult } from "../../../runtime/sinks/writer.js";
import { WarehouseError } from "../../../runtime/warehouse/errors.js";

export interface MemKafka extends KafkaClient {
  readonly logs: Map<string, ConsumedRecord[][]>;
  append(topic: string, partition: number, rec: Omit<ConsumedRecord, "topic" | "partition" | "offset" | "timestamp">): void;
  readonly committed: Map<string, string>;
  readonly seeks: { partition: number; offset: string }[];
}

export function memKafka(partitions: Record<string, number>): MemKafka {
  const logs = new Map<string, ConsumedRecord[][]>(Object.entries(partitions).map(([t, n]) => [t, Array.from({ length: n }, () => [])]));
  const committed = new Map<string, string>();
  const seeks: { partition: number; offset: string }[] = [];
  const append = (topic: string, partition: number, rec: Omit<ConsumedRecord, "topic" | "partition" | "offset" | "timestamp">) => {
    const log = logs.get(topic)![partition]!;
    log.push({ ...rec, topic, partition, offset: String(log.length), timestamp: String(Date.now()) });
  };
  const producer: ProducerPort = {
    async connect() {},
    async send(batch) {
      for (const t of batch) {
        if (!logs.has(t.topic)) logs.set(t.topic, [[]]);
        for (const r of t.records as OutgoingRecord[]) append(t.topic, r.partition, { key: r.key as Buffer | null, value: r.value, headers: r.headers });
      }
      return [];
    },
    async disconnect() {},
  };
  const admin: AdminPort = {
    async connect() {},
    async createTopics(specs) {
      const created = specs.filter((s) => !logs.has(s.topic)).map((s) => s.topic);
      for (const s of specs) if (!logs.has(s.topic)) logs.set(s.topic, Array.from({ length: s.partitions }, () => []));
      return created;
    },
    async listTopics() { return [...logs.keys()]; },
    async partitionCount(topic) { return logs.get(topic)!.length; },
    async deleteTopics() {},
    async committedOffsets() { return []; },
    async offsetsAt(topic) { return (logs.get(topic) ?? []).map((log, partition) => ({ partition, offset: String(log.length) })); },
    async endOffsets(topic) { return (logs.get(topic) ?? []).map((log, partition) => ({ partition, low: "0", high: String(log.length) })); },
    async disconnect() {},
  };
  const consumer = (): ConsumerPort => {
    let topics: string[] = [];
    const position = new Map<string, number>();
    let running = false;
    let loop: Promise<void> | undefined;
    const assignmentListeners: ((a: Record<string, number[]>) => void)[] = [];
    const stale = new Set<string>();
    return {
      async connect() {},
      async subscribe(t) { topics = [...t]; },
      async run(options: ConsumerRunOptions) {
        running = true;
        const assignment = Object.fromEntries(topics.map((t) => [t, logs.get(t)!.map((_, i) => i)]));
        for (const l of assignmentListeners) l(assignment);
        for (const t of topics) logs.get(t)!.forEach((_, p) => position.set(`${t}/${p}`, Number(committed.get(`${t}/${p}`) ?? 0)));
        loop = (async () => {
          while (running) {
            let any = false;
            for (const t of topics) {
              for (const [p, log] of logs.get(t)!.entries()) {
                const k = `${t}/${p}`;
                const from = position.get(k)!;
                const recs = log.slice(from, from + 50);
                if (recs.length === 0) continue;
                any = true;
                position.set(k, from + recs.length);
                stale.delete(k);
                const control: BatchControl = {
                  resolveOffset() {}, async heartbeat() {}, async commit() {},
                  isRunning: () => running, isStale: () => stale.has(k), pause: () => () => {},
                };
                await options.eachBatch(t, p, recs, control);
              }
            }
            if (!any) await new Promise((r) => setTimeout(r, 5));
          }
        })();
      },
      onAssignment(l) { assignmentListeners.push(l); },
      onFatal() {},
      seek(topic, partition, offset) {
        seeks.push({ partition, offset });
        position.set(`${topic}/${partition}`, Number(offset));
        stale.add(`${topic}/${partition}`);
      },
      async commitOffsets(offsets) { for (const o of offsets) committed.set(`${o.topic}/${o.partition}`, o.offset); },
      async disconnect() { running = false; await loop; },
    };
  };
  return { logs, append, committed, seeks, producer: () => producer, admin: () => admin, consumer };
}

export interface StoredRow { readonly cells: readonly unknown[]; readonly offset: string; readonly partition: number }

/** A writer keeping rows by merge key; scriptable failures. */
export class MemWriter implements WarehouseWriter {
  readonly target = "duckdb" as const;
  readonly tables = new Map<string, Map<string, StoredRow>>();
  readonly highWater = new Map<string, bigint>();
  readonly calls: { rows: number; offsets: PartitionOffset[] }[] = [];
  transientFailures = 0;
  /** Rows for which this returns true make the whole batch fail as "rejected" (like a warehouse type error). */
  rejectIf: (row: MappedRow) => boolean = () => false;
  connects = 0;
  private config!: SinkConfig;

  async connect() { this.connects += 1; }
  async ensureTables(config: SinkConfig) { this.config = config; }
  async writeBatch(sink: SinkSpec, rows: readonly MappedRow[], offsets: readonly PartitionOffset[]): Promise<WriteResult> {
    if (this.transientFailures > 0) {
      this.transientFailures -= 1;
      throw new WarehouseError("snowflake: connect: ECONNREFUSED", "transient");
    }
    if (rows.some((r) => this.rejectIf(r))) throw new WarehouseError("snowflake: Numeric value 'x' is not recognized", "rejected");
    this.calls.push({ rows: rows.length, offsets: [...offsets] });
    const names = [...this.config.metadataColumns.map((c) => c.name), ...sink.columns.map((c) => c.name)];
    const keyIdx = sink.mergeKey.map((k) => names.indexOf(k));
    let table = this.tables.get(sink.table);
    if (!table) this.tables.set(sink.table, (table = new Map()));
    let written = 0;
    for (const r of rows) {
      const key = keyIdx.map((i) => String(r.cells[i])).join("|");
      const prev = table.get(key);
      if (sink.mode === "APPEND" && prev) continue;
      if (prev && prev.partition === r.partition && BigInt(prev.offset) > BigInt(r.offset)) continue;
      table.set(key, { cells: r.cells, offset: r.offset, partition: r.partition });
      written += 1;
    }
    for (const o of offsets) {
      const k = `${sink.table}|${o.partition}`;
      const cur = this.highWater.get(k);
      if (cur === undefined || BigInt(o.offset) > cur) this.highWater.set(k, BigInt(o.offset));
    }
    return { written };
  }
  async readHighWater(sink: SinkSpec) {
    const m = new Map<number, bigint>();
    for (const [k, v] of this.highWater) {
      const [t, p] = k.split("|");
      if (t === sink.table) m.set(Number(p), v);
    }
    return m;
  }
  async close() {}
}
