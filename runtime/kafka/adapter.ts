/**
 * The Kafka client adapter: the only file that knows kafkajs. The producer, the processor runner
 * and topic creation talk to these small ports (produce, consume with manual offset resolution
 * and commits, admin for topics), so a later driver (librdkafka-based, say) replaces this file
 * without touching generated code or processors. kafkajs errors are translated here into the
 * runtime taxonomy (`KafkaClientError`, `TopicError`) with their `retriable` verdict.
 */
import kafkajs from "kafkajs";
import type {
  Admin, Consumer, EachBatchPayload, KafkaConfig, Message, Producer, ProducerBatch,
} from "kafkajs";
import { KafkaClientError, TopicError } from "../errors.js";
import { jsonLogger, type RuntimeLogger } from "../log.js";

const { Kafka, CompressionTypes, ConfigResourceTypes, Partitioners, logLevel: KafkaLogLevel } = kafkajs;

// ---- ports ---------------------------------------------------------------------------------

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
  /** Commits resolved offsets now (otherwise they are committed every `commitIntervalMs` and on rebalance/stop). */
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

// ---- kafkajs implementation ----------------------------------------------------------------

export interface KafkaClientConfig {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** kafkajs log level; default WARN. */
  readonly logLevel?: "nothing" | "error" | "warn" | "info" | "debug";
  /** Where kafkajs's own log lines go, in evt's shape (default: evt's JSON logger on stderr). */
  readonly logger?: RuntimeLogger;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Extra kafkajs options (ssl, sasl, …), passed through. */
  readonly kafkajs?: Partial<KafkaConfig>;
}

const LOG_LEVELS = {
  nothing: KafkaLogLevel.NOTHING, error: KafkaLogLevel.ERROR, warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO, debug: KafkaLogLevel.DEBUG,
} as const;

/** kafkajs error → runtime error: keep kafkajs's `retriable`, name the topic when there is one. */
export function translateKafkaError(e: unknown, context: Record<string, string | number> = {}): KafkaClientError | TopicError {
  if (e instanceof KafkaClientError || e instanceof TopicError) return e;
  const err = e as { name?: string; message?: string; retriable?: boolean; type?: string };
  const message = err.message ?? String(e);
  if (err.type === "UNKNOWN_TOPIC_OR_PARTITION" || /does not host this topic-partition/.test(message)) {
    return new TopicError(`topic ${context.topic ?? "?"} does not exist: ${message}`, { cause: e, context });
  }
  const code = protocolCode(e);
  const connection = isConnectionClass(e);
  const ctx = { ...context, ...(code ? { code } : {}), ...(connection ? { connection: true } : {}) };
  // kafkajs gives up on an unreachable broker with KafkaJSNumberOfRetriesExceeded (retriable=false):
  // the outage may be short, so a connection-class failure stays retriable for our own bounded retry
  return new KafkaClientError(`kafka: ${message}`, { retriable: (err.retriable ?? false) || connection, cause: e, context: ctx });
}

const CONNECTION_ERRORS = new Set(["KafkaJSConnectionError", "KafkaJSConnectionClosedError", "KafkaJSRequestTimeoutError", "KafkaJSBrokerNotFound"]);
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const LEADERSHIP_TYPES = new Set(["NOT_LEADER_FOR_PARTITION", "NOT_LEADER_OR_FOLLOWER", "LEADER_NOT_AVAILABLE", "NOT_ENOUGH_REPLICAS", "REQUEST_TIMED_OUT", "NETWORK_EXCEPTION"]);

/** True when `e` (or an error in its cause chain) says the broker could not be reached or lost its connection. */
export function isConnectionClass(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 8; cur = (cur as { cause?: unknown; originalError?: unknown }).cause ?? (cur as { originalError?: unknown }).originalError, depth++) {
    const c = cur as { name?: string; code?: string; type?: string };
    if ((c.name && CONNECTION_ERRORS.has(c.name)) || (c.code && CONNECTION_CODES.has(c.code)) || (c.type && LEADERSHIP_TYPES.has(c.type))) return true;
  }
  return false;
}

