/**
 * Topics come from the contracts (partitions, retention) and are created only when asked:
 * `ensureTopics(...)` here, the producer's/runner's `createTopics` option, or a CLI command.
 * Nothing is created by sending to a missing topic (the producer disables auto-creation).
 */
import type { EventContract } from "../contract.js";
import type { AdminPort, KafkaClient, TopicSpec } from "./adapter.js";
import { dlqTopicOf } from "./headers.js";

export interface TopicPlanOptions {
  /** Also plan `<topic>.dlq` for each contract (what the processor runner writes to). */
  readonly dlq?: boolean;
}

/** Topic specs for `contracts`, de-duplicated by name; the DLQ copies the partitions and retention. */
export function topicSpecsOf(
  contracts: readonly Pick<EventContract, "topic" | "partitions" | "retentionHours">[],
  options: TopicPlanOptions = {},
): TopicSpec[] {
  const specs = new Map<string, TopicSpec>();
  for (const c of contracts) {
    const retentionMs = c.retentionHours > 0 ? c.retentionHours * 3_600_000 : undefined;
    const partitions = Math.max(1, c.partitions);
    specs.set(c.topic, { topic: c.topic, partitions, retentionMs });
    if (options.dlq) specs.set(dlqTopicOf(c.topic), { topic: dlqTopicOf(c.topic), partitions, retentionMs });
  }
  return [...specs.values()];
}

/** Creates the missing topics of `contracts`; returns the names it created (existing ones are left as they are). */
export async function ensureTopics(
  client: KafkaClient | AdminPort,
  contracts: readonly EventContract[],
  options: TopicPlanOptions = {},
): Promise<string[]> {
  const ownAdmin = "admin" in client;
  const admin = ownAdmin ? client.admin() : client;
  if (ownAdmin) await admin.connect();
  try {
    return await admin.createTopics(topicSpecsOf(contracts, options));
  } finally {
    if (ownAdmin) await admin.disconnect();
  }
}

/** Every evt topic is an event log: compaction would drop events that share a key. */
export const EXPECTED_CLEANUP_POLICY = "delete";

/** One setting where the broker's topic differs from what the contract declares. */
export interface TopicDifference {
  readonly setting: "partitions" | "retention.ms" | "cleanup.policy";
  readonly contract: string;
  readonly broker: string;
}

/** A planned topic compared with the broker: `missing` (not there), `matches`, or `drift` with the differences. */
export interface TopicState {
  readonly spec: TopicSpec;
  readonly status: "missing" | "matches" | "drift";
  /** The topic as the broker has it (absent when missing). */
  readonly broker?: { readonly partitions: number; readonly retentionMs?: number; readonly cleanupPolicy?: string };
  readonly differences: readonly TopicDifference[];
}

/** Compares each planned topic with the broker's (partitions, retention, cleanup policy); nothing is changed. */
export async function compareTopics(admin: AdminPort, specs: readonly TopicSpec[]): Promise<TopicState[]> {
  if (!admin.describeTopic) throw new TypeError("compareTopics: this Kafka adapter cannot describe topics");
  const out: TopicState[] = [];
  for (const spec of specs) {
    const d = await admin.describeTopic(spec.topic);
    if (!d) {
      out.push({ spec, status: "missing", differences: [] });
      continue;
    }
    const retention = d.config["retention.ms"];
    const broker = { partitions: d.partitions, retentionMs: retention === undefined ? undefined : Number(retention), cleanupPolicy: d.config["cleanup.policy"] };
    const differences: TopicDifference[] = [];
    if (broker.partitions !== spec.partitions) differences.push({ setting: "partitions", contract: String(spec.partitions), broker: String(broker.partitions) });
    if (spec.retentionMs !== undefined && broker.retentionMs !== spec.retentionMs) {
      differences.push({ setting: "retention.ms", contract: String(spec.retentionMs), broker: retention ?? "(unknown)" });
    }
    if (broker.cleanupPolicy !== undefined && broker.cleanupPolicy !== EXPECTED_CLEANUP_POLICY) {
      differences.push({ setting: "cleanup.policy", contract: EXPECTED_CLEANUP_POLICY, broker: broker.cleanupPolicy });
    }
    out.push({ spec, status: differences.length > 0 ? "drift" : "matches", broker, differences });
  }
  return out;
}
