/**
 * One benchmark phase in its own process, so its peak RSS is its own:
 *   node --import tsx bench/kafka/phase.ts <scenario> <produce|consume> <topic> <events> <partitions> <compression>
 * scenario: raw-kafkajs | raw-platformatic (the client alone: the same values and headers,
 * pre-encoded) or evt-kafkajs | evt-platformatic (createProducer / startRunner on that driver:
 * validation, encoding, headers, partitioning; decode by ce_type, required-field check, no-op handler).
 * Prints one JSON line: { scenario, phase, events, bytes, seconds, eventsPerSec, mbPerSec, peakRssMb }.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { randomBytes } from "node:crypto";
import * as platformatic from "@platformatic/kafka";
import kafkajs from "kafkajs";
import {
  createProducer, defineProcessor, startRunner, uuidv7, type Compression,
} from "../../runtime/index.js";
import { pageContract } from "../../test/fixtures/runtime/contracts.js";
import { PageViewedSchema, type PageViewed } from "../../test/fixtures/runtime/gen/shop/v1/shop_pb.js";
import { partitionForKey } from "../../runtime/kafka/partitioner.js";

const [scenario, phase, topic, eventsArg, partitionsArg, compressionArg] = process.argv.slice(2);
const N = Number(eventsArg);
const partitions = Number(partitionsArg);
const compression = (compressionArg ?? "none") as Compression;
const brokers = [`127.0.0.1:${process.env.EVT_KAFKA_PORT ?? "19092"}`];
const CHUNK = 800; // events per send: ~0.9 MB, under the broker's 1 MiB record-batch limit
const POOL = 1000;
const contract = pageContract(topic!, partitions);
const driver = scenario?.endsWith("platformatic") ? "platformatic" as const : "kafkajs" as const;

/** 1 KB events: ids, a URL, a timestamp and an incompressible payload; encoded size 1024 bytes. */
function pool(): PageViewed[] {
  return Array.from({ length: POOL }, (_, i) => {
    const e = create(PageViewedSchema, { sessionId: BigInt(1_000_000 + i), url: `https://shop.example/p/${i}`, viewedAt: timestampFromMs(1_700_000_000_000 + i) });
    const base = toBinary(PageViewedSchema, e).length;
    e.payload = randomBytes(1024 - base - 3); // 3 = tag + 2-byte length
    return e;
  });
}

/** The same bytes the evt producer sends: encoded values, keys, partitions, CloudEvents headers. */
function rawInputs(events: PageViewed[]) {
  const values = events.map((e) => Buffer.from(toBinary(PageViewedSchema, e)));
  const keys = events.map((e) => Buffer.from(String(e.sessionId)));
  const parts = keys.map((k) => partitionForKey(k, partitions));
  const constant = { ce_specversion: "1.0", ce_source: "bench", ce_type: contract.type, "content-type": "application/protobuf", evt_schema: contract.fingerprint };
  return { values, keys, parts, constant };
}

async function produceRawPlatformatic(events: PageViewed[]): Promise<number> {
  const toBuffer = (v: Buffer | string | undefined) => (typeof v === "string" ? Buffer.from(v) : v);
  const producer = new platformatic.Producer<Buffer, Buffer, string, Buffer | string>({
    clientId: "bench-raw", bootstrapBrokers: brokers, idempotent: true, retries: 3, autocreateTopics: false,
    serializers: { headerKey: toBuffer, headerValue: toBuffer } as never,
  });
  const { values, keys, parts, constant } = rawInputs(events);
  let bytes = 0;
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < N; sent += CHUNK) {
    const time = new Date().toISOString();
    const messages: platformatic.MessageToProduce<Buffer, Buffer, string, Buffer | string>[] = [];
    for (let i = sent; i < Math.min(N, sent + CHUNK); i++) {
      const j = i % POOL;
      messages.push({ topic: topic!, key: keys[j], value: values[j], partition: parts[j], headers: { ...constant, ce_id: uuidv7(), ce_time: time } });
      bytes += values[j]!.length;
    }
    // one send at a time: the library's idempotent producer numbers sequences per call, and two
    // concurrent calls to one partition reach the broker out of order (OUT_OF_ORDER_SEQUENCE_NUMBER)
    inFlight.push(producer.send({ messages, acks: -1, compression: compression === "gzip" ? "gzip" : "none" }));
    await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.close();
  return bytes;
}

