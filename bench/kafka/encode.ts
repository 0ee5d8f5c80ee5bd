/**
 * CPU cost per event of the produce path without a broker, for profiling the producer's hot path:
 *   npx tsx bench/kafka/encode.ts [raw|evt] [--events 200000] [--repeat 3]
 * Both sides go through what kafkajs does in-process before a produce request reaches the socket
 * (group by partition, encode records, record batches with CRC32C, the Produce v3 request); the
 * broker is replaced by an immediate ack. raw sends the pre-encoded values and string headers as
 * bench/kafka/phase.ts does; evt goes through `createProducer().send()` (validation, protobuf
 * encoding, key, partition, headers, ids). Prints µs of CPU (user + system) per event per run.
 * Run under `node --cpu-prof --import tsx` to see where the time goes.
 */
import { createRequire } from "node:module";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { randomBytes } from "node:crypto";
import { createProducer, uuidv7, type KafkaClient, type OutgoingRecord, type TopicRecords } from "../../runtime/index.js";
import { partitionForKey } from "../../runtime/kafka/partitioner.js";
import { pageContract } from "../../test/fixtures/runtime/contracts.js";
import { PageViewedSchema, type PageViewed } from "../../test/fixtures/runtime/gen/shop/v1/shop_pb.js";

const require = createRequire(import.meta.url);
type Encode = () => Promise<{ buffer: Buffer }>;
const produceV3 = require("kafkajs/src/protocol/requests/produce/v3/request.js") as (a: object) => { encode: Encode };
const groupMessagesPerPartition = require("kafkajs/src/producer/groupMessagesPerPartition.js") as (a: object) => Record<string, unknown[]>;

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const scenarios = process.argv[2] === "raw" || process.argv[2] === "evt" ? [process.argv[2]] : ["raw", "evt"];
const N = Number(arg("events", "200000"));
const repeat = Number(arg("repeat", "3"));
const CHUNK = 800;
const POOL = 1000;
const PARTITIONS = 4;
const topic = "bench.encode";
const contract = pageContract(topic, PARTITIONS);
const partitionMetadata = Array.from({ length: PARTITIONS }, (_, i) => ({ partitionId: i, leader: 0 }));
const partitioner = ({ message }: { message: { partition: number } }) => message.partition;

/** What kafkajs's sendMessages + broker.produce do before the socket write. */
async function encodeLikeKafkajs(batch: readonly TopicRecords[]): Promise<number> {
  const topicData = batch.map((t) => {
    const per = groupMessagesPerPartition({ topic: t.topic, partitionMetadata, messages: t.records, partitioner });
    return { topic: t.topic, partitions: Object.keys(per).map((p) => ({ partition: Number(p), firstSequence: 0, messages: per[p] })) };
  });
  const request = produceV3({ acks: -1, timeout: 30_000, compression: 0, topicData });
  return (await request.encode()).buffer.length;
}

function pool(): PageViewed[] {
  return Array.from({ length: POOL }, (_, i) => {
    const e = create(PageViewedSchema, { sessionId: BigInt(1_000_000 + i), url: `https://shop.example/p/${i}`, viewedAt: timestampFromMs(1_700_000_000_000 + i) });
    const base = toBinary(PageViewedSchema, e).length;
    e.payload = randomBytes(1024 - base - 3);
    return e;
  });
}

async function raw(events: PageViewed[]): Promise<void> {
  const values = events.map((e) => Buffer.from(toBinary(PageViewedSchema, e)));
  const keys = events.map((e) => Buffer.from(String(e.sessionId)));
  const parts = keys.map((k) => partitionForKey(k, PARTITIONS));
  const constant = { ce_specversion: "1.0", ce_source: "bench", ce_type: contract.type, "content-type": "application/protobuf", evt_schema: contract.fingerprint };
  for (let sent = 0; sent < N; sent += CHUNK) {
    const time = new Date().toISOString();
    const records = [];
    for (let i = sent; i < Math.min(N, sent + CHUNK); i++) {
      const j = i % POOL;
      records.push({ key: keys[j]!, value: values[j]!, partition: parts[j]!, headers: { ...constant, ce_id: uuidv7(), ce_time: time } });
    }
    await encodeLikeKafkajs([{ topic, records }]);
  }
}

async function evt(events: PageViewed[]): Promise<void> {
  const client: KafkaClient = {
    producer: () => ({
      connect: async () => {},
      disconnect: async () => {},
      send: async (batch) => {
        await encodeLikeKafkajs(batch);
        return batch.flatMap((t) => [...new Set(t.records.map((r: OutgoingRecord) => r.partition))].map((partition) => ({ topic: t.topic, partition, baseOffset: "0" })));
      },
    }),
    consumer: () => { throw new Error("not used"); },
    admin: () => ({
      connect: async () => {}, disconnect: async () => {}, partitionCount: async () => PARTITIONS,
      createTopics: async () => [], listTopics: async () => [topic], deleteTopics: async () => {}, committedOffsets: async () => [], endOffsets: async () => [], offsetsAt: async () => [],
    }),
  };
  const producer = createProducer({ client, source: "bench", compression: "none" });
  await producer.connect();
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < N; sent += CHUNK) {
    const chunk: PageViewed[] = [];
    for (let i = sent; i < Math.min(N, sent + CHUNK); i++) chunk.push(events[i % POOL]!);
    inFlight.push(producer.send(contract, chunk));
    if (inFlight.length >= 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.disconnect();
}

const events = pool();
for (let r = 0; r < repeat; r++) {
  for (const s of scenarios) {
    const before = process.cpuUsage();
    await (s === "raw" ? raw(events) : evt(events));
    const cpu = process.cpuUsage(before);
    console.log(`${s}: ${((cpu.user + cpu.system) / N).toFixed(2)} µs CPU per event`);
  }
}
