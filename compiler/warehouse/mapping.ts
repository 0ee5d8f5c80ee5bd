/**
 * The warehouse mapping, as data: how every protobuf type lands in a Snowflake column (and in the
 * DuckDB mirror). One table read by every generator (Snowflake DDL, sink config, DuckDB DDL,
 * docs/warehouse-mapping.md) and by the warehouse compatibility rules. Change a type here and
 * every output follows; never copy a type string elsewhere.
 *
 * Explicit NUMBER widths keep later widening a legal `ALTER` (DESIGN.md "Warehouse mapping").
 */

/**
 * How the sink computes a column value from the decoded message (see docs/warehouse-mapping.md):
 * number: integer (bigint for 64-bit) written as a decimal · float: IEEE double · boolean ·
 * varchar: UTF-8 string · binary: bytes · timestamp: google.protobuf.Timestamp → UTC instant with
 * nanoseconds · duration_ns: google.protobuf.Duration → integer nanoseconds · enum_name: the enum
 * value's name (the number when unknown) · variant: protobuf JSON of the value · array: list of
 * scalars/enum names · oneof_case: proto name of the set member of a oneof, or NULL.
 */
export type ColumnKind =
  | "number" | "float" | "boolean" | "varchar" | "binary" | "timestamp"
  | "duration_ns" | "enum_name" | "variant" | "array" | "oneof_case";

export interface MappingRow {
  /** Lookup key: the proto type name for scalars and well-known types, else a shape name. */
  readonly id: string;
  /** The protobuf side as written in docs. */
  readonly protobuf: string;
  readonly snowflake: string;
  /** DuckDB type of the mirror table; `{element}` is replaced by the element row's DuckDB type. */
  readonly duckdb: string;
  readonly kind: ColumnKind;
  /** Set for google.protobuf wrappers: the column holds the wrapped scalar, NULL when absent. */
  readonly wrapper?: true;
  readonly note: string;
}

const int = (id: string, snowflake: string, duckdb: string, note: string): MappingRow => ({ id, protobuf: id, snowflake, duckdb, kind: "number", note });
const wrapper = (name: string, snowflake: string, duckdb: string, kind: ColumnKind): MappingRow => ({
  id: `google.protobuf.${name}`,
  protobuf: `google.protobuf.${name}`,
  snowflake,
  duckdb,
  kind,
  wrapper: true,
  note: "the wrapped scalar; NULL when absent",
});

