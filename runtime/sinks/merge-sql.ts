/**
 * The SQL both warehouse writers share: MERGE from a de-duplicated batch, and the high-water
 * upsert. Only identifiers (from the sink config, quoted) and `?` placeholders appear in the text;
 * values are always bound.
 *
 * APPEND: one row per event id — a row whose `EVT_EVENT_ID` is already in the table is skipped,
 *         so a replayed batch adds nothing.
 * UPSERT: one row per merge key — the batch keeps each key's latest record (highest partition
 *         offset), and it replaces the stored row unless the stored row is from a later offset of
 *         the same partition (a replay never moves a key backwards).
 */
import type { MetadataColumn, SinkConfig, SinkSpec } from "./config.js";
import { quoteIdent as q } from "./writer.js";

export function metaName(config: SinkConfig, source: MetadataColumn["source"]): string {
  return config.metadataColumns.find((c) => c.source === source)!.name;
}

/** The batch with one row per merge key: its latest record (highest partition offset). */
function dedupSql(config: SinkConfig, sink: SinkSpec, sourceSelect: string): string {
  const partition = q(metaName(config, "kafka.partition"));
  const offset = q(metaName(config, "kafka.offset"));
  return (
    `SELECT * FROM (${sourceSelect}) AS b\n` +
    `  QUALIFY ROW_NUMBER() OVER (PARTITION BY ${sink.mergeKey.map(q).join(", ")} ORDER BY ${partition} DESC, ${offset} DESC) = 1`
  );
}

/**
 * APPEND without MERGE: INSERT the batch's rows whose key the table does not hold yet (an
 * anti-join). `keyWindow` (single-column keys) bounds the table side to keys between the batch's
 * smallest and largest — exact, since an equal key lies in that range, and cheap when keys grow
 * with time (UUIDv7 event ids): DuckDB skips the row groups whose min/max fall outside.
 */
export function insertNewSql(
  config: SinkConfig, sink: SinkSpec, target: string, sourceSelect: string, columns: readonly string[],
  keyWindow?: { readonly low: string; readonly high: string },
  /** The source holds one row per key already (the caller de-duplicated it): no window function. */
  sourceUnique = false,
): string {
  if (sink.mode !== "APPEND") throw new Error(`insertNewSql: sink ${sink.name} is ${sink.mode}, not APPEND`);
  const key = sink.mergeKey.map(q);
  const window = keyWindow && key.length === 1 ? ` WHERE ${key[0]} BETWEEN ${keyWindow.low} AND ${keyWindow.high}` : "";
  const on = key.map((k) => `t.${k} = s.${k}`).join(" AND ");
  return (
    `INSERT INTO ${target} (${columns.map(q).join(", ")})\n` +
    `SELECT ${columns.map((c) => `s.${q(c)}`).join(", ")} FROM (\n  ${sourceUnique ? sourceSelect : dedupSql(config, sink, sourceSelect)}\n) AS s\n` +
    `WHERE NOT EXISTS (SELECT 1 FROM (SELECT ${key.join(", ")} FROM ${target}${window}) AS t WHERE ${on})`
  );
}

/** `sourceSelect` must produce every table column under its own name. */
export function mergeBatchSql(config: SinkConfig, sink: SinkSpec, target: string, sourceSelect: string, columns: readonly string[]): string {
  const partition = q(metaName(config, "kafka.partition"));
  const offset = q(metaName(config, "kafka.offset"));
  const key = sink.mergeKey.map(q);
  const dedup = dedupSql(config, sink, sourceSelect);
  const on = key.map((k) => `t.${k} = s.${k}`).join(" AND ");
  const insert = `WHEN NOT MATCHED THEN INSERT (${columns.map(q).join(", ")}) VALUES (${columns.map((c) => `s.${q(c)}`).join(", ")})`;
  if (sink.mode === "APPEND") {
    return `MERGE INTO ${target} AS t USING (\n  ${dedup}\n) AS s ON ${on}\n${insert}`;
  }
  const keySet = new Set(sink.mergeKey);
  const update = columns.filter((c) => !keySet.has(c)).map((c) => `${q(c)} = s.${q(c)}`).join(", ");
  return (
    `MERGE INTO ${target} AS t USING (\n  ${dedup}\n) AS s ON ${on}\n` +
    `WHEN MATCHED AND (t.${partition} IS NULL OR t.${partition} <> s.${partition} OR t.${offset} <= s.${offset}) THEN UPDATE SET ${update}\n` +
    insert
  );
}

export interface OffsetTypes {
  readonly partition: string;
  readonly offset: string;
  /** Expression turning a bound "YYYY-MM-DD HH:MM:SS.f" text into the timestamp type. */
  readonly timestamp: (placeholder: string) => string;
}

/** Raises (never lowers) the high-water offset of each partition; 5 binds per entry: table, topic, partition, offset, time. */
export function upsertOffsetsSql(offsetsTable: string, count: number, types: OffsetTypes): string {
  const one = `SELECT CAST(? AS VARCHAR) AS "TABLE_NAME", CAST(? AS VARCHAR) AS "TOPIC", CAST(? AS ${types.partition}) AS "KAFKA_PARTITION", ` +
    `CAST(? AS ${types.offset}) AS "HIGH_WATER_OFFSET", ${types.timestamp("?")} AS "UPDATED_AT"`;
  const source = Array.from({ length: count }, () => one).join("\n  UNION ALL ");
  return (
    `MERGE INTO ${offsetsTable} AS o USING (\n  ${source}\n) AS s\n` +
    `ON o."TABLE_NAME" = s."TABLE_NAME" AND o."TOPIC" = s."TOPIC" AND o."KAFKA_PARTITION" = s."KAFKA_PARTITION"\n` +
    `WHEN MATCHED AND s."HIGH_WATER_OFFSET" > o."HIGH_WATER_OFFSET" THEN UPDATE SET "HIGH_WATER_OFFSET" = s."HIGH_WATER_OFFSET", "UPDATED_AT" = s."UPDATED_AT"\n` +
    `WHEN NOT MATCHED THEN INSERT ("TABLE_NAME", "TOPIC", "KAFKA_PARTITION", "HIGH_WATER_OFFSET", "UPDATED_AT") ` +
    `VALUES (s."TABLE_NAME", s."TOPIC", s."KAFKA_PARTITION", s."HIGH_WATER_OFFSET", s."UPDATED_AT")`
  );
}

export function offsetsTableDdl(offsetsTable: string, types: { partition: string; offset: string; timestamp: string }): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${offsetsTable} (\n` +
    `  "TABLE_NAME" VARCHAR NOT NULL,\n  "TOPIC" VARCHAR NOT NULL,\n  "KAFKA_PARTITION" ${types.partition} NOT NULL,\n` +
    `  "HIGH_WATER_OFFSET" ${types.offset} NOT NULL,\n  "UPDATED_AT" ${types.timestamp},\n` +
    `  PRIMARY KEY ("TABLE_NAME", "TOPIC", "KAFKA_PARTITION")\n)`
  );
}

export function offsetBinds(sink: SinkSpec, offsets: readonly { topic: string; partition: number; offset: string }[], now: string): (string | number)[] {
  return offsets.flatMap((o) => [sink.table, o.topic, String(o.partition), o.offset, now]);
}
