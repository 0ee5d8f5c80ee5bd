/**
 * An in-memory consumer for driving the processor runner without a broker: batches are queued
 * with `push` and handed to `eachBatch` one at a time, in order; every call the runner makes on
 * the batch control (resolveOffset, heartbeat, commit) is recorded in `log` (unless `quiet`).
 * The producer and admin ports come from fakeKafka (the DLQ writer sends there).
 */
import { toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { EventContract } from "../../runtime/contract.js";
import { H } from "../../runtime/kafka/headers.js";
import type { BatchControl, ConsumedRecord, ConsumerPort, ConsumerRunOptions, KafkaClient } from "../../runtime/kafka/adapter.js";
import { fakeKafka, type FakeKafka } from "./fake-kafka.js";

export type ControlCall =
  | { readonly call: "resolveOffset"; readonly topic: string; readonly partition: number; readonly offset: string }
  | { readonly call: "heartbeat" | "commit"; readonly topic: string; readonly partition: number };

export interface MemConsumerClient extends KafkaClient {
  readonly kafka: FakeKafka;
  /** Control calls in order (empty with `quiet`). */
  readonly log: ControlCall[];
  /** Queues one partition's batch (every record of it has the same topic and partition). */
  push(records: readonly ConsumedRecord[]): void;
  /** Resolves once every queued batch has been handled (at once when none is queued). */
  drained(): Promise<void>;
}

/** `topics`: what the fake admin knows (the DLQ writer checks its `<topic>.dlq` exists). */
export function memConsumerClient(options: { quiet?: boolean; topics?: readonly string[] } = {}): MemConsumerClient {
  const kafka = fakeKafka((options.topics ?? []).map((topic) => ({ topic, partitions: 1 })));
  const log: ControlCall[] = [];
  const queue: (readonly ConsumedRecord[])[] = [];
  let wake: (() => void) | undefined;
  let idle: (() => void)[] = [];
  let running = false;
  let busy = false;
  let loop: Promise<void> | undefined;
  const settleIdle = () => {
    if (busy || queue.length > 0) return;
    const waiting = idle;
    idle = [];
    for (const w of waiting) w();
  };

  const consumer: ConsumerPort = {
    async connect() {},
    async subscribe() {},
    async run(run: ConsumerRunOptions) {
      running = true;
      loop = (async () => {
        while (running) {
          const records = queue.shift();
          if (!records) {
            settleIdle();
            await new Promise<void>((r) => (wake = r));
            continue;
          }
          busy = true;
          const { topic, partition } = records[0]!;
          const control: BatchControl = options.quiet
            ? { resolveOffset() {}, async heartbeat() {}, async commit() {}, isRunning: () => running, isStale: () => false, pause: () => () => {} }
            : {
              resolveOffset: (offset) => void log.push({ call: "resolveOffset", topic, partition, offset }),
              heartbeat: async () => void log.push({ call: "heartbeat", topic, partition }),
              commit: async () => void log.push({ call: "commit", topic, partition }),
              isRunning: () => running,
              isStale: () => false,
              pause: () => () => {},
            };
          try {
            await run.eachBatch(topic, partition, records, control);
          } finally {
            busy = false;
          }
        }
        settleIdle();
      })();
    },
    onAssignment() {},
    onFatal() {},
    async disconnect() {
      running = false;
      wake?.();
      await loop;
    },
  };

  return {
    kafka,
    log,
    producer: kafka.producer,
    admin: kafka.admin,
    consumer: () => consumer,
    push(records) {
      if (records.length === 0) return;
      queue.push(records);
      const w = wake;
      wake = undefined;
      w?.();
    },
    drained() {
      return new Promise((resolve) => {
        idle.push(resolve);
        settleIdle();
      });
    },
  };
}

/** A record as the evt producer writes it (value and ce_* headers), at `offset` of `partition`. */
export function recordOf<S extends DescMessage>(
  contract: EventContract<S>, message: MessageShape<S>, at: { partition: number; offset: number; id?: string; type?: string },
): ConsumedRecord {
  return {
    topic: contract.topic,
    partition: at.partition,
    offset: String(at.offset),
    key: null,
    value: Buffer.from(toBinary(contract.schema, message)),
    headers: {
      [H.specversion]: Buffer.from("1.0"),
      [H.id]: Buffer.from(at.id ?? `id-${at.partition}-${at.offset}`),
      [H.source]: Buffer.from("test"),
      [H.type]: Buffer.from(at.type ?? contract.type),
      [H.time]: Buffer.from(new Date(1_700_000_000_000).toISOString()),
      [H.schema]: Buffer.from(contract.fingerprint),
    },
    timestamp: "1700000000000",
  };
}
