/**
 * The @platformatic/kafka driver: the ports (../ports.ts) on @platformatic/kafka 1.x, a pure
 * TypeScript client (no native addon) whose record encoding and decoding cost a fraction of
 * kafkajs's (bench/kafka). @platformatic/kafka is an optional peer of @evt/runtime: the adapter
 * loads it on use and passes the module in, so this file imports only its types. Producer and admin map one to one; the consumer is its own fetch
 * loop over the library's group membership (./platformatic-consumer.ts). Errors are translated by
 * ./classify.ts.
 *
 * The 1.x line is used because 2.x needs Node ≥ 22 and evt runs on Node 20.
 */
import type * as Platformatic from "@platformatic/kafka";
import type { Admin } from "@platformatic/kafka";
import { TopicError } from "../../errors.js";
import type { AdminPort, KafkaClient, KafkaClientConfig, ProducerPort, TopicDescription } from "../ports.js";
import { connectTo, translateKafkaError } from "./classify.js";
import { platformaticConsumer } from "./platformatic-consumer.js";

/** Options every platformatic client of one evt client shares. */
export interface BaseClientOptions {
  readonly clientId: string;
  readonly bootstrapBrokers: string[];
  readonly connectTimeout: number;
  readonly requestTimeout: number;
  /** Operation timeout (metadata, produce, …). */
  readonly timeout: number;
  /**
   * The library's own retries of one operation (it retries only what it calls retriable). Kept
   * small: evt's producer, runner and sinks retry connection-class failures themselves with backoff
   * and a time budget, so a long inner loop would only hide an outage from them.
   */
  readonly retries: number;
  readonly retryDelay: number;
  readonly autocreateTopics: false;
}

/** Strings (evt's keys and header names/values may be strings) as the Buffers the wire needs. */
const toBuffer = (v: Buffer | string | undefined): Buffer | undefined => (typeof v === "string" ? Buffer.from(v) : v);
// Header names repeat on every record (ce_id, ce_time, …: ~10 per event): encoded once each. The
// library copies them into the request, so sharing one Buffer is safe; bounded, should a caller
// make names up per record.
const headerKeys = new Map<string, Buffer>();
const headerKey = (v: Buffer | string | undefined): Buffer | undefined => {
  if (typeof v !== "string") return v;
  let b = headerKeys.get(v);
  if (!b) {
    b = Buffer.from(v);
    if (headerKeys.size < 1024) headerKeys.set(v, b);
  }
  return b;
};
const SERIALIZERS = { key: toBuffer, value: toBuffer, headerKey, headerValue: toBuffer };

export type PlatformaticModule = typeof Platformatic;

export function createPlatformaticDriver(lib: PlatformaticModule, config: KafkaClientConfig): KafkaClient {
  const base: BaseClientOptions = {
    ...(config.platformatic as object | undefined),
    clientId: config.clientId ?? "evt",
    bootstrapBrokers: [...config.brokers],
    connectTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    timeout: config.requestTimeoutMs ?? 30_000,
    retries: 2,
    retryDelay: 250,
    // topics are created from the contracts, never by sending to or reading from them
    autocreateTopics: false,
  };
  const brokers = config.brokers;
  return {
    producer: (options) => platformaticProducer(lib, base, options.idempotent, brokers),
    consumer: (options) => platformaticConsumer(lib, base, options, brokers),
    admin: () => platformaticAdmin(lib, base, brokers),
  };
}

function platformaticProducer({ Producer }: PlatformaticModule, base: BaseClientOptions, idempotent: boolean, brokers: readonly string[]): ProducerPort {
  // the library sets acks=all and one request in flight per connection for an idempotent producer;
  // `retries` above 1 keeps it from switching to retrying forever (evt bounds retries itself)
  const producer = new Producer<Buffer | string, Buffer, Buffer | string, Buffer | string>({
    ...base, idempotent, serializers: SERIALIZERS as never, strict: false,
  });
  return {
    async connect() {
      // the library connects lazily; a metadata round trip proves the brokers answer now
      await connectTo(brokers, () => producer.metadata({ topics: [] }));
    },
    async send(batch, options) {
      const messages = [];
      for (const t of batch) {
        for (const r of t.records) {
          messages.push({ topic: t.topic, key: r.key ?? undefined, value: r.value, headers: r.headers as Record<string, Buffer | string>, partition: r.partition });
        }
      }
      try {
        const result = await producer.send({ messages, acks: options.acks, compression: options.compression === "gzip" ? "gzip" : "none" });
        return (result.offsets ?? []).map((o) => ({ topic: o.topic, partition: o.partition, baseOffset: o.offset.toString() }));
      } catch (e) {
        throw translateKafkaError(e, batch.length === 1 ? { topic: batch[0]!.topic } : {});
      }
    },
    async disconnect() {
      await producer.close();
    },
  };
}

