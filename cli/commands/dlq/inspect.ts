import { EvtCommand, type CommandResult } from "../../base-command.js";
import { dlqArgs, dlqFlags, originOf, readLetters, where } from "../../dead-letters.js";
import { loadContracts } from "../../load-contracts.js";

/** Payloads longer than this are cut in the text output (--json has them whole). */
const TEXT_PAYLOAD_CHARS = 400;

export default class DlqInspect extends EvtCommand<typeof DlqInspect> {
  static override summary = "Show the dead letters of a topic: error, origin and the decoded payload.";
  static override description =
    "Reads <TOPIC>.dlq (or TOPIC itself when it ends in .dlq) from the beginning to its current end with a throwaway consumer group " +
    "(nothing is committed, nothing is changed). Each dead letter shows its ce_id and ce_type, the error headers (evt_dlq_error_name, " +
    "evt_dlq_error, who gave up and after how many attempts), where it came from (origin topic, partition, offset) and its payload " +
    "decoded with the generated contracts as proto3 JSON when possible. Exit 0, or 2 when the broker or the topic cannot be read.";
  static override examples = [
    "<%= config.bin %> dlq inspect orders.order_placed.v1",
    "<%= config.bin %> dlq inspect orders.order_placed.v1 --limit 10 --json",
    "<%= config.bin %> dlq inspect orders.order_placed.v1.dlq --filter RowRejected",
  ];
  static override args = dlqArgs;
  static override flags = dlqFlags;

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const { decodePayload } = await import("@evt/runtime/kafka/dlq-replay.js");
    const contracts = await loadContracts(config.out, this.flags.contracts);
    const { dlqTopic, read, selected } = await readLetters(config, this.args.topic, this.flags);
    const letters = selected.map((l) => ({ letter: l, payload: decodePayload(l, contracts) }));
    const json = {
      dlqTopic,
      count: letters.length,
      letters: letters.map(({ letter: l, payload }) => ({
        partition: l.partition, offset: l.offset, ceId: l.ceId ?? null, ceType: l.ceType ?? null,
        key: l.key?.toString("utf8") ?? null,
        errorName: l.errorName, error: l.error, processor: l.processor ?? null, attempts: l.attempts ?? null, deadLetteredAt: l.deadLetteredAt ?? null,
        origin: l.origin ?? null, truncatedFrom: l.truncatedFrom ?? null,
        payload: payload.ok ? payload.json : null, payloadError: payload.ok ? null : payload.reason,
        headers: Object.fromEntries(Object.entries(l.headers).map(([k, v]) => [k, v.toString("utf8")])),
      })),
    };
    const blocks = letters.map(({ letter: l, payload }) => {
      const body = payload.ok ? JSON.stringify(payload.json) : `(not decoded: ${payload.reason})`;
      return [
        `${dlqTopic} ${where(l)}  ce_id=${l.ceId ?? "?"}  ce_type=${l.ceType ?? "?"}  from ${originOf(l)}`,
        `  error: ${l.errorName || "?"}: ${l.error}${l.processor ? `  (by ${l.processor}, ${l.attempts ?? "?"} attempt(s), ${l.deadLetteredAt ?? "?"})` : ""}`,
        `  payload: ${body.length > TEXT_PAYLOAD_CHARS ? `${body.slice(0, TEXT_PAYLOAD_CHARS)}… (${body.length} characters; --json shows all)` : body}`,
      ].join("\n");
    });
    const filtered = read.length - selected.length;
    const summary = `${letters.length} dead letter(s) in ${dlqTopic}${filtered > 0 ? ` (${filtered} more not matching --filter)` : ""}`;
    return { json, text: [...blocks, summary].join("\n") };
  }
}