/** The Kafka protocol error type (e.g. MESSAGE_TOO_LARGE) of `e` or its cause chain. */
export function protocolCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 8; cur = (cur as { cause?: unknown }).cause, depth++) {
    const t = (cur as { type?: unknown }).type;
    if (typeof t === "string") return t;
    const code = (cur as { context?: { code?: unknown } }).context?.code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/**
 * kafkajs's log lines through evt's logger (one JSON shape on stderr): `msg` is kafkajs's message
 * prefixed `kafka:`, its fields (broker, groupId, error, …) follow; its own timestamp is dropped.
 */
function logCreatorFor(logger: RuntimeLogger): NonNullable<KafkaConfig["logCreator"]> {
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _t, logger: _l, stack: _s, ...fields } = log as { message: string; timestamp?: string; logger?: string; stack?: string } & Record<string, unknown>;
    let at: "error" | "warn" | "info" | "debug" = level <= KafkaLogLevel.ERROR ? "error" : level === KafkaLogLevel.WARN ? "warn" : level === KafkaLogLevel.INFO ? "info" : "debug";
    // each connection retry is noise: the outcome is one line (connected, or `unreachable` below)
    if (namespace === "Connection" || namespace === "BrokerPool") at = "debug";
    logger[at](`kafka: ${message}`, { component: "kafkajs", namespace, ...fields });
  };
}

/**
 * A failed connect, after kafkajs's bounded retries: one line naming the brokers and what the
 * network said, so "Kafka unreachable" reads as such (retriable: the brokers may come back).
 */
export function unreachable(e: unknown, brokers: readonly string[]): KafkaClientError {
  const err = e as { name?: string; message?: string; retryCount?: number; cause?: { message?: string } };
  const name = err.name ?? "";
  if (!/Connection|NumberOfRetriesExceeded|BrokerNotFound|NonRetriable|Timeout/i.test(name) && !/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|Connection/i.test(err.message ?? "")) {
    return translateKafkaError(e) as KafkaClientError;
  }
  const detail = err.cause?.message ?? err.message ?? String(e);
  const attempts = err.retryCount !== undefined ? ` after ${err.retryCount + 1} attempts` : "";
  return new KafkaClientError(`kafka: cannot reach the brokers ${brokers.join(",")}${attempts}: ${detail}`, {
    retriable: true, cause: e, context: { brokers: brokers.join(",") },
  });
}

export function createKafkajsClient(config: KafkaClientConfig): KafkaClient {
  const kafka = new Kafka({
    ...config.kafkajs,
    brokers: [...config.brokers],
    clientId: config.clientId ?? "evt",
    logLevel: LOG_LEVELS[config.logLevel ?? "warn"],
    logCreator: logCreatorFor(config.logger ?? jsonLogger({ level: "debug", base: { component: "kafkajs" } })),
    connectionTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
  });
  const brokers = config.brokers;
  return {
    producer: (options) => kafkajsProducer(kafka.producer({
      // explicit, so kafkajs does not warn about its v2 default; evt producers choose partitions themselves
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: options.idempotent,
      // idempotence needs acks=all and (in kafkajs) serialises requests per broker itself
      maxInFlightRequests: options.idempotent ? 5 : undefined,
      // topics are created from the contracts, never by sending to them
      allowAutoTopicCreation: false,
    }), brokers),
    consumer: (options) => kafkajsConsumer(kafka.consumer({
      groupId: options.groupId,
      maxBytes: options.maxBytes,
      maxBytesPerPartition: options.maxBytesPerPartition,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      allowAutoTopicCreation: false,
      // a short wait keeps latency low when the topic is idle; under load fetches fill up first
      maxWaitTimeInMs: 250,
    }), brokers),
    admin: () => kafkajsAdmin(kafka.admin(), brokers),
  };
}

function kafkajsProducer(producer: Producer, brokers: readonly string[]): ProducerPort {
  return {
    async connect() {
      try {
        await producer.connect();
      } catch (e) {
        throw unreachable(e, brokers);
      }
    },
    async send(batch, options) {
      const topicMessages: ProducerBatch["topicMessages"] = batch.map((t) => ({
        topic: t.topic,
        messages: t.records as unknown as Message[],
      }));
      try {
        const acks = await producer.sendBatch({
          topicMessages,
          acks: options.acks,
          timeout: options.timeoutMs,
          compression: options.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None,
        });
        return acks.map((a) => ({ topic: a.topicName, partition: a.partition, baseOffset: a.baseOffset ?? "-1" }));
      } catch (e) {
        throw translateKafkaError(e, batch.length === 1 ? { topic: batch[0]!.topic } : {});
      }
    },
    async disconnect() {
      await producer.disconnect();
    },
  };
}

