/**
 * Decodes buf's FileDescriptorSet / image bytes for the catalog: every FileDescriptorProto with
 * protobuf-es but without its source_code_info (field 9), which is read by the raw reader in
 * source-info.ts instead. Same descriptors, same positions and comments, a fraction of the
 * objects (source info is ~70% of the bytes). With a DescriptorReuse, top-level messages and
 * enums whose bytes equal those of a set decoded before are not decoded again.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  DescriptorProtoSchema,
  EnumDescriptorProtoSchema,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FileDescriptorSet,
} from "@bufbuild/protobuf/wkt";
import { readSourceLocations, sourceLocationsOf, WireReader, type SourceLocations } from "./source-info.js";

export interface DecodedDescriptorSet {
  /** The descriptors; whether `sourceCodeInfo` is present is unspecified: read `locations`. */
  readonly set: FileDescriptorSet;
  /** Source locations of `set.file[i]`. */
  readonly locations: readonly SourceLocations[];
  /** The bytes it was decoded from (for callers that need the full set, source info included). */
  readonly bytes: Uint8Array;
  /** Decoded with a DescriptorReuse: what a model of a top-level type depends on, per file (see TypeContext). */
  readonly contexts?: readonly TypeContext[];
  /** The DescriptorReuse it was decoded with (the catalog builder keeps what it shares per reuse). */
  readonly reuse?: DescriptorReuse;
}

/**
 * Besides a top-level type's own descriptor, everything its model can depend on in its file: the
 * file's other fields (name, package, syntax/edition, options, services...) and the source
 * locations in its subtree.
 */
export interface TypeContext {
  /** The FileDescriptorProto without its messages, enums and source info. */
  readonly file: Uint8Array;
  /** Serialised locations of each top-level message ("4.i") and enum ("5.i"), in order. */
  readonly locations: ReadonlyMap<string, readonly Uint8Array[]>;
}

/**
 * Decoded top-level messages and enums by full name, shared by the sets decoded in one process
 * (check-compat's baseline and after tree). Equal bytes decode to equal descriptors, so the
 * earlier object is returned: nested types included, and whatever is cached per descriptor
 * object (the fingerprint's serialisations) carries over. Descriptors are never mutated.
 */
export class DescriptorReuse {
  private readonly messages = new Map<string, { readonly raw: Uint8Array; readonly proto: DescriptorProto }>();
  private readonly enums = new Map<string, { readonly raw: Uint8Array; readonly proto: EnumDescriptorProto }>();

  message(fullName: string, raw: Uint8Array): DescriptorProto {
    const seen = this.messages.get(fullName);
    if (seen && sameBytes(seen.raw, raw)) return seen.proto;
    const proto = fromBinary(DescriptorProtoSchema, raw);
    this.messages.set(fullName, { raw, proto });
    return proto;
  }

  enum(fullName: string, raw: Uint8Array): EnumDescriptorProto {
    const seen = this.enums.get(fullName);
    if (seen && sameBytes(seen.raw, raw)) return seen.proto;
    const proto = fromBinary(EnumDescriptorProtoSchema, raw);
    this.enums.set(fullName, { raw, proto });
    return proto;
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

const FILE = (1 << 3) | 2; // FileDescriptorSet.file (buf's Image.file has the same number)
const MESSAGE_TYPE = 4;
const ENUM_TYPE = 5;
const SOURCE_CODE_INFO = 9;
const NAME = (1 << 3) | 2; // DescriptorProto.name / EnumDescriptorProto.name

export function decodeDescriptorSet(bytes: Uint8Array, reuse?: DescriptorReuse): DecodedDescriptorSet {
  const files: Uint8Array[] = [];
  const r = new WireReader(bytes, 0, bytes.length);
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag !== FILE) return decodeWhole(bytes); // something other than files (extensions): keep protobuf-es semantics
    const len = r.uint32();
    if (r.pos + len > r.end) throw new Error("premature EOF");
    files.push(bytes.subarray(r.pos, r.pos + len));
    r.pos += len;
  }
  const protos = [];
  const locations: SourceLocations[] = [];
  const contexts: TypeContext[] = [];
  for (const file of files) {
    const split = splitFile(file, reuse !== undefined);
    const subtrees = reuse ? new Map<string, number[]>() : undefined;
    const proto = fromBinary(FileDescriptorProtoSchema, split.rest);
    if (reuse) {
      // Cut out of `rest` above; a repeated field's elements keep their order.
      const prefix = proto.package ? `${proto.package}.` : "";
      proto.messageType = split.messages.map((raw) => reuse.message(prefix + nameOf(raw), raw));
      proto.enumType = split.enums.map((raw) => reuse.enum(prefix + nameOf(raw), raw));
    }
    protos.push(proto);
    // Repeated occurrences of field 9 merge: their locations concatenate.
    const info = split.sourceInfo.length === 1 ? split.sourceInfo[0]! : Buffer.concat(split.sourceInfo);
    locations.push(readSourceLocations([info], subtrees));
    if (subtrees) {
      const byType = new Map<string, Uint8Array[]>();
      for (const [key, ranges] of subtrees) {
        const parts: Uint8Array[] = [];
        for (let i = 0; i < ranges.length; i += 2) parts.push(info.subarray(ranges[i], ranges[i + 1]));
        byType.set(key, parts);
      }
      contexts.push({ file: knownFields(split.rest), locations: byType });
    }
  }
  return { set: create(FileDescriptorSetSchema, { file: protos }), locations, bytes, ...(reuse ? { contexts, reuse } : {}) };
}

