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
} as const;

export function dlqTopicOf(topic: string): string {
  return `${topic}.dlq`;
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
