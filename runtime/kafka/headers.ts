/**
 * CloudEvents Kafka protocol binding, binary mode (DESIGN.md "On the wire"): the value is the
 * protobuf binary, the attributes travel as `ce_*` headers, plus `evt_schema` (the writer's
 * descriptor fingerprint). Header names live here and nowhere else.
 */
export const H = {
  specversion: "ce_specversion",
  id: "ce_id",
  source: "ce_source",
  type: "ce_type",
  time: "ce_time",
  contentType: "content-type",
  schema: "evt_schema",
} as const;

export const SPEC_VERSION = "1.0";
export const CONTENT_TYPE = "application/protobuf";

/** Headers added to a dead-lettered record (the original headers are kept). */
export const DLQ = {
  error: "evt_dlq_error",
  errorName: "evt_dlq_error_name",
  topic: "evt_dlq_topic",
  partition: "evt_dlq_partition",
  offset: "evt_dlq_offset",
  processor: "evt_dlq_processor",
  attempts: "evt_dlq_attempts",
  time: "evt_dlq_time",
  /** Set on a truncated dead letter (the value did not fit the DLQ topic): the original value's size in bytes. */
  truncated: "evt_dlq_truncated",
} as const;

export function dlqTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

/** What a dead-lettered record's headers say about the failure. */
export interface DeadLetterInfo {
  readonly error: string;
  readonly errorName: string;
  /** The processor, or `sink:<name>`, that gave up on the record. */
  readonly processor: string;
  readonly attempts: number;
}

/**
 * Headers of a record written to `<topic>.dlq`: the record's own headers (first value of a
 * repeated one) plus the failure and the origin topic/partition/offset.
 */
export function dlqHeaders(
  rec: { readonly topic: string; readonly partition: number; readonly offset: string; readonly headers: RawHeaders },
  info: DeadLetterInfo,
): Record<string, Buffer | string> {
  const headers: Record<string, Buffer | string> = {};
  for (const [k, v] of Object.entries(rec.headers)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) headers[k] = first;
  }
  headers[DLQ.error] = info.error;
  headers[DLQ.errorName] = info.errorName;
  headers[DLQ.topic] = rec.topic;
  headers[DLQ.partition] = String(rec.partition);
  headers[DLQ.offset] = rec.offset;
  headers[DLQ.processor] = info.processor;
  headers[DLQ.attempts] = String(info.attempts);
  headers[DLQ.time] = new Date().toISOString();
  return headers;
}

type RawHeaders = Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;

/** One header as a string (the first value when repeated), or undefined. */
export function headerString(headers: RawHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  return typeof first === "string" ? first : first.toString("utf8");
}