function decodeWhole(bytes: Uint8Array): DecodedDescriptorSet {
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  return { set, locations: set.file.map((f) => sourceLocationsOf(f.sourceCodeInfo)), bytes };
}

/**
 * A FileDescriptorProto's fields that descriptor.proto defines (1-14), without the unknown ones a
 * buf image adds (buf_extension, 8042): an image and a `buf build` output of the same file agree.
 */
function knownFields(file: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const r = new WireReader(file, 0, file.length);
  while (r.pos < r.end) {
    const start = r.pos;
    const tag = r.uint32();
    r.skip(tag & 7, tag >>> 3);
    if (tag >>> 3 <= 14) parts.push(file.subarray(start, r.pos));
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

const utf8 = new TextDecoder();

/** Field 1 (`name`) of a serialised DescriptorProto / EnumDescriptorProto (the last one wins). */
function nameOf(raw: Uint8Array): string {
  let name = "";
  const r = new WireReader(raw, 0, raw.length);
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag !== NAME) {
      r.skip(tag & 7, tag >>> 3);
      continue;
    }
    const len = r.uint32();
    name = utf8.decode(raw.subarray(r.pos, r.pos + len));
    r.pos += len;
  }
  return name;
}

interface SplitFile {
  /** The FileDescriptorProto without field 9 (nor 4 and 5 when `cutTypes`). */
  readonly rest: Uint8Array;
  /** Field 9's payloads, in order (repeated occurrences of a message field merge: locations concatenate). */
  readonly sourceInfo: Uint8Array[];
  /** With `cutTypes`: the payloads of message_type / enum_type, in order. */
  readonly messages: Uint8Array[];
  readonly enums: Uint8Array[];
}

function splitFile(file: Uint8Array, cutTypes: boolean): SplitFile {
  const sourceInfo: Uint8Array[] = [];
  const messages: Uint8Array[] = [];
  const enums: Uint8Array[] = [];
  const cut: [number, number][] = [];
  const r = new WireReader(file, 0, file.length);
  while (r.pos < r.end) {
    const start = r.pos;
    const tag = r.uint32();
    const field = tag >>> 3;
    const into = (tag & 7) !== 2 ? undefined : field === SOURCE_CODE_INFO ? sourceInfo : !cutTypes ? undefined : field === MESSAGE_TYPE ? messages : field === ENUM_TYPE ? enums : undefined;
    if (!into) {
      r.skip(tag & 7, field);
      continue;
    }
    const len = r.uint32();
    if (r.pos + len > r.end) throw new Error("premature EOF");
    into.push(file.subarray(r.pos, r.pos + len));
    r.pos += len;
    const last = cut[cut.length - 1];
    if (last && last[1] === start) last[1] = r.pos;
    else cut.push([start, r.pos]);
  }
  if (cut.length === 0) return { rest: file, sourceInfo, messages, enums };
  const rest = new Uint8Array(file.length - cut.reduce((n, [s, e]) => n + e - s, 0));
  let at = 0;
  let from = 0;
  for (const [s, e] of cut) {
    rest.set(file.subarray(from, s), at);
    at += s - from;
    from = e;
  }
  rest.set(file.subarray(from), at);
  return { rest, sourceInfo, messages, enums };
}