async function consumeRawPlatformatic(): Promise<number> {
  const consumer = new platformatic.Consumer({
    clientId: "bench-raw", bootstrapBrokers: brokers, groupId: `bench-raw-${Date.now()}`, maxBytes: 8 * 1024 * 1024, maxWaitTime: 250,
  });
  const stream = await consumer.consume({ topics: [topic!], mode: "earliest", autocommit: 1000, maxBytesPerPartition: 1024 * 1024 });
  let count = 0;
  let bytes = 0;
  await new Promise<void>((resolve) => {
    stream.on("data", (m) => {
      bytes += m.value?.length ?? 0;
      if (++count === N) resolve();
    });
  });
  await stream.close();
  await consumer.close(true);
  return bytes;
}

async function produceRaw(events: PageViewed[]): Promise<number> {
  const kafka = new kafkajs.Kafka({ brokers, clientId: "bench-raw", logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false });
  await producer.connect();
  const { values, keys, parts, constant } = rawInputs(events);
  let bytes = 0;
  const codec = compression === "gzip" ? kafkajs.CompressionTypes.GZIP : kafkajs.CompressionTypes.None;
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < N; sent += CHUNK) {
    const time = new Date().toISOString();
    const messages: kafkajs.Message[] = [];
    for (let i = sent; i < Math.min(N, sent + CHUNK); i++) {
      const j = i % POOL;
      messages.push({ key: keys[j], value: values[j], partition: parts[j], headers: { ...constant, ce_id: uuidv7(), ce_time: time } });
      bytes += values[j]!.length;
    }
    inFlight.push(producer.send({ topic: topic!, messages, acks: -1, compression: codec }));
    if (inFlight.length >= 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  return bytes;
}

async function produceEvt(events: PageViewed[]): Promise<number> {
  const producer = createProducer({ brokers, source: "bench", compression, kafka: { logLevel: "nothing", driver } });
  await producer.connect();
  let bytes = 0;
  const sizes = events.map((e) => toBinary(PageViewedSchema, e).length); // for the MB/s figure only
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < N; sent += CHUNK) {
    const chunk: PageViewed[] = [];
    for (let i = sent; i < Math.min(N, sent + CHUNK); i++) {
      chunk.push(events[i % POOL]!);
      bytes += sizes[i % POOL]!;
    }
    inFlight.push(producer.send(contract, chunk));
    if (inFlight.length >= 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  return bytes;
}

async function consumeRaw(): Promise<number> {
  const kafka = new kafkajs.Kafka({ brokers, clientId: "bench-raw", logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-raw-${Date.now()}`, maxBytes: 8 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic: topic!, fromBeginning: true });
  let count = 0;
  let bytes = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 2,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        for (const m of batch.messages) {
          count++;
          bytes += m.value?.length ?? 0;
          resolveOffset(m.offset);
        }
        await heartbeat();
        await commitOffsetsIfNecessary();
        if (count >= N) resolve();
      },
    });
  });
  await consumer.disconnect();
  return bytes;
}

async function consumeEvt(): Promise<number> {
  let count = 0;
  let bytes = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const runner = await startRunner({
    brokers,
    groupId: `bench-evt-${Date.now()}`,
    kafka: { logLevel: "nothing", driver },
    processors: [defineProcessor(contract, (event) => {
      bytes += event.payload.length; // touch the decoded event so the work is not optimised away
      if (++count === N) done();
    })],
  });
  await finished;
  await runner.stop();
  return bytes;
}

const events = phase === "produce" ? pool() : [];
const started = process.hrtime.bigint();
const run = {
  "raw-kafkajs": { produce: produceRaw, consume: consumeRaw },
  "raw-platformatic": { produce: produceRawPlatformatic, consume: consumeRawPlatformatic },
  "evt-kafkajs": { produce: produceEvt, consume: consumeEvt },
  "evt-platformatic": { produce: produceEvt, consume: consumeEvt },
}[scenario!];
if (!run) throw new Error(`unknown scenario ${scenario}`);
const bytes = phase === "produce" ? await run.produce(events) : await run.consume();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
// value bytes on the consume side; protobuf value bytes on the produce side: both ≈ N KiB
const wireBytes = phase === "produce" ? bytes : N * 1024;
process.stdout.write(`${JSON.stringify({
  scenario, phase, events: N, seconds: +seconds.toFixed(2), eventsPerSec: Math.round(N / seconds),
  mbPerSec: +(wireBytes / seconds / 1e6).toFixed(1), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
})}\n`);
process.exit(0);
