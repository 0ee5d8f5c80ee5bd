/** What `evt dlq inspect` and `evt dlq replay` share: the TOPIC argument, broker flags, reading the letters. */
import { Args, Flags } from "@oclif/core";
import { EvtError } from "../compiler/errors.js";
import type { EvtConfig } from "../compiler/config/index.js";
import type { DeadLetter } from "@evt/runtime/kafka/dlq-replay.js";
import type { KafkaClient } from "@evt/runtime/kafka/adapter.js";
import { kafkaDriverOption } from "./kafka-driver.js";

export const dlqArgs = {
  topic: Args.string({ required: true, description: "The event topic (its <topic>.dlq is read) or the DLQ topic itself." }),
};

export const dlqFlags = {
  brokers: Flags.string({ summary: "Kafka bootstrap brokers, comma-separated (default: evt.yaml kafka.brokers).", helpValue: "HOST:PORT,…" }),
  contracts: Flags.string({ summary: "Module exporting the generated `catalog` (default: <out>/ts/index.js, else <out>/ts/index.ts through tsx).", helpValue: "MODULE" }),
  limit: Flags.integer({ summary: "At most N dead letters per partition, the earliest first (default all).", min: 1, helpValue: "N" }),
  filter: Flags.string({ summary: "Only dead letters whose error (name: message) contains TEXT, case-insensitive.", helpValue: "TEXT" }),
};

export interface Letters {
  readonly dlqTopic: string;
  readonly brokers: readonly string[];
  readonly client: KafkaClient;
  /** Every letter read (up to --limit per partition). */
  readonly read: readonly DeadLetter[];
  /** Those --filter keeps. */
  readonly selected: readonly DeadLetter[];
}

/** Reads the letters of TOPIC's DLQ; broker and topic problems become one-line EvtErrors (exit 2). */
export async function readLetters(config: EvtConfig, topic: string, flags: { brokers?: string; limit?: number; filter?: string }): Promise<Letters> {
  const { dlqTopicFor, matchesFilter, readDeadLetters } = await import("@evt/runtime/kafka/dlq-replay.js");
  const { createKafkaClient } = await import("@evt/runtime/kafka/adapter.js");
  const { isTopicError } = await import("@evt/runtime/errors.js");
  const brokers = flags.brokers ? flags.brokers.split(",").map((b) => b.trim()).filter(Boolean) : [...config.kafka.brokers];
  if (brokers.length === 0) throw new EvtError("no Kafka brokers: pass --brokers HOST:PORT or set kafka.brokers in evt.yaml");
  const dlqTopic = dlqTopicFor(topic);
  const client = createKafkaClient({ brokers, clientId: config.kafka.clientId, logLevel: "nothing", ...kafkaDriverOption(config) });
  let read: DeadLetter[];
  try {
    read = await readDeadLetters(client, dlqTopic, { limit: flags.limit });
  } catch (e) {
    if (isTopicError(e)) throw new EvtError(`${(e as Error).message}`, [], { cause: e });
    throw new EvtError(`cannot read ${dlqTopic} from ${brokers.join(",")}: ${(e as Error).message}`, [], { cause: e });
  }
  return { dlqTopic, brokers, client, read, selected: read.filter((l) => matchesFilter(l, flags.filter)) };
}

/** `partition:offset` of a letter, and of its origin. */
export function where(l: DeadLetter): string {
  return `${l.partition}:${l.offset}`;
}

export function originOf(l: DeadLetter): string {
  return l.origin ? `${l.origin.topic} ${l.origin.partition}:${l.origin.offset}` : "(origin unknown)";
}
