import { Flags } from "@oclif/core";
import { EvtError } from "../../../compiler/errors.js";
import { EvtCommand, type CommandResult } from "../../base-command.js";

/** A topic as the contracts declare it; `created` is filled in after the broker answered. */
interface TopicRow {
  readonly topic: string;
  readonly partitions: number;
  readonly retentionHours: number;
  readonly owner: string;
  readonly kind: "event" | "dlq";
}

export default class TopicsCreate extends EvtCommand<typeof TopicsCreate> {
  static override summary = "Create the Kafka topics the contracts declare (and their <topic>.dlq), never touching existing ones.";
  static override description =
    "Topics are never created silently by producing: this command is the explicit step. Partitions and retention come from " +
    "(evt.v1.event) `partitions` (default 6) and `retention_hours` (default 168). Existing topics are left as they are and listed. " +
    "Brokers come from evt.yaml `kafka.brokers` or --brokers. Exit 0 on success, 2 when the broker cannot be reached.";
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
    const { createKafkajsClient } = await import("@evt/runtime/kafka/adapter.js");
    const { topicSpecsOf } = await import("@evt/runtime/kafka/topics.js");
    const admin = createKafkajsClient({ brokers, clientId: config.kafka.clientId, logLevel: "nothing" }).admin();
    let created: string[];
    try {
      await admin.connect();
      this.verbose(`connected to ${brokers.join(",")}`);
      // the runtime's topic plan (partition floor, retention, de-duplication); rows only add display fields
      created = await admin.createTopics(topicSpecsOf(rows));
    } catch (e) {
      throw new EvtError(`cannot create topics on ${brokers.join(",")}: ${(e as Error).message}`, [], { cause: e });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const createdSet = new Set(created);
    const lines = rows.map((r) => `${createdSet.has(r.topic) ? "created " : "exists  "} ${describe(r)}`);
    return {
      json: { topics: rows.map((r) => ({ ...r, created: createdSet.has(r.topic) })) },
      text: `${lines.join("\n")}\n${created.length} created, ${rows.length - created.length} already existed`,
    };
  }
}

function describe(r: TopicRow): string {
  return `${r.topic}  partitions=${r.partitions} retention=${r.retentionHours}h${r.kind === "dlq" ? " (dead letters)" : ""}  owner=${r.owner}`;
}
