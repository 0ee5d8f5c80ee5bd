import { Flags } from "@oclif/core";
import { EvtError } from "../../../compiler/errors.js";
import type { TopicState } from "@evt/runtime/kafka/topics.js";
import { EvtCommand, type CommandResult } from "../../base-command.js";
import { kafkaDriverOption } from "../../kafka-driver.js";

/** A topic as the contracts declare it; what the broker has is compared with it after connecting. */
interface TopicRow {
  readonly topic: string;
  readonly partitions: number;
  readonly retentionHours: number;
  readonly owner: string;
  readonly kind: "event" | "dlq";
}

export default class TopicsCreate extends EvtCommand<typeof TopicsCreate> {
  static override summary = "Create the Kafka topics the contracts declare (and their <topic>.dlq); existing ones are compared with the contract, never changed.";
  static override description =
    "Topics are never created silently by producing: this command is the explicit step. Partitions and retention come from " +
    "(evt.v1.event) `partitions` (default 6) and `retention_hours` (default 168). Existing topics are left as they are and listed. " +
    "An existing topic is compared with its contract (partitions, retention, cleanup policy `delete`) and reported with the broker's " +
    "settings; a difference is reported as drift and exits 1. Brokers come from evt.yaml `kafka.brokers` or --brokers. " +
    "Exit 0 on success, 1 on drift, 2 when the broker cannot be reached.";
  static override examples = [
    "<%= config.bin %> topics create --dry-run",
    "<%= config.bin %> topics create --brokers 127.0.0.1:9092",
    "<%= config.bin %> topics create --no-dlq --topic orders.order_placed.v1",
  ];
  static override flags = {
    brokers: Flags.string({ summary: "Bootstrap brokers, comma-separated host:port (overrides evt.yaml kafka.brokers).", helpValue: "HOSTS" }),
    topic: Flags.string({ summary: "Only this topic (repeatable); default every event topic.", multiple: true, helpValue: "TOPIC" }),
    dlq: Flags.boolean({ summary: "Also create <topic>.dlq for each topic (the processor runner's dead-letter topic).", default: true, allowNo: true }),
    "dry-run": Flags.boolean({ summary: "Print the topics that would be created; contact no broker." }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const { loadCatalog } = await import("../../../compiler/model/build-catalog.js");
    const { catalog } = await loadCatalog(config.protoRoot);
    const wanted = this.flags.topic;
    const known = new Set(catalog.events.map((e) => e.topic));
    for (const t of wanted ?? []) if (!known.has(t)) throw new EvtError(`--topic ${t}: no event contract declares this topic`);

    const rows: TopicRow[] = catalog.events
      .filter((e) => !wanted || wanted.includes(e.topic))
      .flatMap((e) => {
        const base = { partitions: e.partitions, retentionHours: e.retentionHours, owner: e.owner };
        const event: TopicRow = { topic: e.topic, kind: "event", ...base };
        return this.flags.dlq ? [event, { ...event, topic: `${e.topic}.dlq`, kind: "dlq" as const }] : [event];
      });

    if (this.flags["dry-run"]) {
      return { json: { dryRun: true, topics: rows }, text: rows.map(describe).join("\n") + `\n${rows.length} topic(s) would be created if missing` };
    }

    const brokers = this.flags.brokers ? this.flags.brokers.split(",").map((b) => b.trim()).filter(Boolean) : config.kafka.brokers;
    const { createKafkaClient } = await import("@evt/runtime/kafka/adapter.js");
    const { topicSpecsOf, compareTopics } = await import("@evt/runtime/kafka/topics.js");
    const admin = createKafkaClient({ brokers, clientId: config.kafka.clientId, logLevel: "nothing", ...kafkaDriverOption(config) }).admin();
    let states: TopicState[];
    let created: string[];
    try {
      await admin.connect();
      this.verbose(`connected to ${brokers.join(",")}`);
      // the runtime's topic plan (partition floor, retention, de-duplication); rows only add display fields
      const specs = topicSpecsOf(rows);
      // what the broker has, before anything is created: an existing topic is reported as it is
      states = await compareTopics(admin, specs);
      created = await admin.createTopics(states.filter((t) => t.status === "missing").map((t) => t.spec));
    } catch (e) {
      throw new EvtError(`cannot create topics on ${brokers.join(",")}: ${(e as Error).message}`, [], { cause: e });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const createdSet = new Set(created);
    const byTopic = new Map(states.map((t) => [t.spec.topic, t]));
    const lines = rows.map((r) => describeState(r, createdSet.has(r.topic), byTopic.get(r.topic)));
    const drifted = states.filter((t) => t.status === "drift");
    const summary = `${created.length} created, ${rows.length - created.length} already existed` +
      (drifted.length > 0
        ? `; ${drifted.length} drift from their contracts (left as they are: changing partitions moves keys, so per-key ordering breaks; fix the topic or the contract)`
        : "");
    return {
      failed: drifted.length > 0,
      json: {
        topics: rows.map((r) => {
          const st = byTopic.get(r.topic);
          return { ...r, created: createdSet.has(r.topic), status: createdSet.has(r.topic) ? "created" : st?.status, broker: st?.broker, differences: st?.differences ?? [] };
        }),
      },
      text: `${lines.join("\n")}\n${summary}`,
    };
  }
}

/** A created topic shows what was asked for; an existing one shows the broker's settings, and its drift. */
function describeState(r: TopicRow, created: boolean, state: TopicState | undefined): string {
  if (created || !state?.broker) return `created  ${describe(r)}`;
  const b = state.broker;
  const retention = b.retentionMs === undefined ? "?" : b.retentionMs === -1 ? "unlimited" : `${+(b.retentionMs / 3_600_000).toFixed(3)}h`;
  const actual = `${r.topic}  partitions=${b.partitions} retention=${retention} cleanup=${b.cleanupPolicy ?? "?"}${r.kind === "dlq" ? " (dead letters)" : ""}  owner=${r.owner}`;
  if (state.status !== "drift") return `exists   ${actual}`;
  const diffs = state.differences.map((d) => `${d.setting} is ${d.broker} on the broker, ${d.contract} in the contract`).join("; ");
  return `drift    ${actual}: ${diffs}`;
}

function describe(r: TopicRow): string {
  return `${r.topic}  partitions=${r.partitions} retention=${r.retentionHours}h${r.kind === "dlq" ? " (dead letters)" : ""}  owner=${r.owner}`;
}
