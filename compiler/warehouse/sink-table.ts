/**
 * A sink's warehouse table, fully resolved: qualified name, every column with its Snowflake and
 * DuckDB type, value kind, nullability, PII class and comment, the merge key and clustering.
 * Built from the column layout (columns.ts) and the mapping table (mapping.ts); read by the
 * Snowflake DDL, the runtime sink config and the Kafka Connect config, so all three agree.
 */
import type { Catalog, EventModel, FieldModel, PiiClass, SinkModel, SourcePosition } from "../model/catalog.js";
import type { Diagnostic } from "../errors.js";
import { columnTypeProblem, mappingRowOf } from "./column-types.js";
import { eventColumns, type ColumnSource } from "./columns.js";
import { columnNameProblem, findCollisions, sinkTableNameProblem } from "./identifiers.js";
import { APPEND_MERGE_KEY, duckdbTypeFor, mappingRow, METADATA_COLUMNS, type ColumnKind } from "./mapping.js";

export interface WarehouseColumn {
  readonly name: string;
  /**
   * Proto field names from the event message to the value. For `oneof_case` the last element is
   * the oneof's name (the value is the proto name of its set member, or NULL).
   */
  readonly path: readonly string[];
  readonly sqlType: string;
  readonly duckdbType: string;
  readonly kind: ColumnKind;
  /** For `array`: the kind of each element. */
  readonly elementKind?: ColumnKind;
  readonly oneof?: string;
  readonly nullable: boolean;
  readonly wrapper?: true;
  /** Highest PII class of the value: the field's own, its parents' (flattened) or any field inside it (VARIANT). */
  readonly pii: PiiClass;
  readonly comment: string;
  /** Row of the mapping table the type comes from (`column_type` overrides still name the row). */
  readonly mappingId: string;
  readonly overridden: boolean;
  readonly position: SourcePosition;
}

export interface SinkTable {
  readonly event: EventModel;
  readonly sink: SinkModel;
  /** After the configured schema prefix, upper-case. */
  readonly schema: string;
  readonly table: string;
  /** `SCHEMA.TABLE`. */
  readonly name: string;
  readonly mode: SinkModel["mode"];
  readonly columns: readonly WarehouseColumn[];
  /** APPEND: [EVT_EVENT_ID]; UPSERT: the column(s) holding the event key. */
  readonly mergeKey: readonly string[];
  readonly clusterBy: readonly string[];
}

export interface SinkTableOptions {
  /** `warehouse.schemaPrefix` of evt.yaml, prepended to every schema. */
  readonly schemaPrefix: string;
}

const PII_RANK: Record<PiiClass, number> = { none: 0, personal: 1, sensitive: 2 };
export const maxPii = (a: PiiClass, b: PiiClass): PiiClass => (PII_RANK[b] > PII_RANK[a] ? b : a);

/** Highest PII class of any field reachable inside a message (cycles visited once). */
function messagePii(typeName: string, catalog: Catalog, seen = new Set<string>()): PiiClass {
  if (seen.has(typeName)) return "none";
  seen.add(typeName);
  let out: PiiClass = "none";
  for (const f of catalog.messages[typeName]?.fields ?? []) {
    out = maxPii(out, f.pii);
    const inner = f.type.kind === "map" ? f.type.value : f.type;
    if (inner.kind === "message" && !inner.wellKnown) out = maxPii(out, messagePii(inner.typeName, catalog, seen));
  }
  return out;
}

/** The fields along a column's path (the last one is the column's own field). */
function fieldsAlong(event: EventModel, path: readonly string[], catalog: Catalog): FieldModel[] {
  const out: FieldModel[] = [];
  let msg = event.message;
  for (const name of path) {
    const f = msg.fields.find((x) => x.name === name);
    if (!f) break;
    out.push(f);
    if (f.type.kind === "message" && catalog.messages[f.type.typeName]) msg = catalog.messages[f.type.typeName]!;
  }
  return out;
}