export const WAREHOUSE_MAPPING: readonly MappingRow[] = [
  int("int32", "NUMBER(10,0)", "INTEGER", ""),
  int("sint32", "NUMBER(10,0)", "INTEGER", ""),
  int("sfixed32", "NUMBER(10,0)", "INTEGER", ""),
  int("uint32", "NUMBER(10,0)", "UINTEGER", ""),
  int("fixed32", "NUMBER(10,0)", "UINTEGER", ""),
  int("int64", "NUMBER(19,0)", "BIGINT", ""),
  int("sint64", "NUMBER(19,0)", "BIGINT", ""),
  int("sfixed64", "NUMBER(19,0)", "BIGINT", ""),
  int("uint64", "NUMBER(20,0)", "UBIGINT", "values above 2^63-1 kept exactly (the Kafka connector's path loses them)"),
  int("fixed64", "NUMBER(20,0)", "UBIGINT", "values above 2^63-1 kept exactly (the Kafka connector's path loses them)"),
  { id: "float", protobuf: "float", snowflake: "FLOAT", duckdb: "FLOAT", kind: "float", note: "Snowflake FLOAT is a 64-bit double" },
  { id: "double", protobuf: "double", snowflake: "FLOAT", duckdb: "DOUBLE", kind: "float", note: "" },
  { id: "bool", protobuf: "bool", snowflake: "BOOLEAN", duckdb: "BOOLEAN", kind: "boolean", note: "" },
  { id: "string", protobuf: "string", snowflake: "VARCHAR", duckdb: "VARCHAR", kind: "varchar", note: "" },
  { id: "bytes", protobuf: "bytes", snowflake: "BINARY", duckdb: "BLOB", kind: "binary", note: "" },
  { id: "enum", protobuf: "enum", snowflake: "VARCHAR", duckdb: "VARCHAR", kind: "enum_name", note: "the value's name (the number, as text, when unknown to the schema)" },
  { id: "google.protobuf.Timestamp", protobuf: "google.protobuf.Timestamp", snowflake: "TIMESTAMP_NTZ(9)", duckdb: "TIMESTAMP", kind: "timestamp", note: "UTC; proto's whole range 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z on both targets (DuckDB keeps microseconds: its nanosecond type ends in 2262)" },
  { id: "google.protobuf.Duration", protobuf: "google.protobuf.Duration", snowflake: "NUMBER(38,0)", duckdb: "HUGEINT", kind: "duration_ns", note: "nanoseconds" },
  wrapper("DoubleValue", "FLOAT", "DOUBLE", "float"),
  wrapper("FloatValue", "FLOAT", "FLOAT", "float"),
  wrapper("Int64Value", "NUMBER(19,0)", "BIGINT", "number"),
  wrapper("UInt64Value", "NUMBER(20,0)", "UBIGINT", "number"),
  wrapper("Int32Value", "NUMBER(10,0)", "INTEGER", "number"),
  wrapper("UInt32Value", "NUMBER(10,0)", "UINTEGER", "number"),
  wrapper("BoolValue", "BOOLEAN", "BOOLEAN", "boolean"),
  wrapper("StringValue", "VARCHAR", "VARCHAR", "varchar"),
  wrapper("BytesValue", "BINARY", "BLOB", "binary"),
  { id: "google.protobuf.Struct", protobuf: "google.protobuf.Struct", snowflake: "VARIANT", duckdb: "JSON", kind: "variant", note: "protobuf JSON" },
  { id: "google.protobuf.Value", protobuf: "google.protobuf.Value", snowflake: "VARIANT", duckdb: "JSON", kind: "variant", note: "protobuf JSON" },
  { id: "google.protobuf.ListValue", protobuf: "google.protobuf.ListValue", snowflake: "VARIANT", duckdb: "JSON", kind: "variant", note: "protobuf JSON" },
  { id: "map", protobuf: "map<K, V>", snowflake: "VARIANT", duckdb: "JSON", kind: "variant", note: "protobuf JSON object" },
  { id: "repeated_message", protobuf: "repeated message (incl. well-known types)", snowflake: "VARIANT", duckdb: "JSON", kind: "variant", note: "protobuf JSON array" },
  { id: "repeated_scalar", protobuf: "repeated scalar or enum", snowflake: "ARRAY", duckdb: "{element}[]", kind: "array", note: "elements mapped as their scalar; enums as names; 64-bit integers as decimal strings" },
  { id: "message", protobuf: "nested message", snowflake: "VARIANT", duckdb: "JSON", kind: "variant", note: "protobuf JSON; with `flatten_nested` one `PARENT__CHILD` column per leaf instead, recursively" },
  { id: "oneof_case", protobuf: "oneof (case column)", snowflake: "VARCHAR", duckdb: "VARCHAR", kind: "oneof_case", note: "`<ONEOF>_CASE`: proto name of the set member, NULL when none; each member is its own nullable column" },
];

const BY_ID = new Map(WAREHOUSE_MAPPING.map((r) => [r.id, r]));

export function mappingRow(id: string): MappingRow {
  const row = BY_ID.get(id);
  if (!row) throw new Error(`no warehouse mapping row "${id}"`);
  return row;
}

// ---------------------------------------------------------------------------------------------
// Metadata columns: one set per sink table, filled from the CloudEvents headers and Kafka.

export interface MetadataColumn {
  readonly name: string;
  readonly snowflake: string;
  readonly duckdb: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  /** Where the sink takes the value from. */
  readonly source: "ce_id" | "ce_time" | "ce_source" | "kafka.topic" | "kafka.partition" | "kafka.offset" | "ingest_time" | "evt_schema";
  readonly comment: string;
}

export const METADATA_COLUMNS: readonly MetadataColumn[] = [
  { name: "EVT_EVENT_ID", snowflake: "VARCHAR(36)", duckdb: "VARCHAR", kind: "varchar", nullable: false, source: "ce_id", comment: "CloudEvents ce_id (UUIDv7) set by the producer; the de-duplication key." },
  { name: "EVT_EVENT_TIME", snowflake: "TIMESTAMP_NTZ(9)", duckdb: "TIMESTAMP", kind: "timestamp", nullable: true, source: "ce_time", comment: "CloudEvents ce_time: when the producer created the event, UTC." },
  { name: "EVT_SOURCE", snowflake: "VARCHAR", duckdb: "VARCHAR", kind: "varchar", nullable: true, source: "ce_source", comment: "CloudEvents ce_source: the producer's name." },
  { name: "EVT_TOPIC", snowflake: "VARCHAR", duckdb: "VARCHAR", kind: "varchar", nullable: true, source: "kafka.topic", comment: "Kafka topic the event was read from." },
  { name: "EVT_PARTITION", snowflake: "NUMBER(10,0)", duckdb: "INTEGER", kind: "number", nullable: true, source: "kafka.partition", comment: "Kafka partition the event was read from." },
  { name: "EVT_OFFSET", snowflake: "NUMBER(19,0)", duckdb: "BIGINT", kind: "number", nullable: true, source: "kafka.offset", comment: "Kafka offset of the event in its partition." },
  { name: "EVT_INGESTED_AT", snowflake: "TIMESTAMP_NTZ(9)", duckdb: "TIMESTAMP", kind: "timestamp", nullable: true, source: "ingest_time", comment: "When the sink wrote the row, UTC." },
  { name: "EVT_SCHEMA_FINGERPRINT", snowflake: "VARCHAR(16)", duckdb: "VARCHAR", kind: "varchar", nullable: true, source: "evt_schema", comment: "evt_schema header: fingerprint of the writer's descriptor." },
];

