/**
 * Renders docs/warehouse-mapping.md from the mapping data (mapping.ts), so the documentation can
 * never drift: test/compiler/emit/warehouse-mapping-doc.test.ts compares the committed file.
 */
import { APPEND_MERGE_KEY, METADATA_COLUMNS, WAREHOUSE_MAPPING } from "./mapping.js";
import { MAX_IDENTIFIER_LENGTH } from "./identifiers.js";

const cell = (s: string): string => s.replace(/\|/g, "\\|");

export function renderWarehouseMappingDoc(): string {
  const rows = WAREHOUSE_MAPPING.map((r) => `| ${cell(r.protobuf)} | ${r.snowflake} | ${cell(r.duckdb)} | ${r.kind} | ${cell(r.note)} |`);
  const meta = METADATA_COLUMNS.map((m) => `| ${m.name} | ${m.snowflake}${m.nullable ? "" : " NOT NULL"} | ${m.duckdb} | ${m.source} | ${cell(m.comment)} |`);
  return `<!-- Generated from compiler/warehouse/mapping.ts by compiler/warehouse/mapping-doc.ts; do not edit.
     Update: EVT_UPDATE_DOCS=1 npx vitest run --project unit test/compiler/emit/warehouse-mapping-doc.test.ts -->
# Warehouse mapping

How \`evt generate\` maps protobuf fields to Snowflake columns (and to the DuckDB mirror). The
table below is rendered from \`compiler/warehouse/mapping.ts\`, the one table every generator
(Snowflake DDL, runtime sink config, DuckDB DDL) and the warehouse compatibility rules read.

## Types

| protobuf | Snowflake | DuckDB | kind (sink config) | note |
| --- | --- | --- | --- | --- |
${rows.join("\n")}

\`(evt.v1.field).column_type\` replaces the Snowflake type when it can hold every value of the
field (same family; integers keep scale 0 and at least the default precision); the DuckDB type
follows the override (\`NUMBER(p,s)\` → \`DECIMAL(p,s)\`).

## Columns

- One column per field, named UPPER_SNAKE of the field name, or \`(evt.v1.field).column\`.
- \`flatten_nested: true\` on a sink: a nested (non-well-known, non-repeated) message becomes one
  \`PARENT__CHILD\` column per leaf, recursively (\`DROPOFF_ADDRESS__LOCATION__LATITUDE\`); a
  recursive message stops at the cycle as one VARIANT column.
- A oneof: one nullable column per member plus \`<ONEOF>_CASE\` VARCHAR holding the proto name of the
  member that is set (NULL when none).
- NOT NULL only when the producer guarantees a value: every field on the path is
  \`required\` and none is a oneof member. Everything else is nullable.
- Identifiers: UPPER_SNAKE (\`[A-Z_][A-Z0-9_]*\`), always double-quoted in emitted SQL, at most
  ${MAX_IDENTIFIER_LENGTH} characters, no Snowflake reserved word, no \`EVT_\` prefix, and unique after
  case folding; a violation stops \`evt generate\` (exit 2) with the field's position.
- Only \`CREATE SCHEMA IF NOT EXISTS\` / \`CREATE TABLE IF NOT EXISTS\` are emitted, never
  \`CREATE OR REPLACE\` or \`CREATE OR ALTER\`; explicit NUMBER widths keep widening a legal ALTER.

## Metadata columns (every sink table, first)

| column | Snowflake | DuckDB | source | meaning |
| --- | --- | --- | --- | --- |
${meta.join("\n")}

## Merge key

- APPEND: \`${APPEND_MERGE_KEY}\`: one row per event; a replayed event (same ce_id) adds no row.
- UPSERT: the column holding the event key (\`key\` of the contract; a nested key needs
  \`flatten_nested\`): one row per key, the event with the highest Kafka offset wins.

The merge key is written in a comment at the top of each table's DDL and as \`mergeKey\` in
\`generated/sinks/evt-sinks.json\`.

## PII

Chosen: the column COMMENT starts with \`[PII:PERSONAL]\` or \`[PII:SENSITIVE]\`, and
\`generated/snowflake/governance/pii_tags.sql\` creates the tag \`EVT_GOVERNANCE.PII\`
(\`CREATE TAG IF NOT EXISTS\`, allowed values PERSONAL and SENSITIVE) and sets it per column with
\`ALTER TABLE … MODIFY COLUMN … SET TAG\`. Not chosen: inline \`WITH TAG\` in CREATE TABLE, because
object tags need Enterprise Edition and must exist before the table, so the table DDL itself would
fail on Standard accounts. A column's class is the highest of its own field, its parents (flattened
columns) and, for VARIANT columns, every field inside the value.

## Sink config (\`generated/sinks/evt-sinks.json\`, version 1)

\`\`\`
{ "version": 1, "database"?: string,
  "metadataColumns": [ { "name", "sqlType", "duckdbType", "kind", "nullable", "source" } ],
  "sinks": [ { "name": "SCHEMA.TABLE", "topic", "dlqTopic": "<topic>.dlq", "eventType", "fingerprint",
               "table": "SCHEMA.TABLE", "mode": "APPEND"|"UPSERT", "mergeKey": [column], "clusterBy": [column],
               "batch": { "maxRows", "maxBytes", "maxMs" },
               "columns": [ { "name", "path": [proto field name], "sqlType", "duckdbType", "kind",
                              "elementKind"?, "oneof"?, "nullable", "wrapper"?: true, "pii"?: "personal"|"sensitive" } ] } ] }
\`\`\`

A column's value is computed from the decoded protobuf-es message by walking \`path\` by proto
field name (reflection: \`reflect(schema, msg)\`, then \`field\` by name; an unset message or
non-selected oneof member yields NULL), then converting by \`kind\`: number (bigint-safe decimal),
float, boolean, varchar, binary, timestamp (Timestamp → UTC with nanoseconds), duration_ns
(Duration → integer nanoseconds), enum_name (value name; the number when unknown), variant
(protobuf JSON of the value), array (elements by \`elementKind\`), oneof_case (the last \`path\`
element is the oneof's name; the value is the proto name of its set member, or NULL). \`wrapper\`
marks google.protobuf wrappers: NULL when absent, the wrapped scalar otherwise.

## Kafka Connect

\`generated/sinks/kafka-connect/<SCHEMA>.<TABLE>.json\` configures the Snowflake Kafka connector
(Snowpipe Streaming, schematization on, the community protobuf converter with the message's
default Java class; secrets as \`\${env:…}\` placeholders for Kafka Connect's EnvVarConfigProvider).
It is the second-best path: it loses uint64 values above 2^63-1, and it names columns after the
record's fields, so renamed and flattened columns stay empty. \`evt run\` is the exact path.
`;
}
