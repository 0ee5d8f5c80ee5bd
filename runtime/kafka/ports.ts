/**
 * The Kafka ports: what the producer, the processor runner, the sinks and topic creation need
 * from a Kafka client (produce, consume with manual offset resolution and commits, admin for
 * topics). A driver (drivers/kafkajs.ts, drivers/platformatic.ts) implements them; nothing else in
 * the runtime knows which client library is underneath. Driver errors reach callers translated into
 * the runtime taxonomy (`KafkaClientError`, `TopicError`; drivers/classify.ts).
 */
import type { KafkaClientError } from "../errors.js";
import type { RuntimeLogger } from "../log.js";

export type HeaderValue = Buffer | string;

/** A record to produce. `partition` is chosen by the caller (the evt producer partitions itself). */
export interface OutgoingRecord {
  readonly key: Buffer | string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  readonly partition: number;
}

export interface TopicRecords {
  readonly topic: string;
  readonly records: readonly OutgoingRecord[];
}

/** Where each (topic, partition) group of one produce request landed. */
export interface PartitionAck {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the first record of this request in that partition (decimal int64). */
  readonly baseOffset: string;
}

export type Compression = "none" | "gzip";

export interface ProducerPort {
  connect(): Promise<void>;
  /** One produce request (per broker) for all records; records of one partition keep their order. */
  send(batch: readonly TopicRecords[], options: { compression: Compression; acks: -1 | 0 | 1; timeoutMs: number }): Promise<PartitionAck[]>;
  disconnect(): Promise<void>;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  /** Broker/producer timestamp, ms since epoch as a decimal string. */
  readonly timestamp: string;
}

/** What a batch handler may do with the group while it works through a partition's batch. */
export interface BatchControl {
  /** Marks `offset` as done; only resolved offsets are ever committed. */
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /**
   * Commits resolved offsets if `commitIntervalMs` has passed since the last commit (kafkajs's
   * commitOffsetsIfNecessary); they are also committed on that interval and on rebalance/stop.
   * (kafkajs's runner also commits after every batch on its own: D100.)
   */
  commit(): Promise<void>;
  /** False once the consumer is stopping. */
  isRunning(): boolean;
  /** True when the partition was revoked or seeked: stop working on this batch. */
  isStale(): boolean;
  /** Stops fetching this partition until the returned resume is called. */
  pause(): () => void;
}

export interface ConsumerRunOptions {
  readonly eachBatch: (topic: string, partition: number, records: readonly ConsumedRecord[], control: BatchControl) => Promise<void>;
  /** Partitions handled at once (each partition stays in order). */
  readonly partitionsConcurrently: number;
  readonly commitIntervalMs: number;
  /**
   * Commit resolved offsets automatically (default true). Sinks pass false: they resolve offsets
   * to move the fetch position and commit with `commitOffsets` only after the warehouse commit.
   */
  readonly autoCommit?: boolean;
}

export interface ConsumerPort {
  connect(): Promise<void>;
  subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void>;
  run(options: ConsumerRunOptions): Promise<void>;
  /** Called with the new assignment after every rebalance. */
  onAssignment(listener: (assignment: Record<string, number[]>) => void): void;
  /** Called when the driver gives up (a crash it will not restart from). */
  onFatal(listener: (error: KafkaClientError) => void): void;
  /**
   * Moves the fetch position of an assigned partition (after `run`); batches already fetched
   * for it become stale. Sinks use it to resume from the warehouse's high-water offset.
   */
  seek?(topic: string, partition: number, offset: string): void;
  /** Commits these next-offsets for the group now (offset = last processed + 1). */
  commitOffsets?(offsets: readonly { topic: string; partition: number; offset: string }[]): Promise<void>;
  /** Stops fetching, commits resolved offsets, leaves the group. */
  disconnect(): Promise<void>;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** `retention.ms`; absent → broker default. */
  readonly retentionMs?: number;
  readonly replicationFactor?: number;
}

export interface AdminPort {
  connect(): Promise<void>;
  /** Creates the topics that do not exist; returns the names it created. */
  createTopics(specs: readonly TopicSpec[]): Promise<string[]>;
  listTopics(): Promise<string[]>;
  /** Partition count; throws TopicError when the topic does not exist. */
  partitionCount(topic: string): Promise<number>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** Committed offset per partition for a group (-1 when none). */
  committedOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string }[]>;
  /** The topic as the broker has it (partitions, effective configs), or undefined when it does not exist. */
  describeTopic?(topic: string): Promise<TopicDescription | undefined>;
  /** Per partition: the earliest retained offset and the end offset (the next one to be written). */
  endOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]>;
  /** Per partition: the first offset whose record timestamp is ≥ `timestampMs` (-1: none, i.e. the end). */
  offsetsAt(topic: string, timestampMs: number): Promise<{ partition: number; offset: string }[]>;
  disconnect(): Promise<void>;
}

/** A topic as the broker reports it: partition count and effective config values (`retention.ms`, `cleanup.policy`, `max.message.bytes`, …). */
export interface TopicDescription {
  readonly topic: string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
}

export interface ConsumerPortOptions {
  readonly groupId: string;
  /** Upper bound of bytes one fetch returns (the consumer's memory bound per broker). */
  readonly maxBytes: number;
  readonly maxBytesPerPartition: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
}

export interface KafkaClient {
  producer(options: { idempotent: boolean }): ProducerPort;
  consumer(options: ConsumerPortOptions): ConsumerPort;
  admin(): AdminPort;
}

/** The Kafka client libraries evt can run on (see `createKafkaClient`). */
export const KAFKA_DRIVERS = ["kafkajs", "platformatic"] as const;
export type KafkaDriverName = (typeof KAFKA_DRIVERS)[number];

/** Driver-neutral connection settings; each driver maps them onto its own options. */
export interface KafkaClientConfig {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /**
   * Which client library: `kafkajs` or `platformatic` (`@platformatic/kafka`). Default: the
   * `EVT_KAFKA_DRIVER` environment variable, else the runtime's default driver.
   */
  readonly driver?: KafkaDriverName;
  /** Driver log level (kafkajs); default WARN. */
  readonly logLevel?: "nothing" | "error" | "warn" | "info" | "debug";
  /** Where the driver's own log lines go, in evt's shape (default: evt's JSON logger on stderr). */
  readonly logger?: RuntimeLogger;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Extra kafkajs options (ssl, sasl, …), passed through when the driver is kafkajs. */
  readonly kafkajs?: Readonly<Record<string, unknown>>;
  /** Extra `@platformatic/kafka` base options (tls, sasl, …), passed through when the driver is platformatic. */
  readonly platformatic?: Readonly<Record<string, unknown>>;
}
