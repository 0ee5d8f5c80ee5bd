/**
 * Builds the contract catalog (compiler/model/catalog.ts) from buf's FileDescriptorSet.
 * This is the only place that walks descriptors; everything downstream reads the model.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import {
  createFileRegistry,
  fromBinary,
  getOption,
  hasOption,
  isFieldSet,
  ScalarType as PbScalar,
  toBinary,
  type DescEnum,
  type DescEnumValue,
  type DescExtension,
  type DescField,
  type DescFile,
  type DescMessage,
  type DescService,
  type FileRegistry,
} from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import {
  DescriptorProtoSchema,
  Edition,
  EnumDescriptorProtoSchema,
  FeatureSet_FieldPresence,
  FeatureSet_JsonFormat,
  FieldDescriptorProtoSchema,
  MethodOptions_IdempotencyLevel,
  FileDescriptorSetSchema,
  type FeatureSet,
  type FileDescriptorSet,
} from "@bufbuild/protobuf/wkt";
import { buildDescriptorSetBytes } from "../load/buf-build.js";
import { decodeDescriptorSet, sameBytes, type DecodedDescriptorSet, type DescriptorReuse, type TypeContext } from "../load/descriptor-set.js";
import { sourceLocationsOf, WireReader, type SourceLocations } from "../load/source-info.js";
import { fileName, lazyProperty, SourceIndex, withSource, withTokens } from "./source-index.js";
import {
  event as eventOption,
  EventOptions_Compatibility,
  field as fieldOption,
  FieldOptions_Pii,
  Sink_Mode,
} from "../vocabulary/evt/v1/options_pb.js";
import type {
  Catalog,
  CompatibilityMode,
  EnumModel,
  EventModel,
  ExtensionModel,
  FieldModel,
  FieldType,
  FileModel,
  JsonFormat,
  MessageModel,
  ServiceModel,
  NumberRange,
  PiiClass,
  ScalarType,
  SinkModel,
  SourcePosition,
  Tokens,
  WellKnownType,
} from "./catalog.js";

const require = createRequire(import.meta.url);
interface ProtocGenEsNames {
  generatedDescName(desc: DescMessage): string;
  generatedShapeName(desc: DescMessage): string;
}
let names: ProtocGenEsNames | undefined;
// protoc-gen-es's own naming (nested `Parent_Child`, reserved-word escaping); not exported by
// protoplugin. Loaded on first use (it pulls protobuf-es's CommonJS build): check-compat never asks.
const protocGenEsNames = (): ProtocGenEsNames =>
  (names ??= require(path.join(path.dirname(require.resolve("@bufbuild/protoplugin")), "names.js")) as ProtocGenEsNames);

/**
 * protoc-gen-es's names of a message, memoised per file shape: protoplugin recomputes every name
 * of the file on each call, and the names depend only on the file's name, package and the kinds
 * and full names of its types (clashes get suffixes), so a file with the same shape in another
 * catalog (check-compat's after tree) gets the same names.
 */
function generatedNames(msg: DescMessage): { tsSchemaName: string; tsTypeName: string } {
  const key = fileShape(msg.file);
  let byType = namesByFileShape.get(key);
  if (!byType) {
    if (namesByFileShape.size > 10_000) namesByFileShape.clear(); // bound a long-lived process
    namesByFileShape.set(key, (byType = new Map()));
  }
  let found = byType.get(msg.typeName);
  if (!found) {
    found = { tsSchemaName: protocGenEsNames().generatedDescName(msg), tsTypeName: protocGenEsNames().generatedShapeName(msg) };
    byType.set(msg.typeName, found);
  }
  return found;
}

const namesByFileShape = new Map<string, Map<string, { tsSchemaName: string; tsTypeName: string }>>();
const fileShapes = new WeakMap<DescFile, string>();

function fileShape(file: DescFile): string {
  let shape = fileShapes.get(file);
  if (shape === undefined) {
    shape = `${file.name}\n${file.proto.package ?? ""}`;
    for (const d of nestedTypes(file)) shape += `\n${d.kind} ${d.typeName}`;
    fileShapes.set(file, shape);
  }
  return shape;
}

