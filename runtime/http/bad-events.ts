/**
 * The bad-events topic (Snowplow's failed events): every rejected event as one record with the
 * failure type, reason and field path in headers and the raw payload as the value, in the same
 * header layout as `<topic>.dlq` records (`evt_dlq_*`), so the DLQ tooling counts and inspects
 * them. The client's IP is never written; the app name stands in for the write key.
 */
import type { AdminPort, KafkaClient, OutgoingRecord, ProducerPort } from "../kafka/adapter.js";
import { DLQ, H, SPEC_VERSION } from "../kafka/headers.js";
import { TopicError } from "../errors.js";
import { uuidv7 } from "../uuid7.js";
import type { FailureType, Rejection } from "./validate-event.js";

/** Headers of a bad event besides the `evt_dlq_*` ones. */
export const BAD = {
  failure: "evt_ingest_failure",
  path: "evt_ingest_path",
  app: "evt_ingest_app",
  source: "evt_ingest_source",
  type: "evt_ingest_type",
} as const;

/** `evt_dlq_error_name` per failure type: the taxonomy name a DLQ filter matches on. */
const ERROR_NAME: Record<FailureType, string> = {
  schema_violation: "SchemaViolation",
  size_violation: "SizeViolation",
  unknown_type: "UnknownType",
  auth: "AuthFailure",
};

export interface BadEvent {
  readonly rejection: Rejection;
  /** The event as received (JSON text, or the binary batch entry), truncated to `maxPayloadBytes`. */
  readonly payload: Buffer;
  readonly contentType: string;
  readonly id?: string;
  readonly claimedType?: string;
  /** Topic the event would have gone to, when its type is public. */
  readonly topic?: string;
  readonly app: string;
  readonly source?: string;
}

export class BadEventWriter {
  private port: ProducerPort | undefined;
  private admin: AdminPort | undefined;
  private partitions = 1;
  private next = 0;

  constructor(
    private readonly client: KafkaClient,
    readonly topic: string,
    private readonly collector: string,
    private readonly options: { readonly createTopic?: boolean; readonly timeoutMs?: number } = {},
  ) {}

  async connect(): Promise<void> {
    if (this.port) return;
    const admin = this.client.admin();
    await admin.connect();
    this.admin = admin;
    if (this.options.createTopic) await admin.createTopics([{ topic: this.topic, partitions: 3, retentionMs: 7 * 24 * 3600 * 1000 }]);
    try {
      this.partitions = await admin.partitionCount(this.topic);
    } catch (e) {
      throw new TopicError(`bad-events topic ${this.topic} does not exist: create it (evt ingest --create-topics) or pass --bad-topic`, { cause: e, context: { topic: this.topic } });
    }
    const port = this.client.producer({ idempotent: true });
    await port.connect();
    this.port = port;
  }

  async write(events: readonly BadEvent[]): Promise<void> {
    if (events.length === 0) return;
    const time = new Date().toISOString();
    const records: OutgoingRecord[] = events.map((e) => {
      const headers: Record<string, string> = {
        [H.specversion]: SPEC_VERSION, [H.id]: e.id ?? uuidv7(), [H.source]: this.collector, [H.type]: e.claimedType ?? "",
        [H.time]: time, [H.contentType]: e.contentType,
        [DLQ.error]: e.rejection.reason, [DLQ.errorName]: ERROR_NAME[e.rejection.failure], [DLQ.topic]: e.topic ?? "",
        [DLQ.partition]: "-1", [DLQ.offset]: "-1", [DLQ.processor]: `ingest:${this.collector}`, [DLQ.attempts]: "1", [DLQ.time]: time,
        [BAD.failure]: e.rejection.failure, [BAD.app]: e.app,
      };
      if (e.rejection.path) headers[BAD.path] = e.rejection.path;
      if (e.source) headers[BAD.source] = e.source;
      if (e.claimedType) headers[BAD.type] = e.claimedType;
      this.next = (this.next + 1) % this.partitions;
      return { key: null, value: e.payload, headers, partition: this.next };
    });
    await this.port!.send([{ topic: this.topic, records }], { compression: "gzip", acks: -1, timeoutMs: this.options.timeoutMs ?? 30_000 });
  }

  async disconnect(): Promise<void> {
    await this.port?.disconnect();
    await this.admin?.disconnect();
    this.port = undefined;
    this.admin = undefined;
  }
}
