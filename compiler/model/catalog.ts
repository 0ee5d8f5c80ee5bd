/**
 * The contract catalog: the one typed model of the event contracts that every generator and
 * every check reads. Built from buf's FileDescriptorSet by `model/build-catalog.ts`; nothing
 * else parses descriptors. Plain data (JSON-serialisable): `generated/catalog.json` is this
 * object plus a format version.
 */

/** 1-based line and column of an element in a .proto file, `file` relative to the proto root. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Where the tokens of an element are, for findings that point where buf points (a field's name,
 * type, `default` / `json_name` option; an enum value's number; an RPC's types; a `features`
 * option). Attached as a non-enumerable `tokens` property (model/source-index.ts `withTokens`):
 * rules read it, catalog.json and equality of models ignore it.
 */
export interface Tokens {
  readonly name?: SourcePosition;
  readonly number?: SourcePosition;
  readonly type?: SourcePosition;
  readonly default?: SourcePosition;
  readonly jsonName?: SourcePosition;
  readonly input?: SourcePosition;
  readonly output?: SourcePosition;
  readonly idempotency?: SourcePosition;
  /** The `features.json_format` option of a message or enum. */
  readonly jsonFormat?: SourcePosition;
  /** The `features.message_encoding` option of a field. */
  readonly messageEncoding?: SourcePosition;
}

export type ScalarType =
  | "double" | "float"
  | "int32" | "int64" | "uint32" | "uint64"
  | "sint32" | "sint64" | "fixed32" | "fixed64" | "sfixed32" | "sfixed64"
  | "bool" | "string" | "bytes";

/** Well-known types the warehouse mapping treats specially. */
export type WellKnownType =
  | "timestamp" | "duration" | "struct" | "value" | "list_value"
  | "double_value" | "float_value" | "int64_value" | "uint64_value" | "int32_value"
  | "uint32_value" | "bool_value" | "string_value" | "bytes_value";

export type FieldType =
  | { readonly kind: "scalar"; readonly scalar: ScalarType }
  | { readonly kind: "enum"; readonly typeName: string }
  | { readonly kind: "message"; readonly typeName: string; readonly wellKnown?: WellKnownType }
  | { readonly kind: "map"; readonly key: ScalarType; readonly value: FieldType };

export type PiiClass = "none" | "personal" | "sensitive";
export type CompatibilityMode =
  | "BACKWARD" | "FORWARD" | "FULL" | "NONE"
  | "BACKWARD_TRANSITIVE" | "FORWARD_TRANSITIVE" | "FULL_TRANSITIVE";
export type SinkMode = "APPEND" | "UPSERT";

export interface FieldModel {
  /** Proto field name (snake_case). */
  readonly name: string;
  /** protobuf-es property name (camelCase) on generated message objects. */
  readonly localName: string;
  readonly jsonName: string;
  readonly number: number;
  readonly type: FieldType;
  /** `repeated` (maps are not repeated: their kind is "map"). */
  readonly repeated: boolean;
  /** Wire cardinality: proto3 implicit presence, explicit `optional`, proto2 `required`, or repeated/map. */
  readonly cardinality: "implicit" | "optional" | "required" | "repeated";
  /** Explicit presence (proto3 `optional`, or a oneof member, or a message field). */
  readonly optional: boolean;
  /** Name of the real (non-synthetic) oneof this field belongs to. */
  readonly oneof?: string;
  /** From `(evt.v1.field)`; defaults when unset: pii "none", required false. */
  readonly pii: PiiClass;
  readonly required: boolean;
  readonly column?: string;
  readonly columnType?: string;
  /** Leading comment, trimmed; "" when none. */
  readonly comment: string;
  /** `[deprecated = true]`; absent when not deprecated. */
  readonly deprecated?: true;
  readonly position: SourcePosition;
  readonly tokens?: Tokens;
  /** Message fields encoded as groups (proto2 `group`, editions `features.message_encoding = DELIMITED`). */
  readonly delimited?: true;
  /** proto2 `[default = …]` as written in the descriptor (absent when none is declared). */
  readonly defaultValue?: string;
}

/**
 * An extension field (`extend Target { … }`): on the wire like a field of the extendee, in JSON
 * the key `[full.name]`. Compatibility pairs extensions by extendee and number, like fields.
 */
export interface ExtensionModel extends FieldModel {
  /** `pkg.name` (or `pkg.Scope.name` when declared inside a message). */
  readonly fullName: string;
  readonly extendee: string;
  readonly file: string;
}

/** Resolved `features.json_format`: proto2 defaults to LEGACY_BEST_EFFORT, proto3/editions to ALLOW. */
export type JsonFormat = "ALLOW" | "LEGACY_BEST_EFFORT";

/** Inclusive number range. */
export interface NumberRange {
  readonly start: number;
  readonly end: number;
}

export interface MessageModel {
  readonly fullName: string;
  readonly name: string;
  readonly file: string;
  readonly package: string;
  readonly reservedRanges: readonly NumberRange[];
  readonly reservedNames: readonly string[];
  readonly fields: readonly FieldModel[];
  /** Real oneofs (synthetic proto3-optional oneofs excluded), member field names in order. */
  readonly oneofs: readonly { readonly name: string; readonly fields: readonly string[] }[];
  readonly comment: string;
  /** `option deprecated = true`; absent when not deprecated. */
  readonly deprecated?: true;
  readonly position: SourcePosition;
  readonly tokens?: Tokens;
  readonly jsonFormat?: JsonFormat;
}