function platformaticAdmin(lib: PlatformaticModule, base: BaseClientOptions, brokers: readonly string[]): AdminPort {
  const { Admin, ConfigResourceTypes, ListOffsetTimestamps } = lib;
  const admin = new Admin({ ...base });
  const guard = async <T>(topic: string | undefined, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw translateKafkaError(e, topic === undefined ? {} : { topic });
    }
  };
  const partitionsOf = async (topic: string): Promise<number> => {
    const meta = await admin.metadata({ topics: [topic], forceUpdate: true });
    return meta.topics.get(topic)?.partitionsCount ?? 0;
  };
  const offsetsAt = async (topic: string, timestamp: bigint) => {
    const n = await partitionsOf(topic);
    const res = await admin.listOffsets({
      topics: [{ name: topic, partitions: Array.from({ length: n }, (_, partitionIndex) => ({ partitionIndex, timestamp })) }],
    });
    return (res[0]?.partitions ?? []).map((p) => ({ partition: p.partitionIndex, offset: p.offset })).sort((a, b) => a.partition - b.partition);
  };
  return {
    async connect() {
      await connectTo(brokers, () => admin.metadata({ topics: [] }));
    },
    async createTopics(specs) {
      const existing = new Set(await guard(undefined, () => admin.listTopics()));
      const missing = specs.filter((s) => !existing.has(s.topic));
      // one request per spec: partitions and configs are per request in this API
      const created: string[] = [];
      for (const s of missing) {
        try {
          await admin.createTopics({
            topics: [s.topic],
            partitions: s.partitions,
            replicas: s.replicationFactor ?? -1,
            configs: s.retentionMs === undefined ? [] : [{ name: "retention.ms", value: String(s.retentionMs) }],
          });
        } catch (e) {
          // another process may have created it meanwhile: that is success
          if (translateKafkaError(e).context.code !== "TOPIC_ALREADY_EXISTS") {
            throw new TopicError(`cannot create topics ${missing.map((m) => m.topic).join(", ")}: ${(e as Error).message}`, { cause: e });
          }
        }
        created.push(s.topic);
      }
      // the library answers before every partition has a leader: wait for them, as kafkajs's waitForLeaders does
      for (const topic of created) await waitForLeaders(admin, topic);
      return created;
    },
    listTopics: () => guard(undefined, () => admin.listTopics()),
    async partitionCount(topic) {
      const topics = await guard(topic, () => admin.listTopics());
      if (!topics.includes(topic)) {
        throw new TopicError(`topic ${topic} does not exist; create it from the contracts (ensureTopics / \`createTopics: true\`)`, { context: { topic } });
      }
      const n = await guard(topic, () => partitionsOf(topic));
      if (n === 0) throw new TopicError(`topic ${topic} has no partitions`, { context: { topic } });
      return n;
    },
    async deleteTopics(topics) {
      await guard(undefined, () => admin.deleteTopics({ topics: [...topics] }));
    },
    async committedOffsets(groupId, topic) {
      const n = await guard(topic, () => partitionsOf(topic));
      const res = await guard(topic, () => admin.listConsumerGroupOffsets({
        groups: [{ groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: n }, (_, i) => i) }] }],
      }));
      const parts = res[0]?.topics.find((t) => t.name === topic)?.partitions ?? [];
      return parts.map((p) => ({ partition: p.partitionIndex, offset: p.committedOffset.toString() })).sort((a, b) => a.partition - b.partition);
    },
    async endOffsets(topic) {
      return guard(topic, async () => {
        const [low, high] = await Promise.all([offsetsAt(topic, ListOffsetTimestamps.EARLIEST), offsetsAt(topic, ListOffsetTimestamps.LATEST)]);
        return high.map((h) => ({ partition: h.partition, low: (low.find((l) => l.partition === h.partition)?.offset ?? 0n).toString(), high: h.offset.toString() }));
      });
    },
    async describeTopic(topic) {
      return guard(topic, async () => {
        if (!(await admin.listTopics()).includes(topic)) return undefined;
        const partitions = await partitionsOf(topic);
        const res = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }], includeSynonyms: false });
        const config: Record<string, string> = {};
        for (const entry of res[0]?.configs ?? []) if (typeof entry.value === "string") config[entry.name] = entry.value;
        return { topic, partitions, config } satisfies TopicDescription;
      });
    },
    async offsetsAt(topic, timestampMs) {
      return guard(topic, async () => (await offsetsAt(topic, BigInt(timestampMs))).map((o) => ({ partition: o.partition, offset: o.offset.toString() })));
    },
    async disconnect() {
      await admin.close();
    },
  };
}

/** Polls metadata until every partition of a new topic has a leader (bounded: 10 s). */
async function waitForLeaders(admin: Admin, topic: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const meta = await admin.metadata({ topics: [topic], forceUpdate: true }).catch(() => undefined);
    const t = meta?.topics.get(topic);
    if (t && t.partitionsCount > 0 && t.partitions.every((p) => p !== undefined && p.leader >= 0)) return;
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
