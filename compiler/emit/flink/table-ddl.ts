/**
 * Flink SQL `CREATE TABLE` of an event for Flink's Kafka connector with the protobuf format:
 * the contract's fields (types.ts), the CloudEvents headers as metadata and computed columns
 * (`ce_id`, `ce_time`, `ce_source`, `ce_type`), Kafka partition/offset metadata, and a watermark on the
 * event time (`event_time` option, else `ce_time`). A sink table (a processor's output) has the
 * fields plus a writable `headers` column the processor fills with evt's headers.
 */
import type { Catalog, EventModel } from "../../model/catalog.js";
import { fieldType, quoteIdent } from "./types.js";
import { fieldRef, flinkString, headerTimeExpr, timestampRowToLtz, WIRE_HEADERS } from "./wire.js";

/** Names of the columns evt adds to every source table (besides the contract's fields). */
export const FLINK_META_COLUMNS = ["headers", "kafka_partition", "kafka_offset", "kafka_timestamp", "ce_id", "ce_source", "ce_type", "ce_time", "event_time"] as const;

export interface FlinkTableOptions {
  /** Table name in the SQL (default: snake_case of the message name). */
  readonly name: string;
  readonly topic: string;
  readonly bootstrapServers: string;
  /** protoc's Java class of the message (java/class-names.ts). */
  readonly javaClass: string;
  readonly role: "source" | "sink";
  /** Source: consumer group (offsets are committed on checkpoints, for lag monitoring). */
  readonly groupId?: string;
  /** Source: how far the watermark trails the largest event time seen, a Flink INTERVAL literal. */
  readonly watermarkDelay?: string;
  /** Sink: transactional id prefix; set → exactly-once (Kafka transactions committed on checkpoints). */
  readonly transactionalIdPrefix?: string;
}

export const DEFAULT_WATERMARK_DELAY = "INTERVAL '5' SECOND";
export const DEFAULT_GROUP_ID = "evt-flink";

/** snake_case of the message name: `PageViewed` → `page_viewed`. */
export function defaultTableName(event: EventModel): string {
  return event.message.name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2").toLowerCase();
}

export interface FieldColumns {
  readonly lines: string[];
  /** Fields left out, with why (rendered as comments). */
  readonly skipped: string[];
}

function fieldColumns(event: EventModel, catalog: Catalog): FieldColumns {
  const lines: string[] = [];
  const skipped: string[] = [];
  for (const f of event.message.fields) {
    const t = fieldType(f, catalog, new Set([event.fullName]));
    if (!t.ok) {
      skipped.push(`-- ${f.name}: left out (${t.reason}; Flink's protobuf format has no recursive types)`);
      continue;
    }
    lines.push(`${quoteIdent(f.name)} ${t.sql}${f.comment ? ` COMMENT ${flinkString(f.comment.replace(/\s+/g, " "))}` : ""}`);
  }
  return { lines, skipped };
}

function sourceColumns(event: EventModel, delay: string): string[] {
  const h = quoteIdent("headers");
  const header = (name: string): string => `DECODE(${h}[${flinkString(name)}], 'UTF-8')`;
  const eventTime = event.eventTime ? timestampRowToLtz(fieldRef(event.eventTime)) : headerTimeExpr(h);
  return [
    `${h} MAP<STRING, BYTES> METADATA VIRTUAL`,
    "`kafka_partition` INT METADATA FROM 'partition' VIRTUAL",
    "`kafka_offset` BIGINT METADATA FROM 'offset' VIRTUAL",
    "`kafka_timestamp` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL",
    `\`ce_id\` AS ${header(WIRE_HEADERS.id)}`,
    `\`ce_source\` AS ${header(WIRE_HEADERS.source)}`,
    `\`ce_type\` AS ${header(WIRE_HEADERS.type)}`,
    `\`ce_time\` AS ${headerTimeExpr(h)}`,
    `\`event_time\` AS ${eventTime}`,
    `WATERMARK FOR \`event_time\` AS \`event_time\` - ${delay}`,
  ];
}

function withOptions(event: EventModel, options: FlinkTableOptions): [string, string][] {
  const common: [string, string][] = [
    ["connector", "kafka"],
    ["topic", options.topic],
    ["properties.bootstrap.servers", options.bootstrapServers],
    ["format", "protobuf"],
    ["protobuf.message-class-name", options.javaClass],
  ];
  if (options.role === "source") {
    return [
      ...common,
      ["properties.group.id", options.groupId ?? DEFAULT_GROUP_ID],
      // processor outputs are written in transactions: never read what was aborted
      ["properties.isolation.level", "read_committed"],
      ["scan.startup.mode", "group-offsets"],
      ["properties.auto.offset.reset", "earliest"],
    ];
  }
  const key = event.key?.length === 1 && event.message.fields.find((f) => f.name === event.key![0])?.type;
  const sink: [string, string][] = [...common];
  // evt's key is the key field's UTF-8 text; the raw format writes exactly that for a STRING column
  if (key && key.kind === "scalar" && key.scalar === "string") {
    sink.push(["key.format", "raw"], ["key.fields", event.key![0]!], ["value.fields-include", "ALL"]);
  }
  if (options.transactionalIdPrefix) {
    sink.push(
      ["sink.delivery-guarantee", "exactly-once"],
      ["sink.transactional-id-prefix", options.transactionalIdPrefix],
      // must stay below the broker's transaction.max.timeout.ms (15 minutes by default)
      ["properties.transaction.timeout.ms", "600000"],
    );
  } else {
    sink.push(["sink.delivery-guarantee", "at-least-once"]);
  }
  return sink;
}

export function flinkTableDdl(event: EventModel, catalog: Catalog, options: FlinkTableOptions): string {
  const { lines, skipped } = fieldColumns(event, catalog);
  const columns =
    options.role === "source"
      ? [...lines, ...sourceColumns(event, options.watermarkDelay ?? DEFAULT_WATERMARK_DELAY)]
      : [...lines, `\`headers\` MAP<STRING, BYTES> METADATA`];
  const body = [...skipped.map((s) => `  ${s}`), ...columns.map((c, i) => `  ${c}${i < columns.length - 1 ? "," : ""}`)];
  const opts = withOptions(event, options).map(([k, v], i, all) => `  ${flinkString(k)} = ${flinkString(v)}${i < all.length - 1 ? "," : ""}`);
  const comment = event.message.comment ? ` COMMENT ${flinkString(event.message.comment.replace(/\s+/g, " "))}` : "";
  return [`CREATE TABLE ${quoteIdent(options.name)} (`, ...body, `)${comment} WITH (`, ...opts, ")"].join("\n");
}