export interface EnumModel {
  readonly fullName: string;
  readonly name: string;
  readonly file: string;
  readonly package: string;
  readonly reservedRanges: readonly NumberRange[];
  readonly reservedNames: readonly string[];
  readonly values: readonly {
    readonly name: string;
    readonly number: number;
    readonly comment: string;
    readonly position: SourcePosition;
    readonly tokens?: Tokens;
  }[];
  readonly comment: string;
  readonly position: SourcePosition;
  readonly tokens?: Tokens;
  readonly jsonFormat?: JsonFormat;
  /** A closed enum (proto2, or editions `features.enum_type = CLOSED`) drops unknown numbers into unknown fields. */
  readonly closed?: true;
}

/** A .proto file of the contract root: its package and syntax (compatibility checks pair files by path). */
export interface FileModel {
  readonly name: string;
  readonly package: string;
  /** "proto2", "proto3" or "editions". */
  readonly syntax: string;
  /** Where `package` is declared (the file start when absent). */
  readonly packagePosition: SourcePosition;
}

/** A gRPC service of the contract tree (not an event concept; kept so wire checks cover RPC rules). */
export interface ServiceModel {
  readonly fullName: string;
  readonly name: string;
  readonly file: string;
  readonly methods: readonly {
    readonly name: string;
    readonly input: string;
    readonly output: string;
    readonly clientStreaming: boolean;
    readonly serverStreaming: boolean;
    readonly idempotency: "IDEMPOTENCY_UNKNOWN" | "NO_SIDE_EFFECTS" | "IDEMPOTENT";
    readonly position: SourcePosition;
    readonly tokens?: Tokens;
  }[];
  readonly position: SourcePosition;
}

export interface SinkModel {
  /** As written: `SCHEMA.TABLE`. */
  readonly table: string;
  readonly mode: SinkMode;
  readonly clusterBy: readonly string[];
  readonly flattenNested: boolean;
  readonly position: SourcePosition;
}

/** `ingest { public, sources }`: publication through the HTTP collector (`evt ingest`). */
export interface IngestModel {
  readonly public: boolean;
  /** Allowed client sources as written (lint checks their form); empty → any source. */
  readonly sources: readonly string[];
  readonly position: SourcePosition;
}

/** `EventOptions.slo` as written (0 = no objective of that kind); lint judges the values. */
export interface SloModel {
  readonly freshnessMinutes: number;
  readonly maxRejectRate: number;
  readonly minEventsPerHour: number;
  readonly position: SourcePosition;
}

/** A message annotated with `(evt.v1.event)`. Values are as written; lint judges them. */
export interface EventModel {
  readonly fullName: string;
  /** The message itself (also present in `Catalog.messages`). */
  readonly message: MessageModel;
  readonly topic: string;
  /** Key field path as proto field names (`["courier", "courier_id"]`); absent → null key. */
  readonly key?: readonly string[];
  /** Path of the Timestamp field holding the event time (`event_time`); absent → the `ce_time` header. */
  readonly eventTime?: readonly string[];
  readonly owner: string;
  readonly compatibility: CompatibilityMode;
  readonly sinks: readonly SinkModel[];
  readonly partitions: number;
  readonly retentionHours: number;
  /** Present when the option sets `ingest`; absent → service producers only. */
  readonly ingest?: IngestModel;
  /** Service-level objectives (`slo`), absent when the contract sets none. */
  readonly slo?: SloModel;
  /** Hex fingerprint of the message's descriptor and every type it reaches (see build-catalog). */
  readonly fingerprint: string;
  /** Where the `(evt.v1.event)` option is written (falls back to the message position). */
  readonly optionPosition: SourcePosition;
  /** The .proto file, relative to the proto root, and its generated protobuf-es module path. */
  readonly file: string;
  readonly tsModule: string;
  /** Export name of the message schema in the protobuf-es module, e.g. `OrderPlacedSchema`. */
  readonly tsSchemaName: string;
  /** Type name exported by the protobuf-es module, e.g. `OrderPlaced`. */
  readonly tsTypeName: string;
}

export interface Catalog {
  /** Proto files of the contract root (imports such as google/protobuf/* excluded), sorted. */
  readonly files: readonly string[];
  /** Events sorted by full name. */
  readonly events: readonly EventModel[];
  /** Every message and enum defined in the root's files or reachable from an event, by full name. */
  readonly messages: Readonly<Record<string, MessageModel>>;
  readonly enums: Readonly<Record<string, EnumModel>>;
  /** Per contract file (same keys as `files`): package, syntax. */
  readonly fileModels?: Readonly<Record<string, FileModel>>;
  /** Extensions declared in the root's files, by full name (absent when there are none). */
  readonly extensions?: Readonly<Record<string, ExtensionModel>>;
  /** Services by full name (usually none in an event catalog). */
  readonly services?: Readonly<Record<string, ServiceModel>>;
}

export const CATALOG_FORMAT_VERSION = 1;
