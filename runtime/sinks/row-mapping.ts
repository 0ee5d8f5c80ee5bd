/**
 * Event → warehouse row. Each sink column is compiled once against the contract's schema into an
 * accessor that walks its `path` by proto field names (protobuf-es reflection) and returns one
 * neutral cell, the same for every warehouse:
 *
 *   number, duration_ns            exact decimal text (uint64 18446744073709551615 stays exact)
 *   float                          JS number (NaN/±Infinity kept)
 *   boolean                        boolean
 *   varchar, enum_name, oneof_case text (enum → value name; oneof → member's proto name or NULL)
 *   binary                         lower-case hex
 *   timestamp                      "YYYY-MM-DD HH:MM:SS.fffffffff", UTC, nanoseconds; outside
 *                                  Timestamp's range (years 0001–9999) rejected, column named
 *   variant, array                 JSON text (protobuf JSON mapping: int64 as strings, enums by name)
 *
 * Writers turn cells into their dialect (TO_TIMESTAMP_NTZ, PARSE_JSON, TO_BINARY(?, 'HEX') /
 * CAST). Values are never spliced into SQL. A writer whose driver takes typed values (DuckDB's
 * appender) asks for `native` cells instead, which skip the text round trip: integers and
 * durations as the proto's own number or bigint, timestamps as bigint epoch nanoseconds, binary
 * as the bytes; everything else is as above. A row that cannot fit its table (NULL into NOT NULL,
 * VARCHAR(n) or NUMBER(p,0) overflow) is rejected here with the column named, before it can fail a
 * whole batch in the warehouse.
 */
import { create, fromBinary, toJson, type DescField, type DescMessage, type DescOneof, type Message } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { ScalarType } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { RuntimeConfigError } from "../errors.js";
import type { ColumnKind, MetadataColumn, SinkColumn, SinkConfig, SinkSpec } from "./config.js";

export type Cell = string | number | bigint | boolean | Uint8Array | null;

/** `text`: the neutral cells above (Snowflake binds them); `native`: typed values (DuckDB's appender). */
export type CellFormat = "text" | "native";

/** What the mapper needs from a consumed record besides the decoded event. */
export interface RecordMeta {
  readonly id: string;
  /** `ce_type` as sent; a record without it is rejected (mapRecord). */
  readonly type?: string;
  /** `ce_time` as sent (RFC 3339), or undefined. */
  readonly time?: string;
  readonly source?: string;
  readonly schema?: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** When the sink read the record, ms since epoch. */
  readonly ingestMs: number;
}

export interface MappedRow {
  readonly cells: readonly Cell[];
  readonly eventId: string;
  readonly partition: number;
  readonly offset: string;
  /** Approximate encoded size, for the byte bound of a batch. */
  readonly bytes: number;
}

/** A row the table cannot take; it goes to the DLQ with `reason`, never blocking the partition. */
export class RowRejectedError extends Error {
  override name = "RowRejectedError";
  constructor(message: string, readonly column?: string) {
    super(message);
  }
}

type Accessor = (root: ReflectMessage, cache: JsonCache) => Cell;
type JsonCache = Map<ReflectMessage, Record<string, unknown>>;

interface CompiledColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly check: ((cell: Cell) => string | undefined) | undefined;
  readonly get: Accessor;
}

export interface RowMapper {
  readonly sink: SinkSpec;
  readonly schema: DescMessage;
  /** Table column names, in cell order (metadata columns first). */
  readonly columnNames: readonly string[];
  readonly columnKinds: readonly ColumnKind[];
  /** Decodes the record value and maps it; throws RowRejectedError for a row the table cannot take. */
  mapRecord(value: Uint8Array, meta: RecordMeta): MappedRow;
  mapEvent(event: Message, meta: RecordMeta, bytes?: number): MappedRow;
}

// ---- cell formats ---------------------------------------------------------------------------

const NS_PER_S = 1_000_000_000n;

