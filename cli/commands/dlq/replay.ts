import { Flags } from "@oclif/core";
import { EvtError } from "../../../compiler/errors.js";
import { EvtCommand, type CommandResult } from "../../base-command.js";
import { dlqArgs, dlqFlags, originOf, readLetters, where } from "../../dead-letters.js";

export default class DlqReplay extends EvtCommand<typeof DlqReplay> {
  static override summary = "Re-publish dead letters to their origin topic with their original key, headers and ce_id.";
  static override description =
    "Reads <TOPIC>.dlq (or TOPIC itself when it ends in .dlq) and publishes each dead letter to the topic and partition it came from " +
    "(evt_dlq_topic, evt_dlq_partition), with its original key, value and headers, ce_id included; only the evt_dlq_* failure headers " +
    "are dropped. Sinks de-duplicate on ce_id, so a replay — even a repeated one — keeps every table exactly-once; processors see the " +
    "event again and must be idempotent on ce_id. Fix the cause first (apply the migration, deploy the handler fix). Truncated dead " +
    "letters and letters without an origin are skipped and listed. The DLQ itself is left as it is. " +
    "Exit 0, or 2 when the broker or a topic cannot be used.";
  static override examples = [
    "<%= config.bin %> dlq replay orders.order_placed.v1 --dry-run",
    "<%= config.bin %> dlq replay orders.order_placed.v1 --filter 'too long for ORDER_ID'",
  ];
  static override args = dlqArgs;
  static override flags = {
    brokers: dlqFlags.brokers,
    limit: dlqFlags.limit,
    filter: dlqFlags.filter,
    "dry-run": Flags.boolean({ summary: "List what would be replayed; publish nothing." }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const { replayDeadLetters } = await import("@evt/runtime/kafka/dlq-replay.js");
    const { dlqTopic, brokers, client, read, selected } = await readLetters(config, this.args.topic, this.flags);
    const dryRun = this.flags["dry-run"];
    let result: Awaited<ReturnType<typeof replayDeadLetters>>;
    try {
      result = await replayDeadLetters(client, selected, { dryRun });
    } catch (e) {
      throw new EvtError(`cannot replay ${dlqTopic} on ${brokers.join(",")}: ${(e as Error).message}`, [], { cause: e });
    }
    const verb = dryRun ? "would replay" : "replayed";
    const lines = [
      ...result.replayed.map(({ letter: l, topic, partition }) => `${dryRun ? "would replay" : "replayed"}  ${dlqTopic} ${where(l)}  ce_id=${l.ceId}  → ${topic} partition ${partition}`),
      ...result.skipped.map(({ letter: l, reason }) => `skipped   ${dlqTopic} ${where(l)}  ce_id=${l.ceId ?? "?"}  from ${originOf(l)}: ${reason}`),
    ];
    const filtered = read.length - selected.length;
    const topics = [...new Set(result.replayed.map((r) => r.topic))];
    const summary = `${verb} ${result.replayed.length} of ${read.length} dead letter(s) from ${dlqTopic}` +
      (topics.length > 0 ? ` to ${topics.join(", ")}` : "") +
      (result.skipped.length > 0 ? `; ${result.skipped.length} skipped` : "") +
      (filtered > 0 ? `; ${filtered} not matching --filter` : "");
    return {
      json: {
        dlqTopic, dryRun,
        replayed: result.replayed.map(({ letter: l, topic, partition }) => ({ partition: l.partition, offset: l.offset, ceId: l.ceId, to: { topic, partition } })),
        skipped: result.skipped.map(({ letter: l, reason }) => ({ partition: l.partition, offset: l.offset, ceId: l.ceId ?? null, reason })),
        notMatchingFilter: filtered,
      },
      text: [...lines, summary].join("\n"),
    };
  }
}
