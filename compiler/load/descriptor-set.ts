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
}

const FILE = (1 << 3) | 2; // FileDescriptorSet.file (buf's Image.file has the same number)
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
  for (const file of files) {
    const { rest, sourceInfo } = splitSourceInfo(file);
    protos.push(fromBinary(FileDescriptorProtoSchema, rest));
    locations.push(readSourceLocations(sourceInfo));
  }
  return { set: create(FileDescriptorSetSchema, { file: protos }), locations, bytes };
}

function decodeWhole(bytes: Uint8Array): DecodedDescriptorSet {
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  return { set, locations: set.file.map((f) => sourceLocationsOf(f.sourceCodeInfo)), bytes };
}

/** A FileDescriptorProto's bytes without field 9, and field 9's payloads in order. */
function splitSourceInfo(file: Uint8Array): { rest: Uint8Array; sourceInfo: Uint8Array[] } {
  const sourceInfo: Uint8Array[] = [];
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
    } else r.skip(tag & 7, tag >>> 3);
  }
  if (cut.length === 0) return { rest: file, sourceInfo };
  const rest = new Uint8Array(file.length - cut.reduce((n, [s, e]) => n + e - s, 0));
  let at = 0;
  let from = 0;
  for (const [s, e] of cut) {
    rest.set(file.subarray(from, s), at);
    at += s - from;
    from = e;
  }
  rest.set(file.subarray(from), at);
  return { rest, sourceInfo };
}