/** Epoch nanoseconds → "YYYY-MM-DD HH:MM:SS.fffffffff" (UTC). */
export function formatTimestampNs(ns: bigint): string {
  let seconds = ns / NS_PER_S;
  let nanos = ns % NS_PER_S;
  if (nanos < 0n) {
    nanos += NS_PER_S;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString(); // exact: whole seconds
  const date = iso.startsWith("+") || iso.startsWith("-") ? iso.slice(0, 20) : iso.slice(0, 19);
  return `${date.replace("T", " ")}.${nanos.toString().padStart(9, "0")}`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9})\d*)?([Zz]|[+-]\d{2}:\d{2})?$/;

/** RFC 3339 text (as in `ce_time`) → epoch nanoseconds, keeping every fraction digit; undefined if unparseable. */
export function parseRfc3339Ns(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return BigInt(ms) * 1_000_000n + BigInt((frac ?? "").padEnd(9, "0"));
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * The one timestamp range of both targets: google.protobuf.Timestamp's own, 0001-01-01T00:00:00Z
 * to 9999-12-31T23:59:59.999999999Z (Snowflake TIMESTAMP_NTZ and DuckDB TIMESTAMP hold all of it).
 */
export const MIN_TIMESTAMP_SECONDS = -62_135_596_800n;
export const MAX_TIMESTAMP_SECONDS = 253_402_300_799n;

/** Timestamp and Duration share this shape (protobuf-es local names of `seconds`, `nanos`). */
interface SecondsNanos {
  readonly seconds: bigint;
  readonly nanos: number;
}

function timestampCell(ts: ReflectMessage, format: CellFormat): Cell {
  const { seconds, nanos } = ts.message as unknown as SecondsNanos;
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS || nanos < 0 || nanos > 999_999_999) {
    throw new Error(`timestamp (seconds ${seconds}, nanos ${nanos}) is outside google.protobuf.Timestamp's range 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z`);
  }
  const ns = BigInt(seconds) * NS_PER_S + BigInt(nanos);
  return format === "native" ? ns : formatTimestampNs(ns);
}

function durationCell(du: ReflectMessage, format: CellFormat): Cell {
  const { seconds, nanos } = du.message as unknown as SecondsNanos;
  const ns = BigInt(seconds) * NS_PER_S + BigInt(nanos);
  return format === "native" ? ns : ns.toString();
}

