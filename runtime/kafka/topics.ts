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
