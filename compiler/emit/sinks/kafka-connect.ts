/**
 * `sinks/kafka-connect/<SCHEMA>.<TABLE>.json`: a Snowflake Kafka connector (Snowpipe Streaming)
 * definition per sink, for teams that run Kafka Connect instead of `evt run`. Secrets are
 * `${env:…}` placeholders (Kafka Connect's EnvVarConfigProvider: `config.providers=env`).
 *
 * Values are raw protobuf (CloudEvents binary mode, no Schema Registry framing), so the value
 * converter is the community protobuf converter, which decodes with the compiled Java class of the
 * message (protoc's default Java naming, java/class-names.ts; the classes come from generated/java).
 * Caveats (docs/warehouse-mapping.md): this path loses uint64 values above 2^63-1, and with
 * schematization the connector names columns after the record's fields, so `column` renames and
 * `flatten_nested` columns are not filled by it; the evt sink is the exact path.
 */
import type { EventModel } from "../../model/catalog.js";
import type { SinkTable } from "../../warehouse/sink-table.js";
import { javaClassName } from "../java/class-names.js";
import { jsonText } from "../json-text.js";
import type { SinkConfigOptions } from "./sink-config.js";

export function kafkaConnectPath(t: SinkTable): string {
  return `sinks/kafka-connect/${t.schema}.${t.table}.json`;
}

export function emitKafkaConnect(t: SinkTable, options: SinkConfigOptions, fileMessageNames: readonly string[]): string {
  const topic = t.event.topic;
  return jsonText({
    name: `evt-${t.schema.toLowerCase()}-${t.table.toLowerCase().replace(/_/g, "-")}`,
    config: {
      "connector.class": "com.snowflake.kafka.connector.SnowflakeSinkConnector",
      "tasks.max": "1",
      topics: topic,
      "snowflake.topic2table.map": `${topic}:${t.table}`,
      "snowflake.url.name": "${env:SNOWFLAKE_URL}",
      "snowflake.user.name": "${env:SNOWFLAKE_USER}",
      "snowflake.private.key": "${env:SNOWFLAKE_PRIVATE_KEY}",
      "snowflake.private.key.passphrase": "${env:SNOWFLAKE_PRIVATE_KEY_PASSPHRASE}",
      "snowflake.role.name": "${env:SNOWFLAKE_ROLE}",
      "snowflake.database.name": options.database ?? "${env:SNOWFLAKE_DATABASE}",
      "snowflake.schema.name": t.schema,
      "snowflake.ingestion.method": "SNOWPIPE_STREAMING",
      "snowflake.enable.schematization": "true",
      "buffer.count.records": String(options.batch.rows),
      "buffer.size.bytes": String(options.batch.bytes),
      "buffer.flush.time": String(Math.max(1, Math.ceil(options.batch.ms / 1000))),
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "value.converter": "com.blueapron.connect.protobuf.ProtobufConverter",
      "value.converter.protoClassName": javaClassName(t.event, fileMessageNames),
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": `${topic}.dlq`,
      "errors.deadletterqueue.context.headers.enable": "true",
    },
  });
}