/** A scalar as the cell of `kind`. */
function scalarCell(kind: ColumnKind, value: unknown, field: DescField, format: CellFormat): Cell {
  if (value === undefined || value === null) return null;
  switch (kind) {
    case "number":
    case "duration_ns":
      if (format === "native" && (typeof value === "bigint" || typeof value === "number")) return value;
      return typeof value === "bigint" ? value.toString() : String(value);
    case "float":
      return Number(value);
    case "boolean":
      return Boolean(value);
    case "binary":
      return format === "native" ? (value as Uint8Array) : hex(value as Uint8Array);
    case "enum_name": {
      const e = field.enum;
      return e?.values.find((v) => v.number === value)?.name ?? String(value);
    }
    case "varchar":
      if (value instanceof Uint8Array) return hex(value);
      return typeof value === "string" ? value : String(value);
    default:
      return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
}

// ---- compile ---------------------------------------------------------------------------------

function fieldByName(desc: DescMessage, name: string, where: string): DescField {
  const f = desc.fields.find((x) => x.name === name);
  if (!f) throw new RuntimeConfigError(`${where}: ${desc.typeName} has no field ${name}`, { context: { where } });
  return f;
}

/** Walks the message steps of a path; returns the holder of the last step, or undefined when a parent is unset. */
function walk(root: ReflectMessage, steps: readonly DescField[]): ReflectMessage | undefined {
  let cur = root;
  for (const f of steps) {
    if (!cur.isSet(f)) return undefined;
    cur = cur.get(f) as ReflectMessage;
  }
  return cur;
}

function jsonOf(holder: ReflectMessage, cache: JsonCache): Record<string, unknown> {
  let j = cache.get(holder);
  if (!j) {
    j = toJson(holder.desc, holder.message as never) as Record<string, unknown>;
    cache.set(holder, j);
  }
  return j;
}

/**
 * The JSON of one field of `holder`. Normally read from the holder's JSON (computed once per
 * message); when that fails — another field has no JSON form, an out-of-range Timestamp say —
 * the field is converted alone, so the error (if any) is this field's and names its column.
 */
function fieldJson(holder: ReflectMessage, field: DescField, cache: JsonCache): unknown {
  try {
    return jsonOf(holder, cache)[field.jsonName];
  } catch {
    const msg = holder.message as unknown as Record<string, unknown>;
    const key = field.oneof ? field.oneof.localName : field.localName;
    const alone = create(holder.desc, { [key]: msg[key] } as never);
    return (toJson(holder.desc, alone as never) as Record<string, unknown>)[field.jsonName];
  }
}

/** Writes one list item or map value as protobuf-es's toJson does (proto3 JSON mapping). */
function itemJsonWriter(field: DescField & { fieldKind: "list" | "map" }): (v: unknown) => unknown {
  const kind = field.fieldKind === "list" ? field.listKind : field.mapKind;
  if (kind === "message") {
    const desc = field.message!;
    return (v) => toJson(desc, v as never);
  }
  if (kind === "enum") {
    const e = field.enum!;
    if (e.typeName === "google.protobuf.NullValue") return () => null;
    // an unknown value is written as its number, like toJson
    return (v) => {
      const value = e.value[v as number] as { jsonName?: string; name: string } | undefined;
      return value ? (value.jsonName ?? value.name) : v;
    };
  }
  switch (field.scalar) {
    case ScalarType.FLOAT: case ScalarType.DOUBLE:
      return (v) => (Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : v);
    case ScalarType.INT64: case ScalarType.SINT64: case ScalarType.SFIXED64: case ScalarType.UINT64: case ScalarType.FIXED64:
      return (v) => String(v);
    case ScalarType.BYTES:
      return (v) => Buffer.from((v as Uint8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).byteLength).toString("base64");
    default: // 32-bit integers, bool, string: as they are
      return (v) => v;
  }
}

/**
 * The JSON of a list or map field on its own (undefined when empty, as toJson omits it), without
 * converting the whole message: its other fields (timestamps, nested messages) would be formatted
 * for nothing.
 */
function listOrMapJson(field: DescField & { fieldKind: "list" | "map" }): (holder: ReflectMessage) => unknown {
  const item = itemJsonWriter(field);
  const key = field.localName;
  if (field.fieldKind === "list") {
    return (holder) => {
      const items = (holder.message as unknown as Record<string, readonly unknown[]>)[key]!;
      return items.length === 0 ? undefined : items.map((v) => item(v));
    };
  }
  return (holder) => {
    const entries = (holder.message as unknown as Record<string, Record<string, unknown>>)[key]!;
    const keys = Object.keys(entries);
    if (keys.length === 0) return undefined;
    const json: Record<string, unknown> = {};
    // defineProperty: a "__proto__" key must become an own property, as toJson makes it
    for (const k of keys) Object.defineProperty(json, k, { value: item(entries[k]), enumerable: true, writable: true, configurable: true });
    return json;
  };
}

function compileColumn(schema: DescMessage, col: SinkColumn, where: string, format: CellFormat): Accessor {
  // every step but the last must be a singular message field
  const parents: DescField[] = [];
  let desc = schema;
  for (const name of col.path.slice(0, -1)) {
    const f = fieldByName(desc, name, where);
    if (f.fieldKind !== "message") throw new RuntimeConfigError(`${where}: ${desc.typeName}.${name} is not a message field, cannot walk into it`);
    parents.push(f);
    desc = f.message;
  }
  const last = col.path[col.path.length - 1]!;

  if (col.kind === "oneof_case") {
    const oneof: DescOneof | undefined = desc.oneofs.find((o) => o.name === last);
    if (!oneof) throw new RuntimeConfigError(`${where}: ${desc.typeName} has no oneof ${last}`);
    return (root) => {
      const holder = walk(root, parents);
      return holder?.oneofCase(oneof)?.name ?? null;
    };
  }

  const field = fieldByName(desc, last, where);
  const kind = col.kind;
  if (field.fieldKind === "list" || field.fieldKind === "map") {
    if (kind !== "variant" && kind !== "array") throw new RuntimeConfigError(`${where}: kind ${kind} on a ${field.fieldKind} field`);
    const json = listOrMapJson(field);
    return (root) => {
      const holder = walk(root, parents);
      const v = holder && json(holder);
      return v === undefined ? null : JSON.stringify(v);
    };
  }
  return (root, cache) => {
    const holder = walk(root, parents);
    if (!holder) return null;
    // proto3 implicit-presence scalars are always "set" (0, "", false): read them regardless
    const hasPresence = field.fieldKind === "message" || field.oneof !== undefined || field.presence !== 2;
    if (hasPresence && !holder.isSet(field)) return null;
    const value = holder.get(field);
    if (field.fieldKind === "message") {
      const msg = value as ReflectMessage;
      const type = field.message.typeName;
      if ((col.wrapper || isWrapperDesc(field.message)) && kind !== "variant") {
        const inner = field.message.fields[0]!;
        return scalarCell(kind, msg.get(inner), inner, format);
      }
      if (kind === "timestamp") return timestampCell(msg, format);
      if (kind === "duration_ns") return durationCell(msg, format);
      if (kind === "variant" || kind === "array") return JSON.stringify(toJson(msg.desc, msg.message as never));
      throw new RuntimeConfigError(`${where}: kind ${kind} on message field of type ${type}`);
    }
    if (kind === "variant" || kind === "array") return JSON.stringify(fieldJson(holder, field, cache) ?? null);
    if (field.fieldKind === "scalar" && field.scalar === ScalarType.BYTES && kind === "binary") return format === "native" ? (value as Uint8Array) : hex(value as Uint8Array);
    return scalarCell(kind, value, field, format);
  };
}

function metadataAccessor(col: MetadataColumn, format: CellFormat): (meta: RecordMeta) => Cell {
  const ts = format === "native" ? (ns: bigint) => ns : formatTimestampNs;
  switch (col.source) {
    case "ce_id": return (m) => m.id;
    case "ce_source": return (m) => m.source ?? null;
    case "evt_schema": return (m) => m.schema ?? null;
    case "kafka.topic": return (m) => m.topic;
    case "kafka.partition": return format === "native" ? (m) => m.partition : (m) => String(m.partition);
    case "kafka.offset": return (m) => m.offset;
    case "ce_time": return (m) => {
      const ns = m.time === undefined ? undefined : parseRfc3339Ns(m.time);
      const inRange = ns !== undefined && ns >= MIN_TIMESTAMP_SECONDS * NS_PER_S && ns < (MAX_TIMESTAMP_SECONDS + 1n) * NS_PER_S;
      return inRange ? ts(ns) : null;
    };
    case "ingest_time": return (m) => ts(BigInt(m.ingestMs) * 1_000_000n);
  }
}

/** A length/precision check from the declared SQL type, when it has one. */
function limitCheck(name: string, sqlType: string, kind: ColumnKind): ((cell: Cell) => string | undefined) | undefined {
  const varchar = /^VARCHAR\((\d+)\)$/i.exec(sqlType);
  if (varchar && (kind === "varchar" || kind === "enum_name" || kind === "oneof_case")) {
    const max = Number(varchar[1]);
    return (cell) => {
      if (typeof cell !== "string") return undefined;
      // Snowflake counts characters (code points)
      const n = cell.length <= max ? cell.length : [...cell].length;
      return n > max ? `value of ${n} characters is too long for ${name} ${sqlType}` : undefined;
    };
  }
  const number = /^NUMBER\((\d+),\s*0\)$/i.exec(sqlType);
  if (number && (kind === "number" || kind === "duration_ns")) {
    const p = Number(number[1]);
    const bound = 10n ** BigInt(p);
    return (cell) => {
      if (typeof cell === "number" || typeof cell === "bigint") {
        // native cells: compare with 10^p instead of counting digits
        const v = BigInt(cell);
        return v >= bound || v <= -bound ? `value ${cell} has more than ${p} digits for ${name} ${sqlType}` : undefined;
      }
      if (typeof cell !== "string") return undefined;
      const digits = cell.startsWith("-") ? cell.length - 1 : cell.length;
      return digits > p ? `value ${cell} has more than ${p} digits for ${name} ${sqlType}` : undefined;
    };
  }
  return undefined;
}

export function compileRowMapper(config: SinkConfig, sink: SinkSpec, schema: DescMessage, format: CellFormat = "text"): RowMapper {
  if (schema.typeName !== sink.eventType) {
    throw new RuntimeConfigError(`sink ${sink.name}: schema ${schema.typeName} is not the sink's event type ${sink.eventType}`, { context: { sink: sink.name } });
  }
  const meta = config.metadataColumns.map((c) => ({ c, get: metadataAccessor(c, format), check: limitCheck(c.name, c.sqlType, c.kind) }));
  const cols: CompiledColumn[] = sink.columns.map((c) => ({
    name: c.name,
    kind: c.kind,
    nullable: c.nullable,
    check: limitCheck(c.name, c.sqlType, c.kind),
    get: compileColumn(schema, c, `sink ${sink.name} column ${c.name}`, format),
  }));
  const columnNames = [...config.metadataColumns.map((c) => c.name), ...cols.map((c) => c.name)];
  const columnKinds = [...config.metadataColumns.map((c) => c.kind), ...cols.map((c) => c.kind)];

  function mapEvent(event: Message, m: RecordMeta, bytes = 0): MappedRow {
    const root = reflect(schema, event as never);
    const cache: JsonCache = new Map();
    const cells: Cell[] = [];
    let size = bytes;
    for (const { c, get, check } of meta) {
      const v = get(m);
      if (v === null && !c.nullable) throw new RowRejectedError(`${c.name} is NOT NULL but the record has no value for it`, c.name);
      const problem = check?.(v);
      if (problem) throw new RowRejectedError(problem, c.name);
      cells.push(v);
    }
    for (const c of cols) {
      let v: Cell;
      try {
        v = c.get(root, cache);
      } catch (e) {
        // e.g. toJson of a google.protobuf.Value with no kind set: the event has no JSON form
        throw new RowRejectedError(`${c.name}: ${(e as Error).message}`, c.name);
      }
      if (v === null && !c.nullable) throw new RowRejectedError(`${c.name} is NOT NULL but the event leaves it unset`, c.name);
      const problem = c.check?.(v);
      if (problem) throw new RowRejectedError(problem, c.name);
      if (bytes === 0 && typeof v === "string") size += v.length;
      cells.push(v);
    }
    return { cells, eventId: m.id, partition: m.partition, offset: m.offset, bytes: size + 8 * cells.length };
  }

  return {
    sink,
    schema,
    columnNames,
    columnKinds,
    mapEvent,
    mapRecord(value, m) {
      // CloudEvents requires ce_type; without it nothing says the bytes are this contract's
      // message (protobuf decodes most byte strings into something), so the row is not written.
      if (m.type === undefined || m.type === "") throw new RowRejectedError(`record has no ce_type header; the sink writes only records typed ${sink.eventType}`);
      let event: Message;
      try {
        event = fromBinary(schema, value);
      } catch (e) {
        throw new RowRejectedError(`value is not a valid ${sink.eventType}: ${(e as Error).message}`);
      }
      return mapEvent(event, m, value.byteLength);
    },
  };
}
