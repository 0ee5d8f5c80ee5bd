/**
 * `flink/tables/<package>.<Message>.sql`: the Flink SQL source table of every event, ready for
 * Flink's SQL client (`SET 'table.local-time-zone' = 'UTC'` first; docs/flink-mapping.md).
 * Processors build the same DDL with their own group id and watermark (compiler/processors).
 */
import type { Catalog, EventModel } from "../../model/catalog.js";
import { generatedHeader } from "../header.js";
import { javaClassName } from "../java/class-names.js";
import { defaultTableName, flinkTableDdl } from "./table-ddl.js";
import { SESSION_TIME_ZONE } from "./wire.js";

export function flinkTablePath(event: EventModel): string {
  return `flink/tables/${event.fullName}.sql`;
}

export function emitFlinkTable(event: EventModel, catalog: Catalog, bootstrapServers: string, fileTypeNames: readonly string[]): string {
  const ddl = flinkTableDdl(event, catalog, {
    name: defaultTableName(event),
    topic: event.topic,
    bootstrapServers,
    javaClass: javaClassName(event, fileTypeNames),
    role: "source",
  });
  return [
    generatedHeader("--", event.file),
    `-- ${event.fullName} on topic ${event.topic}; needs the classes of generated/java on the class path.`,
    `-- Time functions assume SET 'table.local-time-zone' = '${SESSION_TIME_ZONE}';`,
    `${ddl};`,
    "",
  ].join("\n");
}
