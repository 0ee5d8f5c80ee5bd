/**
 * Decodes buf's FileDescriptorSet / image bytes for the catalog: every FileDescriptorProto with
 * protobuf-es but without its source_code_info (field 9), which is read by the raw reader in
 * source-info.ts instead. Same descriptors, same positions and comments, a fraction of the
 * objects (source info is ~70% of the bytes).
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { readSourceLocations, sourceLocationsOf, WireReader, type SourceLocations } from "./source-info.js";

export interface DecodedDescriptorSet {
  /** The descriptors; whether `sourceCodeInfo` is present is unspecified: read `locations`. */
  readonly set: FileDescriptorSet;
  /** Source locations of `set.file[i]`. */
  readonly locations: readonly SourceLocations[];
  /** The bytes it was decoded from (for callers that need the full set, source info included). */
  readonly bytes: Uint8Array;
  /**
   * Serialised DescriptorProto / EnumDescriptorProto of each top-level message and enum, by full
   * name: equal bytes decode to equal descriptors (nested ones included), so work derived from a
   * descriptor alone can be re-used across descriptor sets. Empty when not split.
   */
  readonly topLevelTypes: ReadonlyMap<string, Uint8Array>;
}

const FILE = (1 << 3) | 2; // FileDescriptorSet.file (buf's Image.file has the same number)
const MESSAGE_TYPE = 4;
const ENUM_TYPE = 5;
const SOURCE_CODE_INFO = 9;

export function decodeDescriptorSet(bytes: Uint8Array): DecodedDescriptorSet {
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
  const topLevelTypes = new Map<string, Uint8Array>();
  for (const file of files) {
    const split = splitSourceInfo(file);
    const proto = fromBinary(FileDescriptorProtoSchema, split.rest);
    protos.push(proto);
    locations.push(readSourceLocations(split.sourceInfo));
    const prefix = proto.package ? `${proto.package}.` : "";
    proto.messageType.forEach((m, i) => split.messages[i] && topLevelTypes.set(prefix + m.name, split.messages[i]));
    proto.enumType.forEach((e, i) => split.enums[i] && topLevelTypes.set(prefix + e.name, split.enums[i]));
  }
  return { set: create(FileDescriptorSetSchema, { file: protos }), locations, bytes, topLevelTypes };
}

function decodeWhole(bytes: Uint8Array): DecodedDescriptorSet {
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  return { set, locations: set.file.map((f) => sourceLocationsOf(f.sourceCodeInfo)), bytes, topLevelTypes: new Map() };
}

interface SplitFile {
  /** The FileDescriptorProto without field 9. */
  readonly rest: Uint8Array;
  /** Field 9's payloads, in order. */
  readonly sourceInfo: Uint8Array[];
  /** Payloads of message_type / enum_type, in order. */
  readonly messages: Uint8Array[];
  readonly enums: Uint8Array[];
}

function splitSourceInfo(file: Uint8Array): SplitFile {
  const sourceInfo: Uint8Array[] = [];
  const messages: Uint8Array[] = [];
  const enums: Uint8Array[] = [];
  const cut: [number, number][] = [];
  const r = new WireReader(file, 0, file.length);
  while (r.pos < r.end) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag >>> 3 === SOURCE_CODE_INFO && (tag & 7) === 2) {
      const len = r.uint32();
      if (r.pos + len > r.end) throw new Error("premature EOF");
      sourceInfo.push(file.subarray(r.pos, r.pos + len));
      r.pos += len;
      cut.push([start, r.pos]);
    } else if ((tag >>> 3 === MESSAGE_TYPE || tag >>> 3 === ENUM_TYPE) && (tag & 7) === 2) {
      const len = r.uint32();
      if (r.pos + len > r.end) throw new Error("premature EOF");
      (tag >>> 3 === MESSAGE_TYPE ? messages : enums).push(file.subarray(r.pos, r.pos + len));
      r.pos += len;
    } else r.skip(tag & 7, tag >>> 3);
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