/** A compiled proto tree: the catalog plus the descriptors (for protoc-gen-es only). */
export interface LoadedContracts {
  readonly catalog: Catalog;
  readonly set: FileDescriptorSet;
  readonly registry: FileRegistry;
}

/** Compiles `root` with buf and builds its catalog. `displayRoot` prefixes positions (default: root as given). */
export async function loadCatalog(root: string, displayRoot: string = root, options: CatalogOptions = {}): Promise<LoadedContracts> {
  return catalogFromDecoded(decodeDescriptorSet(await buildDescriptorSetBytes(root), options.reuse), displayRoot);
}

export interface CatalogOptions {
  /** Shared by the catalogs built in one process (check-compat's baseline and after tree). */
  readonly reuse?: DescriptorReuse;
}

/** Files that belong to the contract tree (not google/protobuf or the evt vocabulary). */
export function isContractFile(name: string): boolean {
  return !name.startsWith("google/protobuf/") && name !== "evt/v1/options.proto";
}

export function catalogFromDescriptorSet(set: FileDescriptorSet, displayRoot = ""): LoadedContracts {
  const registry = createFileRegistry(set);
  const catalog = buildCatalog([...registry.files], set.file.map((f) => sourceLocationsOf(f.sourceCodeInfo)), displayRoot);
  return { catalog, registry, set };
}

/**
 * The catalog of a set decoded by compiler/load/descriptor-set.ts. `set` (with source info, for
 * protoc-gen-es) is decoded from the bytes on first access: the catalog alone does not need it.
 */
export function catalogFromDecoded(decoded: DecodedDescriptorSet, displayRoot = ""): LoadedContracts {
  const files = decoded.reuse && decoded.contexts ? sharedDescFiles(decoded.set, decoded.contexts, decoded.reuse) : undefined;
  let registry = files ? undefined : createFileRegistry(decoded.set);
  const catalog = buildCatalog(files ?? [...registry!.files], decoded.locations, displayRoot, decoded.contexts);
  let full: FileDescriptorSet | undefined;
  return {
    catalog,
    get registry(): FileRegistry {
      // An equivalent registry (the catalog was built from DescFiles partly shared with another catalog).
      return (registry ??= createFileRegistry(decoded.set));
    },
    get set(): FileDescriptorSet {
      return (full ??= fromBinary(FileDescriptorSetSchema, decoded.bytes));
    },
  };
}

/**
 * The set's files as protobuf-es DescFiles, each re-used from a catalog decoded before with the
 * same DescriptorReuse when the file is unchanged: the same top-level message and enum objects
 * (DescriptorReuse: equal bytes), the same other fields (TypeContext.file: name, package,
 * imports, options, services, extensions...) and every import re-used too. Only the others are
 * built (createFileRegistry with the re-used imports). In the set's order.
 */
function sharedDescFiles(set: FileDescriptorSet, contexts: readonly TypeContext[], reuse: DescriptorReuse): DescFile[] {
  let seen = descFilesByReuse.get(reuse);
  if (!seen || !fewImportPaths(set)) {
    // The first catalog (or an import graph where per-file registries would cost more): all at once.
    const files = [...createFileRegistry(set).files];
    if (!seen) descFilesByReuse.set(reuse, (seen = new Map()));
    const contextOf = new Map(set.file.map((f, i) => [f.name ?? "", contexts[i]!.file] as const));
    for (const desc of files) seen.set(desc.proto.name ?? "", { context: contextOf.get(desc.proto.name ?? "")!, desc });
    return files;
  }
  const built = new Map<string, DescFile>();
  const unchanged = new Set<string>();
  const out = set.file.map((proto, i) => {
    const name = proto.name ?? "";
    const context = contexts[i]!;
    const before = seen.get(name);
    if (
      before &&
      sameBytes(before.context, context.file) &&
      sameObjects(before.desc.proto.messageType, proto.messageType) &&
      sameObjects(before.desc.proto.enumType, proto.enumType) &&
      proto.dependency.every((d) => unchanged.has(d))
    ) {
      unchanged.add(name);
      built.set(name, before.desc);
      return before.desc;
    }
    const desc = createFileRegistry(proto, (dep) => built.get(dep)).getFile(name);
    if (!desc) throw new Error(`${name}: not in its own registry`);
    built.set(name, desc);
    seen.set(name, { context: context.file, desc });
    return desc;
  });
  return out;
}

