/** Renders docs/flink-mapping.md from the mapping data (types.ts, table-ddl.ts); a test fails on drift. */
import { FLINK_MAPPING_ROWS } from "./types.js";
import { DEFAULT_WATERMARK_DELAY } from "./table-ddl.js";

export function renderFlinkMappingDoc(): string {
  return `# Flink SQL mapping

<!-- Rendered from compiler/emit/flink/types.ts by renderFlinkMappingDoc(); test/compiler/flink/flink-mapping-doc.test.ts fails on drift. -->

\`evt generate\` writes \`generated/flink/tables/<package>.<Message>.sql\`: a \`CREATE TABLE\` per event for
Flink's Kafka connector (\`flink-sql-connector-kafka\` 5.0.0-2.2) with Flink's protobuf format
(\`flink-protobuf\` 2.2.0), which decodes with the JVM classes of \`generated/java\` (evt.yaml
\`flink.java: true\`; protoc and protobuf-java 4.32.1, the version Flink brings). Table names are the
message name in snake_case (\`PageViewed\` → \`page_viewed\`); a processor may rename an input with \`as\`.

## Field types

| protobuf | Flink SQL column |
| --- | --- |
${FLINK_MAPPING_ROWS.map(([pb, flink]) => `| ${pb} | ${flink} |`).join("\n")}

## Columns evt adds

| column | from |
| --- | --- |
| \`headers\` MAP<STRING, BYTES> | the Kafka record's headers (metadata, read only) |
| \`kafka_partition\`, \`kafka_offset\`, \`kafka_timestamp\` | Kafka metadata |
| \`ce_id\`, \`ce_source\`, \`ce_type\` | the CloudEvents headers, UTF-8 |
| \`ce_time\` TIMESTAMP_LTZ(3) | the \`ce_time\` header (RFC 3339, milliseconds, as evt's producer writes it) |
| \`event_time\` TIMESTAMP_LTZ(3), the rowtime | the \`event_time\` option's Timestamp field, else \`ce_time\` |

The watermark trails \`event_time\` by ${DEFAULT_WATERMARK_DELAY.replace(/INTERVAL '(\d+)' SECOND/, "$1 seconds")} (a processor sets its own with
\`watermark_delay\`). Sources read committed (\`properties.isolation.level\`), so the aborted
transactions of an exactly-once processor are never seen.

## Writing a contract (processor outputs)

The processor's SELECT names the output contract's fields. evt's wrapper writes them: TIMESTAMP or
TIMESTAMP_LTZ columns become protobuf Timestamps (millisecond precision), smaller integers and floats
are CAST up, and the \`headers\` metadata column carries \`ce_specversion\`, \`ce_id\` (a version-8 UUID
from the MD5 of the \`output.id\` columns: the same session always gets the same id), \`ce_source\`
(\`evt-flink/<processor>\`), \`ce_type\`, \`ce_time\` (\`output.time\`), \`content-type\` and
\`evt_schema\`. A string key field is written as the record key (\`raw\` key format). Every script
sets \`table.local-time-zone\` to UTC: Flink's DATE_FORMAT (ce_time) and EXTRACT (Timestamp fields) work in that zone.

Not representable, and left out of tables and outputs: recursive messages (Struct, Value,
ListValue). uint32/uint64 values above the signed range read as negative numbers (Java has no
unsigned integers); the warehouse sink (\`evt run\`) keeps them exact.
`;
}