function resolveColumn(src: ColumnSource, event: EventModel, catalog: Catalog, diags: Diagnostic[]): WarehouseColumn {
  const along = fieldsAlong(event, src.path, catalog);
  // NOT NULL only when the producer guarantees it: every field on the path is required and none is a oneof member.
  const guaranteed = along.length === src.path.length && along.every((f) => f.required && !f.oneof);
  const inheritedPii = along.reduce<PiiClass>((p, f) => maxPii(p, f.pii), "none");

  if (!src.field) {
    const row = mappingRow("oneof_case");
    return {
      name: src.name,
      path: [...src.path, src.oneof!],
      sqlType: row.snowflake,
      duckdbType: row.duckdb,
      kind: row.kind,
      oneof: src.oneof!,
      nullable: true,
      pii: "none",
      comment: `Which field of oneof ${src.oneof} is set (its proto name); NULL when none is.`,
      mappingId: row.id,
      overridden: false,
      position: src.position,
    };
  }

  const field = src.field;
  const row = mappingRowOf(field);
  let sqlType = row.snowflake;
  let duckdbType = row.duckdb;
  let elementKind: ColumnKind | undefined;
  if (row.kind === "array") {
    const element = mappingRowOf({ type: field.type, repeated: false });
    elementKind = element.kind;
    duckdbType = row.duckdb.replace("{element}", element.duckdb);
  }
  let overridden = false;
  if (field.columnType) {
    const problem = columnTypeProblem(field, field.columnType);
    if (problem) {
      diags.push({ ...field.position, message: `${event.fullName}: field ${src.path.join(".")}: ${problem}` });
    } else {
      sqlType = field.columnType.trim().toUpperCase().replace(/\s+/g, "");
      duckdbType = duckdbTypeFor(sqlType);
      overridden = true;
    }
  }
  let pii = inheritedPii;
  const inner = field.type.kind === "map" ? field.type.value : field.type;
  if (row.kind === "variant" && inner.kind === "message" && !inner.wellKnown) pii = maxPii(pii, messagePii(inner.typeName, catalog));
  return {
    name: src.name,
    path: src.path,
    sqlType,
    duckdbType,
    kind: row.kind,
    ...(elementKind ? { elementKind } : {}),
    ...(src.oneof ? { oneof: src.oneof } : {}),
    nullable: !guaranteed,
    ...(row.wrapper ? { wrapper: true as const } : {}),
    pii,
    comment: field.comment,
    mappingId: row.id,
    overridden,
    position: field.position,
  };
}

/** Schema and table of a sink after the configured prefix, upper-cased (unchecked; see sinkTable). */
export function sinkTableName(sink: SinkModel, options: SinkTableOptions): { schema: string; table: string; name: string } {
  const [schemaPart = "", table = ""] = sink.table.toUpperCase().split(".");
  const schema = `${options.schemaPrefix.toUpperCase()}${schemaPart}`;
  return { schema, table, name: `${schema}.${table}` };
}

/**
 * Resolved sinks with the problems found on the way, by sink model: lint's rules and generate
 * resolve the same sinks (models are immutable, so the result is a function of the arguments).
 */
const resolved = new WeakMap<SinkModel, { readonly catalog: Catalog; readonly event: EventModel; readonly prefix: string; readonly table: SinkTable; readonly diags: readonly Diagnostic[] }[]>();

/** Resolves one sink; problems (bad names, collisions, unknown cluster/merge columns) go to `diags`. */
export function sinkTable(event: EventModel, sink: SinkModel, catalog: Catalog, options: SinkTableOptions, diags: Diagnostic[]): SinkTable {
  let seen = resolved.get(sink);
  if (!seen) resolved.set(sink, (seen = []));
  let hit = seen.find((r) => r.catalog === catalog && r.event === event && r.prefix === options.schemaPrefix);
  if (!hit) {
    const found: Diagnostic[] = [];
    hit = { catalog, event, prefix: options.schemaPrefix, table: resolveSinkTable(event, sink, catalog, options, found), diags: found };
    seen.push(hit);
  }
  diags.push(...hit.diags);
  return hit.table;
}