function kafkajsConsumer(consumer: Consumer, brokers: readonly string[]): ConsumerPort {
  return {
    async connect() {
      try {
        await consumer.connect();
      } catch (e) {
        throw unreachable(e, brokers);
      }
    },
    async subscribe(topics, fromBeginning) {
      try {
        await consumer.subscribe({ topics: [...topics], fromBeginning });
      } catch (e) {
        throw translateKafkaError(e, { topic: topics.join(",") });
      }
    },
    async run(options) {
      await consumer.run({
        autoCommit: options.autoCommit ?? true, // commits only offsets we resolved: on the interval, on rebalance and on stop
        autoCommitInterval: options.commitIntervalMs,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConcurrently,
        eachBatch: async (payload: EachBatchPayload) => {
          const { batch } = payload;
          const control: BatchControl = {
            resolveOffset: payload.resolveOffset,
            heartbeat: payload.heartbeat,
            commit: () => payload.commitOffsetsIfNecessary(),
            isRunning: payload.isRunning,
            isStale: payload.isStale,
            pause: payload.pause,
          };
          // kafkajs's KafkaMessage already has key/value/headers/offset/timestamp: pass it through
          // without copying (one object per record is kafkajs's, none is ours)
          const records = batch.messages as unknown as ConsumedRecord[];
          for (const m of records) {
            (m as { topic: string }).topic = batch.topic;
            (m as { partition: number }).partition = batch.partition;
          }
          await options.eachBatch(batch.topic, batch.partition, records, control);
        },
      });
    },
    onAssignment(listener) {
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        listener(e.payload.memberAssignment as Record<string, number[]>);
      });
    },
    onFatal(listener) {
      consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) listener(translateKafkaError(e.payload.error));
      });
    },
    seek(topic, partition, offset) {
      consumer.seek({ topic, partition, offset });
    },
    async commitOffsets(offsets) {
      try {
        await consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
      } catch (e) {
        throw translateKafkaError(e);
      }
    },
    async disconnect() {
      await consumer.disconnect();
    },
  };
}

function kafkajsAdmin(admin: Admin, brokers: readonly string[]): AdminPort {
  return {
    async connect() {
      try {
        await admin.connect();
      } catch (e) {
        throw unreachable(e, brokers);
      }
    },
    async createTopics(specs) {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (missing.length === 0) return [];
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({
            topic: s.topic,
            numPartitions: s.partitions,
            replicationFactor: s.replicationFactor ?? -1,
            configEntries: s.retentionMs === undefined ? [] : [{ name: "retention.ms", value: String(s.retentionMs) }],
          })),
        });
      } catch (e) {
        // another process may have created some of them meanwhile: that is success
        const err = e as { type?: string };
        if (err.type !== "TOPIC_ALREADY_EXISTS") {
          throw new TopicError(`cannot create topics ${missing.map((s) => s.topic).join(", ")}: ${(e as Error).message}`, { cause: e });
        }
      }
      return missing.map((s) => s.topic);
    },
    listTopics: () => admin.listTopics(),
    async partitionCount(topic) {
      // check existence first: kafkajs retries metadata for an unknown topic for seconds
      const topics = await admin.listTopics().catch((e: unknown) => {
        throw translateKafkaError(e, { topic });
      });
      if (!topics.includes(topic)) {
        throw new TopicError(`topic ${topic} does not exist; create it from the contracts (ensureTopics / \`createTopics: true\`)`, { context: { topic } });
      }
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const n = meta.topics[0]?.partitions.length ?? 0;
        if (n === 0) throw new TopicError(`topic ${topic} has no partitions`, { context: { topic } });
        return n;
      } catch (e) {
        throw translateKafkaError(e, { topic });
      }
    },
    async deleteTopics(topics) {
      await admin.deleteTopics({ topics: [...topics] });
    },
    async committedOffsets(groupId, topic) {
      const res = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (res[0]?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }));
    },
    async endOffsets(topic) {
      try {
        const res = await admin.fetchTopicOffsets(topic);
        return res.map((p) => ({ partition: p.partition, low: p.low, high: p.high })).sort((a, b) => a.partition - b.partition);
      } catch (e) {
        throw translateKafkaError(e, { topic });
      }
    },
    async describeTopic(topic) {
      try {
        if (!(await admin.listTopics()).includes(topic)) return undefined;
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
        const config: Record<string, string> = {};
        for (const entry of res.resources[0]?.configEntries ?? []) if (entry.configValue !== null) config[entry.configName] = entry.configValue;
        return { topic, partitions: meta.topics[0]?.partitions.length ?? 0, config };
      } catch (e) {
        throw translateKafkaError(e, { topic });
      }
    },
    async offsetsAt(topic, timestampMs) {
      try {
        const res = await admin.fetchTopicOffsetsByTimestamp(topic, timestampMs);
        return res.map((p) => ({ partition: p.partition, offset: p.offset }));
      } catch (e) {
        throw translateKafkaError(e, { topic });
      }
    },
    async disconnect() {
      await admin.disconnect();
    },
  };
}
