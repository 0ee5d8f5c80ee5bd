/**
 * The kafkajs driver: the ports (../ports.ts) on kafkajs. kafkajs is an optional peer of
 * @evt/runtime: the adapter loads it on use and passes the module in, so this file imports only its
 * types. kafkajs's log lines go through evt's logger; its errors are translated by ./classify.ts.
 */
import type kafkajs from "kafkajs";
import type {
  Admin, Consumer, EachBatchPayload, KafkaConfig, Message, Producer, ProducerBatch,
} from "kafkajs";
import { TopicError } from "../../errors.js";
import { jsonLogger, type RuntimeLogger } from "../../log.js";
import type {
  AdminPort, BatchControl, ConsumedRecord, ConsumerPort, KafkaClient, KafkaClientConfig, ProducerPort,
} from "../ports.js";
import { connectTo, translateKafkaError } from "./classify.js";

export type KafkajsModule = typeof kafkajs;

/** kafkajs's numeric log levels (its `logLevel` enum), as evt's names. */
const LOG_LEVELS = { nothing: 0, error: 1, warn: 2, info: 4, debug: 5 } as const;
const KafkaLogLevel = { ERROR: 1, WARN: 2, INFO: 4 } as const;

/**
 * kafkajs's log lines through evt's logger (one JSON shape on stderr): `msg` is kafkajs's message
 * prefixed `kafka:`, its fields (broker, groupId, error, …) follow; its own timestamp is dropped.
 */
function logCreatorFor(logger: RuntimeLogger): NonNullable<KafkaConfig["logCreator"]> {
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _t, logger: _l, stack: _s, ...fields } = log as { message: string; timestamp?: string; logger?: string; stack?: string } & Record<string, unknown>;
    let at: "error" | "warn" | "info" | "debug" = level <= KafkaLogLevel.ERROR ? "error" : level === KafkaLogLevel.WARN ? "warn" : level === KafkaLogLevel.INFO ? "info" : "debug";
    // each connection retry is noise: the outcome is one line (connected, or `connectTo`'s unreachable error)
    if (namespace === "Connection" || namespace === "BrokerPool") at = "debug";
    logger[at](`kafka: ${message}`, { component: "kafkajs", namespace, ...fields });
  };
}

/** The ports on kafkajs (the adapter's `createKafkaClient` loads this module when the driver is kafkajs). */
export function createKafkajsDriver(lib: KafkajsModule, config: KafkaClientConfig): KafkaClient {
  const { Kafka, Partitioners } = lib;
  const kafka = new Kafka({
    ...(config.kafkajs as Partial<KafkaConfig> | undefined),
    brokers: [...config.brokers],
    clientId: config.clientId ?? "evt",
    logLevel: LOG_LEVELS[config.logLevel ?? "warn"],
    logCreator: logCreatorFor(config.logger ?? jsonLogger({ level: "debug", base: { component: "kafkajs" } })),
    connectionTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
  });
  const brokers = config.brokers;
  return {
    producer: (options) => kafkajsProducer(lib, kafka.producer({
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
    admin: () => kafkajsAdmin(lib, kafka.admin(), brokers),
  };
}

function kafkajsProducer({ CompressionTypes }: KafkajsModule, producer: Producer, brokers: readonly string[]): ProducerPort {
  return {
    async connect() {
      await connectTo(brokers, () => producer.connect());
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
      await connectTo(brokers, () => consumer.connect());
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

function kafkajsAdmin({ ConfigResourceTypes }: KafkajsModule, admin: Admin, brokers: readonly string[]): AdminPort {
  return {
    async connect() {
      await connectTo(brokers, () => admin.connect());
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