/**
 * Whether building files one at a time stays cheap: createFileRegistry(file, resolve) adds the
 * types of every import, transitively, once per import path (no de-duplication), so a deep
 * diamond-shaped import graph would multiply the work.
 */
function fewImportPaths(set: FileDescriptorSet): boolean {
  const deps = new Map(set.file.map((f) => [f.name ?? "", f.dependency] as const));
  const paths = new Map<string, number>();
  const count = (name: string): number => {
    let n = paths.get(name);
    if (n === undefined) {
      paths.set(name, 1); // a cycle (buf rejects them) counts once
      n = 1;
      for (const d of deps.get(name) ?? []) n += count(d);
      paths.set(name, n);
    }
    return n;
  };
  return set.file.every((f) => count(f.name ?? "") <= 1_000);
}

const descFilesByReuse = new WeakMap<DescriptorReuse, Map<string, { readonly context: Uint8Array; readonly desc: DescFile }>>();

function sameObjects(a: readonly object[], b: readonly object[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function buildCatalog(
  descFiles: readonly DescFile[],
  locations: readonly SourceLocations[],
  displayRoot: string,
  contexts?: readonly TypeContext[],
): Catalog {
  const protos = descFiles.map((f) => f.proto);
  const positions = new SourceIndex(protos, locations, displayRoot);
  const contextOf = new Map(contexts ? protos.map((f, i) => [f.name ?? "", contexts[i]!] as const) : []);
  const messages: Record<string, MessageModel> = {};
  const enums: Record<string, EnumModel> = {};
  const events: EventModel[] = [];
  const files: string[] = [];
  const fileModels: Record<string, FileModel> = {};
  const services: Record<string, ServiceModel> = {};
  const extensions: Record<string, ExtensionModel> = {};

  for (const file of descFiles) {
    if (!isContractFile(file.name + ".proto") && !isContractFile(file.proto.name ?? "")) continue;
    files.push(file.proto.name ?? `${file.name}.proto`);
    fileModels[fileName(file)] = fileModelOf(file, positions);
    for (const svc of file.services) services[svc.typeName] = serviceModel(svc, positions);
    for (const x of [...file.extensions, ...file.messages.flatMap(allMessages).flatMap((m) => m.nestedExtensions)]) {
      extensions[x.typeName] = extensionModel(x, positions);
    }
    const context = contextOf.get(fileName(file));
    file.messages.forEach((top, i) => {
      const subtree = allMessages(top);
      const models = reusedModels(top, `4.${i}`, context, displayRoot) ?? {
        messages: subtree.map((m) => messageModel(m, positions)),
        enums: subtree.flatMap((m) => m.nestedEnums).map((en) => enumModel(en, positions)),
      };
      rememberModels(top, `4.${i}`, context, displayRoot, models);
      subtree.forEach((msg, j) => {
        const model = models.messages[j]!;
        messages[model.fullName] = model;
        if (hasOption(msg, eventOption)) events.push(reusedEvent(msg, model) ?? rememberEvent(msg, eventModel(msg, model, positions)));
      });
      for (const en of models.enums) enums[en.fullName] = en;
    });
    file.enums.forEach((top, i) => {
      const models = reusedModels(top, `5.${i}`, context, displayRoot) ?? { messages: [], enums: [enumModel(top, positions)] };
      rememberModels(top, `5.${i}`, context, displayRoot, models);
      enums[top.typeName] = models.enums[0]!;
    });
  }

  events.sort((a, b) => cmp(a.fullName, b.fullName));
  files.sort(cmp);
  const catalog: Catalog = {
    files,
    events,
    messages: sortRecord(messages),
    enums: sortRecord(enums),
    fileModels: sortRecord(fileModels),
    services: sortRecord(services),
    ...(Object.keys(extensions).length > 0 ? { extensions: sortRecord(extensions) } : {}),
  };
  return catalog;
}

// ---------------------------------------------------------------------------------------------
// Elements

function messageModel(msg: DescMessage, positions: SourceIndex): MessageModel {
  return withSource<MessageModel, DescMessage>({
    fullName: msg.typeName,
    name: msg.name,
    file: fileName(msg.file),
    package: msg.file.proto.package ?? "",
    fields: msg.fields.map((f) => fieldModel(f, positions)),
    oneofs: msg.oneofs.map((o) => ({ name: o.name, fields: o.fields.map((f) => f.name) })),
    reservedRanges: msg.proto.reservedRange.map((r) => ({ start: r.start ?? 0, end: (r.end ?? 1) - 1 })),
    reservedNames: [...msg.proto.reservedName],
    ...(msg.deprecated ? { deprecated: true as const } : {}),
    jsonFormat: jsonFormatOf(msg),
  }, positions, msg, messageTokens);
}

function fieldModel(f: DescField | DescExtension, positions: SourceIndex): FieldModel {
  const opts = hasOption(f, fieldOption) ? getOption(f, fieldOption) : undefined;
  return withSource<FieldModel, DescField | DescExtension>({
    name: f.name,
    localName: f.kind === "field" ? f.localName : f.name,
    jsonName: f.jsonName,
    number: f.number,
    type: fieldType(f),
    repeated: f.fieldKind === "list",
    cardinality: cardinalityOf(f),
    optional: f.presence === FeatureSet_FieldPresence.EXPLICIT && f.fieldKind !== "list" && f.fieldKind !== "map",
    ...(f.oneof ? { oneof: f.oneof.name } : {}),
    pii: piiOf(opts?.pii),
    required: opts?.required ?? false,
    ...(opts?.column ? { column: opts.column } : {}),
    ...(opts?.columnType ? { columnType: opts.columnType } : {}),
    ...(f.deprecated ? { deprecated: true as const } : {}),
    ...(delimitedOf(f) ? { delimited: true as const } : {}),
    ...(isFieldSet(f.proto, FieldDescriptorProtoSchema.field.defaultValue) ? { defaultValue: f.proto.defaultValue } : {}),
  }, positions, f, fieldTokens);
}

const messageTokens = (positions: SourceIndex, msg: DescMessage): Tokens => ({ jsonFormat: positions.token(msg, "7.12.6") });
const enumTokens = (positions: SourceIndex, en: DescEnum): Tokens => ({ jsonFormat: positions.token(en, "3.7.6") });
const enumValueTokens = (positions: SourceIndex, v: DescEnumValue): Tokens => ({ name: positions.token(v, "1"), number: positions.token(v, "2") });

/** buf's token positions: the type name for message/enum/map fields, the scalar type otherwise. */
function fieldTokens(positions: SourceIndex, f: DescField | DescExtension): Tokens {
  const named = f.fieldKind === "message" || f.fieldKind === "enum" || f.fieldKind === "map" || (f.fieldKind === "list" && f.listKind !== "scalar");
  return {
    name: positions.token(f, "1"),
    type: positions.token(f, named ? "6" : "5") ?? positions.token(f, "5"),
    default: positions.token(f, "7"),
    jsonName: positions.token(f, "10"),
    messageEncoding: positions.token(f, "8.21.5"),
  };
}

function delimitedOf(f: DescField | DescExtension): boolean {
  return (f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message")) && f.delimitedEncoding;
}

function cardinalityOf(f: DescField | DescExtension): FieldModel["cardinality"] {
  if (f.fieldKind === "list" || f.fieldKind === "map") return "repeated";
  if (f.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED) return "required";
  return f.presence === FeatureSet_FieldPresence.EXPLICIT ? "optional" : "implicit";
}

function extensionModel(x: DescExtension, positions: SourceIndex): ExtensionModel {
  const field = fieldModel(x, positions);
  return withTokens<ExtensionModel>({ ...field, fullName: x.typeName, extendee: x.extendee.typeName, file: fileName(x.file) }, field.tokens ?? {});
}

function enumModel(en: DescEnum, positions: SourceIndex): EnumModel {
  return withSource<EnumModel, DescEnum>({
    fullName: en.typeName,
    name: en.name,
    file: fileName(en.file),
    package: en.file.proto.package ?? "",
    values: en.values.map((v) =>
      withSource<EnumModel["values"][number], DescEnumValue>({ name: v.name, number: v.number }, positions, v, enumValueTokens),
    ),
    reservedRanges: en.proto.reservedRange.map((r) => ({ start: r.start ?? 0, end: r.end ?? 0 })), // enum ranges are inclusive
    reservedNames: [...en.proto.reservedName],
    jsonFormat: jsonFormatOf(en),
    ...(en.open ? {} : { closed: true as const }),
  }, positions, en, enumTokens);
}

function fileModelOf(file: DescFile, positions: SourceIndex): FileModel {
  const syntax = file.edition === Edition.EDITION_PROTO2 ? "proto2" : file.edition === Edition.EDITION_PROTO3 ? "proto3" : "editions";
  return {
    name: fileName(file),
    package: file.proto.package ?? "",
    syntax,
    packagePosition: positions.at(file, "2") ?? positions.fileStart(file),
  };
}

const IDEMPOTENCY: Record<MethodOptions_IdempotencyLevel, ServiceModel["methods"][number]["idempotency"]> = {
  [MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN]: "IDEMPOTENCY_UNKNOWN",
  [MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS]: "NO_SIDE_EFFECTS",
  [MethodOptions_IdempotencyLevel.IDEMPOTENT]: "IDEMPOTENT",
};

function serviceModel(svc: DescService, positions: SourceIndex): ServiceModel {
  return {
    fullName: svc.typeName,
    name: svc.name,
    file: fileName(svc.file),
    methods: svc.methods.map((m) => withTokens({
      name: m.name,
      input: m.input.typeName,
      output: m.output.typeName,
      clientStreaming: m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming",
      serverStreaming: m.methodKind === "server_streaming" || m.methodKind === "bidi_streaming",
      idempotency: IDEMPOTENCY[m.idempotency],
      position: positions.of(m),
    }, { name: positions.token(m, "1"), input: positions.token(m, "2"), output: positions.token(m, "3"), idempotency: positions.token(m, "4.34") })),
    position: positions.of(svc),
  };
}

/**
 * `features.json_format` resolved like protoc does: the edition default (proto2 → best effort),
 * overridden by the file, then each enclosing message, then the element itself.
 */
function jsonFormatOf(desc: DescMessage | DescEnum): JsonFormat {
  let format: JsonFormat = desc.file.edition === Edition.EDITION_PROTO2 ? "LEGACY_BEST_EFFORT" : "ALLOW";
  const apply = (features: FeatureSet | undefined): void => {
    if (features?.jsonFormat === FeatureSet_JsonFormat.ALLOW) format = "ALLOW";
    else if (features?.jsonFormat === FeatureSet_JsonFormat.LEGACY_BEST_EFFORT) format = "LEGACY_BEST_EFFORT";
  };
  apply(desc.file.proto.options?.features);
  const chain: (DescMessage | DescEnum)[] = [];
  for (let d: DescMessage | DescEnum | undefined = desc; d; d = d.parent) chain.unshift(d);
  for (const d of chain) apply(d.proto.options?.features);
  return format;
}

function eventModel(msg: DescMessage, message: MessageModel, positions: SourceIndex): EventModel {
  const opt = getOption(msg, eventOption);
  const file = fileName(msg.file);
  // where a member of the event option is, else the option, else the message (read on use)
  const optionAt = (member?: string) => (): SourcePosition => {
    const optionPath = `${positions.keyOf(msg)}.7.50001`;
    return (member === undefined ? undefined : positions.at(msg.file, `${optionPath}.${member}`)) ?? positions.at(msg.file, optionPath) ?? message.position;
  };
  const model: Omit<EventModel, "optionPosition" | "tsSchemaName" | "tsTypeName"> = {
    fullName: msg.typeName,
    message,
    topic: opt.topic,
    ...(opt.key ? { key: opt.key.split(".") } : {}),
    ...(opt.eventTime ? { eventTime: opt.eventTime.split(".") } : {}),
    owner: opt.owner,
    compatibility: compatibilityOf(opt.compatibility),
    sinks: opt.sink.map((s, i) =>
      located<SinkModel>({
        table: s.table,
        mode: s.mode === Sink_Mode.UPSERT ? "UPSERT" : "APPEND",
        clusterBy: [...s.clusterBy],
        flattenNested: s.flattenNested,
      }, optionAt(`5.${i}`)),
    ),
    partitions: opt.partitions || 6,
    retentionHours: opt.retentionHours || 168,
    // EventOptions.ingest is field 8; buf records its members, not the block: `public` (1), else the option
    ...(opt.ingest ? { ingest: located<NonNullable<EventModel["ingest"]>>({ public: opt.ingest.public, sources: [...opt.ingest.sources] }, optionAt("8.1")) } : {}),
    ...(opt.slo
      ? { slo: located<NonNullable<EventModel["slo"]>>({ freshnessMinutes: opt.slo.freshnessMinutes, maxRejectRate: opt.slo.maxRejectRate, minEventsPerHour: Number(opt.slo.minEventsPerHour) }, optionAt("10")) }
      : {}),
    fingerprint: fingerprintOf(msg),
    file,
    tsModule: file.replace(/\.proto$/, "_pb"),
  };
  lazyProperty(model, "optionPosition", optionAt());
  // protoc-gen-es's names need every name in the file (allNames): only generate reads them
  lazyProperty(model, "tsSchemaName", () => generatedNames(msg).tsSchemaName);
  lazyProperty(model, "tsTypeName", () => generatedNames(msg).tsTypeName);
  return model as EventModel;
}

/** `model` with its `position` read from the source info on first use (see withSource). */
function located<T extends { readonly position: SourcePosition }>(model: Omit<T, "position">, position: () => SourcePosition): T {
  lazyProperty(model, "position", position);
  return model as T;
}

/**
 * Event models by message descriptor object, re-used like message models (below): when the
 * message's model is the same object (descriptor, file and the subtree's source locations
 * unchanged, so the option and every position in it are too), the file has the same shape
 * (protoc-gen-es names) and the fingerprint is the same (no type it reaches changed).
 */
const eventModels = new WeakMap<object, { readonly model: EventModel; readonly shape: string }>();

function reusedEvent(msg: DescMessage, message: MessageModel): EventModel | undefined {
  const seen = eventModels.get(msg.proto);
  if (!seen || seen.model.message !== message || seen.shape !== fileShape(msg.file)) return undefined;
  return seen.model.fingerprint === fingerprintOf(msg) ? seen.model : undefined;
}

function rememberEvent(msg: DescMessage, model: EventModel): EventModel {
  eventModels.set(msg.proto, { model, shape: fileShape(msg.file) });
  return model;
}

// ---------------------------------------------------------------------------------------------
// Types and option values

const SCALARS: Record<PbScalar, ScalarType> = {
  [PbScalar.DOUBLE]: "double",
  [PbScalar.FLOAT]: "float",
  [PbScalar.INT64]: "int64",
  [PbScalar.UINT64]: "uint64",
  [PbScalar.INT32]: "int32",
  [PbScalar.FIXED64]: "fixed64",
  [PbScalar.FIXED32]: "fixed32",
  [PbScalar.BOOL]: "bool",
  [PbScalar.STRING]: "string",
  [PbScalar.BYTES]: "bytes",
  [PbScalar.UINT32]: "uint32",
  [PbScalar.SFIXED32]: "sfixed32",
  [PbScalar.SFIXED64]: "sfixed64",
  [PbScalar.SINT32]: "sint32",
  [PbScalar.SINT64]: "sint64",
};

const WELL_KNOWN: Record<string, WellKnownType> = {
  "google.protobuf.Timestamp": "timestamp",
  "google.protobuf.Duration": "duration",
  "google.protobuf.Struct": "struct",
  "google.protobuf.Value": "value",
  "google.protobuf.ListValue": "list_value",
  "google.protobuf.DoubleValue": "double_value",
  "google.protobuf.FloatValue": "float_value",
  "google.protobuf.Int64Value": "int64_value",
  "google.protobuf.UInt64Value": "uint64_value",
  "google.protobuf.Int32Value": "int32_value",
  "google.protobuf.UInt32Value": "uint32_value",
  "google.protobuf.BoolValue": "bool_value",
  "google.protobuf.StringValue": "string_value",
  "google.protobuf.BytesValue": "bytes_value",
};

function messageType(m: DescMessage): FieldType {
  const wellKnown = WELL_KNOWN[m.typeName];
  return wellKnown ? { kind: "message", typeName: m.typeName, wellKnown } : { kind: "message", typeName: m.typeName };
}

function fieldType(f: DescField | DescExtension): FieldType {
  switch (f.fieldKind) {
    case "scalar":
      return { kind: "scalar", scalar: SCALARS[f.scalar] };
    case "enum":
      return { kind: "enum", typeName: f.enum.typeName };
    case "message":
      return messageType(f.message);
    case "list":
      if (f.listKind === "scalar") return { kind: "scalar", scalar: SCALARS[f.scalar] };
      if (f.listKind === "enum") return { kind: "enum", typeName: f.enum.typeName };
      return messageType(f.message);
    case "map": {
      const key = SCALARS[f.mapKey];
      if (f.mapKind === "scalar") return { kind: "map", key, value: { kind: "scalar", scalar: SCALARS[f.scalar] } };
      if (f.mapKind === "enum") return { kind: "map", key, value: { kind: "enum", typeName: f.enum.typeName } };
      return { kind: "map", key, value: messageType(f.message) };
    }
  }
}

function piiOf(p: FieldOptions_Pii | undefined): PiiClass {
  if (p === FieldOptions_Pii.PERSONAL) return "personal";
  if (p === FieldOptions_Pii.SENSITIVE) return "sensitive";
  return "none";
}

function compatibilityOf(c: EventOptions_Compatibility): CompatibilityMode {
  const name = EventOptions_Compatibility[c] as string | undefined;
  return !name || c === EventOptions_Compatibility.COMPATIBILITY_UNSPECIFIED ? "BACKWARD" : (name as CompatibilityMode);
}

/**
 * sha256 over the binary descriptors of the message and every message/enum it reaches, sorted
 * by full name (comments live in source info, so they do not change the fingerprint). Each
 * descriptor is serialised once (below): events share most of their types.
 */
function fingerprintOf(root: DescMessage): string {
  const reached = reachedFrom(root);
  // The hash is a function of the reached descriptor objects (a descriptor object has one full name).
  const protos = [...reached].map((d) => d.proto);
  const seen = fingerprints.get(root.proto);
  if (seen && seen.protos.length === protos.length && seen.protos.every((p, i) => p === protos[i])) return seen.fingerprint;
  const hash = createHash("sha256");
  for (const d of [...reached].sort((a, b) => cmp(a.typeName, b.typeName))) {
    hash.update(d.typeName).update("\0").update(binaryOf(d)).update("\0");
  }
  const fingerprint = hash.digest("hex").slice(0, 16);
  fingerprints.set(root.proto, { protos, fingerprint });
  return fingerprint;
}

/** Fingerprints by the root's descriptor object, with the descriptor objects they were computed from (in visit order). */
const fingerprints = new WeakMap<object, { readonly protos: readonly object[]; readonly fingerprint: string }>();

/** The message and every message and enum its fields reach, transitively. */
function reachedFrom(root: DescMessage): Set<DescMessage | DescEnum> {
  const reached = new Set<DescMessage | DescEnum>();
  const visit = (m: DescMessage): void => {
    if (reached.has(m)) return;
    reached.add(m);
    for (const f of m.fields) {
      if (f.message) visit(f.message);
      if (f.enum) reached.add(f.enum);
    }
  };
  visit(root);
  return reached;
}

function binaryOf(d: DescMessage | DescEnum): Uint8Array {
  let b = binaries.get(d.proto);
  if (!b) {
    // A nested type's serialisation is a slice of its parent's (toBinary writes a message field as
    // the message's own bytes): serialise each top-level type once, not once per nesting level.
    if (d.parent) b = nestedSlice(d, d.parent);
    b ??= d.kind === "message" ? toBinary(DescriptorProtoSchema, d.proto) : toBinary(EnumDescriptorProtoSchema, d.proto);
    binaries.set(d.proto, b);
  }
  return b;
}

const NESTED_TYPE = 3; // DescriptorProto.nested_type
const ENUM_TYPE = 4; // DescriptorProto.enum_type

/** `d`'s bytes cut out of its parent's serialisation (every sibling's cached on the way); undefined if they do not line up. */
function nestedSlice(d: DescMessage | DescEnum, parent: DescMessage): Uint8Array | undefined {
  const field = d.kind === "message" ? NESTED_TYPE : ENUM_TYPE;
  const siblings: readonly object[] = d.kind === "message" ? parent.proto.nestedType : parent.proto.enumType;
  const parts = lengthDelimitedFields(binaryOf(parent), field);
  if (parts.length !== siblings.length) return undefined;
  siblings.forEach((p, i) => binaries.set(p, parts[i]!));
  return binaries.get(d.proto);
}

/** The payloads of every occurrence of length-delimited field `field` in a serialised message, in order. */
function lengthDelimitedFields(bytes: Uint8Array, field: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const r = new WireReader(bytes, 0, bytes.length);
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag !== ((field << 3) | 2)) {
      r.skip(tag & 7, tag >>> 3);
      continue;
    }
    const len = r.uint32();
    out.push(bytes.subarray(r.pos, r.pos + len));
    r.pos += len;
  }
  return out;
}

/**
 * Serialised descriptors by descriptor object: the serialisation is a function of the object, and
 * descriptors are never mutated. Objects are shared between catalogs when the descriptor set was
 * decoded with a DescriptorReuse (check-compat: the after tree's unchanged types are the baseline's).
 */
const binaries = new WeakMap<object, Uint8Array>();

// ---------------------------------------------------------------------------------------------
// Walking and positions

/** The message and every message nested in it, depth first. */
function allMessages(top: DescMessage): DescMessage[] {
  const out: DescMessage[] = [];
  const walk = (m: DescMessage): void => {
    out.push(m);
    m.nestedMessages.forEach(walk);
  };
  walk(top);
  return out;
}

interface SubtreeModels {
  /** The top-level message and its nested messages, in allMessages order (empty for an enum). */
  readonly messages: readonly MessageModel[];
  /** Enums nested in them (or the top-level enum itself). */
  readonly enums: readonly EnumModel[];
}

/**
 * Models of a top-level type's subtree, by its descriptor object. A descriptor object is shared
 * between catalogs only when its bytes were equal (DescriptorReuse); its models are re-used when,
 * in addition, the rest of its file (name, package, edition, options: features, presence, JSON
 * format) and the source locations of the subtree (positions, comments) are byte for byte the
 * same and positions are displayed under the same root. Everything a message or enum model reads
 * comes from these: referenced types appear by full name only.
 */
const subtreeModels = new WeakMap<
  object,
  { readonly file: Uint8Array; readonly locations: readonly Uint8Array[]; readonly displayRoot: string; readonly models: SubtreeModels }
>();

function reusedModels(top: DescMessage | DescEnum, key: string, context: TypeContext | undefined, displayRoot: string): SubtreeModels | undefined {
  const seen = subtreeModels.get(top.proto);
  const locations = context?.locations.get(key);
  if (!seen || !context || !locations || seen.displayRoot !== displayRoot || !sameBytes(seen.file, context.file)) return undefined;
  if (seen.locations.length !== locations.length || !seen.locations.every((b, i) => sameBytes(b, locations[i]!))) return undefined;
  return seen.models;
}

function rememberModels(top: DescMessage | DescEnum, key: string, context: TypeContext | undefined, displayRoot: string, models: SubtreeModels): void {
  const locations = context?.locations.get(key);
  if (context && locations) subtreeModels.set(top.proto, { file: context.file, locations, displayRoot, models });
}


function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortRecord<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(r).sort(cmp).map((k) => [k, r[k]!]));
}

export type { NumberRange };