function resolveSinkTable(event: EventModel, sink: SinkModel, catalog: Catalog, options: SinkTableOptions, diags: Diagnostic[]): SinkTable {
  const tableProblem = sinkTableNameProblem(sink.table);
  if (tableProblem) diags.push({ ...sink.position, message: `${event.fullName}: ${tableProblem}` });
  const { schema, table } = sinkTableName(sink, options);

  const columns = eventColumns(event.message, catalog, { flatten: sink.flattenNested }).map((c) => resolveColumn(c, event, catalog, diags));
  for (const c of columns) {
    const problem = columnNameProblem(c.name);
    if (problem) diags.push({ ...c.position, message: `${event.fullName} → ${sink.table}: column ${problem}` });
  }
  for (const group of findCollisions([...METADATA_COLUMNS.map((m) => m.name), ...columns.map((c) => c.name)])) {
    // The column that collides with an earlier one (where lint's EVT_COLUMN_COLLISION points).
    const same = columns.filter((c) => c.name.toUpperCase() === group[0]!.toUpperCase());
    const culprit = same[1] ?? same[0];
    diags.push({ ...(culprit?.position ?? sink.position), message: `${event.fullName} → ${sink.table}: columns collide after case folding: ${group.join(", ")}` });
  }

  const clusterBy = sink.clusterBy.map((c) => {
    const problem = clusterColumnProblem(c, columns);
    if (problem) diags.push({ ...sink.position, message: `${event.fullName} → ${sink.table}: ${problem}` });
    return c.toUpperCase();
  });

  let mergeKey: string[] = [APPEND_MERGE_KEY];
  if (sink.mode === "UPSERT") {
    const merge = upsertKeyColumn(event, columns);
    if (typeof merge === "string") diags.push({ ...sink.position, message: `${event.fullName} → ${sink.table}: ${merge}` });
    else mergeKey = [merge.name];
  }
  return { event, sink, schema, table, name: `${schema}.${table}`, mode: sink.mode, columns, mergeKey, clusterBy };
}


/** Every sink table of the catalog, sorted by name; table names must be unique across the catalog. */
export function sinkTables(catalog: Catalog, options: SinkTableOptions, diags: Diagnostic[]): SinkTable[] {
  const out = catalog.events.flatMap((e) => e.sinks.map((s) => sinkTable(e, s, catalog, options, diags)));
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.name === out[i - 1]!.name) {
      diags.push({ ...out[i]!.sink.position, message: `sink table ${out[i]!.name} is used by ${out[i - 1]!.event.fullName} and ${out[i]!.event.fullName}` });
    }
  }
  return out;
}

/** Why a `cluster_by` entry names no column of the table, or undefined (shared with lint's EVT_SINK_CLUSTER_COLUMN). */
export function clusterColumnProblem(entry: string, columns: readonly Pick<WarehouseColumn, "name">[]): string | undefined {
  const name = entry.toUpperCase();
  if (columns.some((c) => c.name === name) || METADATA_COLUMNS.some((m) => m.name === name)) return undefined;
  return `cluster_by column "${entry}" is not a column of the table; name one of its columns (upper-case, as in the DDL)`;
}

/** The column an UPSERT merges on (the key's), or why there is none (shared with lint's EVT_UPSERT_WITHOUT_KEY). */
export function upsertKeyColumn(event: EventModel, columns: readonly WarehouseColumn[]): WarehouseColumn | string {
  const keyPath = event.key ?? [];
  if (keyPath.length === 0) return "UPSERT needs the event key as a column, but the event has no key; set key, or use mode APPEND";
  const keyColumn = columns.find((c) => c.kind !== "oneof_case" && c.path.join(".") === keyPath.join("."));
  return keyColumn ?? `UPSERT needs the event key as a column, but key "${keyPath.join(".")}" is inside a VARIANT column; set flatten_nested: true on the sink`;
}