/** The APPEND merge key: rows are de-duplicated on the event id (a replay leaves no duplicates). */
export const APPEND_MERGE_KEY = "EVT_EVENT_ID";

// ---------------------------------------------------------------------------------------------
// column_type overrides: which Snowflake types may replace a kind's default, and their DuckDB twin.

interface ParsedType {
  readonly base: string;
  readonly args: readonly number[];
}

export function parseSqlType(sqlType: string): ParsedType | undefined {
  const m = /^\s*([A-Za-z_]+)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/.exec(sqlType);
  if (!m) return undefined;
  const args = [m[2], m[3]].filter((x): x is string => x !== undefined).map(Number);
  return { base: m[1]!.toUpperCase(), args };
}

/** Snowflake type families a `column_type` override may use, per kind of the field. */
export const OVERRIDE_FAMILIES: Readonly<Record<ColumnKind, readonly string[]>> = {
  number: ["NUMBER", "DECIMAL", "NUMERIC"],
  float: ["FLOAT", "DOUBLE", "REAL", "FLOAT8", "FLOAT4"],
  boolean: ["BOOLEAN"],
  varchar: ["VARCHAR", "STRING", "TEXT", "CHAR", "CHARACTER"],
  binary: ["BINARY", "VARBINARY"],
  timestamp: ["TIMESTAMP_NTZ", "TIMESTAMP_TZ", "TIMESTAMP_LTZ", "TIMESTAMP"],
  duration_ns: ["NUMBER", "DECIMAL", "NUMERIC"],
  enum_name: ["VARCHAR", "STRING", "TEXT"],
  variant: ["VARIANT", "OBJECT"],
  array: ["ARRAY", "VARIANT"],
  oneof_case: ["VARCHAR"],
};

/**
 * Checks a `column_type` override against the kind and default of the field; returns the reason
 * it cannot be used, or undefined. Integer overrides must keep scale 0 and at least the default
 * precision, so that no value of the field is lost.
 */
export function overrideProblem(kind: ColumnKind, defaultType: string, override: string): string | undefined {
  const t = parseSqlType(override);
  if (!t) return `column_type "${override}" is not a Snowflake type`;
  if (!OVERRIDE_FAMILIES[kind].includes(t.base)) {
    return `column_type "${override}" cannot hold a ${kind} value (allowed: ${OVERRIDE_FAMILIES[kind].join(", ")})`;
  }
  if (kind === "number" || kind === "duration_ns") {
    const def = parseSqlType(defaultType)!;
    const [p = 38, s = 0] = t.args;
    if (s !== 0) return `column_type "${override}" must have scale 0 for an integer field`;
    if (p < (def.args[0] ?? 38) || p > 38) return `column_type "${override}" must have a precision between ${def.args[0]} and 38 (default ${defaultType})`;
  }
  return undefined;
}

/** DuckDB twin of a Snowflake type (for overrides; default rows carry their own DuckDB type). */
export function duckdbTypeFor(snowflakeType: string): string {
  const t = parseSqlType(snowflakeType);
  if (!t) throw new Error(`not a Snowflake type: ${snowflakeType}`);
  switch (t.base) {
    case "NUMBER":
    case "DECIMAL":
    case "NUMERIC":
      return `DECIMAL(${t.args[0] ?? 38},${t.args[1] ?? 0})`;
    case "FLOAT4":
    case "REAL":
      return "FLOAT";
    case "FLOAT":
    case "FLOAT8":
    case "DOUBLE":
      return "DOUBLE";
    case "BOOLEAN":
      return "BOOLEAN";
    case "BINARY":
    case "VARBINARY":
      return "BLOB";
    case "TIMESTAMP_TZ":
    case "TIMESTAMP_LTZ":
      return "TIMESTAMPTZ";
    case "TIMESTAMP_NTZ":
    case "TIMESTAMP":
      return "TIMESTAMP"; // microseconds over proto's whole range (TIMESTAMP_NS ends in 2262)
    case "VARIANT":
    case "OBJECT":
    case "ARRAY":
      return "JSON";
    default:
      return "VARCHAR";
  }
}
