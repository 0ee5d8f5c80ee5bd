/** An in-memory KafkaClient for unit tests: records produce requests, serves topics from a map. */
import type {
  AdminPort, ConsumerPort, KafkaClient, PartitionAck, ProducerPort, TopicRecords, TopicSpec,
} from "../../runtime/kafka/adapter.js";
import { TopicError } from "../../runtime/errors.js";

export interface FakeKafka extends KafkaClient {
  readonly requests: TopicRecords[][];
  readonly topics: Map<string, TopicSpec>;
  /** Make the next send() calls fail with this error. */
  failNext(error: unknown): void;
  /** Resolve sends only when called (to observe queuing). */
  holdSends(): () => void;
}

export function fakeKafka(topics: TopicSpec[] = []): FakeKafka {
  const requests: TopicRecords[][] = [];
  const map = new Map(topics.map((t) => [t.topic, t]));
  const offsets = new Map<string, number>();
  let failure: unknown;
  let gate: Promise<void> | undefined;
  const producer: ProducerPort = {
    async connect() {},
    async send(batch) {
      if (gate) await gate;
      if (failure) {
        const f = failure;
        failure = undefined;
        throw f;
      }
      requests.push(batch.map((t) => ({ topic: t.topic, records: [...t.records] })));
      const acks: PartitionAck[] = [];
      for (const t of batch) {
        const counts = new Map<number, number>();
        for (const r of t.records) counts.set(r.partition, (counts.get(r.partition) ?? 0) + 1);
        for (const [partition, n] of counts) {
          const k = `${t.topic}/${partition}`;
          const base = offsets.get(k) ?? 0;
          offsets.set(k, base + n);
          acks.push({ topic: t.topic, partition, baseOffset: String(base) });
        }
      }
      return acks;
    },
    async disconnect() {},
  };
  const admin: AdminPort = {
    async connect() {},
    async createTopics(specs) {
      const created = specs.filter((s) => !map.has(s.topic));
      for (const s of created) map.set(s.topic, s);
      return created.map((s) => s.topic);
    },
    async listTopics() {
      return [...map.keys()];
    },
    async partitionCount(topic) {
      const t = map.get(topic);
      if (!t) throw new TopicError(`topic ${topic} does not exist`, { context: { topic } });
      return t.partitions;
    },
    async deleteTopics() {},
    async committedOffsets() {
      return [];
    },
    async endOffsets() {
      return [];
    },
    async offsetsAt() {
      return [];
    },
    async disconnect() {},
  };
  return {
    requests,
    topics: map,
    failNext(e) {
      failure = e;
    },
    holdSends() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
    producer: () => producer,
    admin: () => admin,
    consumer: (): ConsumerPort => {
      throw new Error("fake consumer not implemented");
    },
  };
}
