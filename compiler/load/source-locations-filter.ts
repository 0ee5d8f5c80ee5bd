/**
 * Rewrites a serialised FileDescriptorSet keeping only the source locations a consumer reads,
 * before it is decoded: every other byte is copied as it is. For protoc-gen-es the filtered set
 * decodes to the same descriptors with a fraction of the Location objects (source info is ~70% of
 * buf's bytes, most of it token spans nobody reads), and protoplugin's comment lookup, a linear
 * scan of a file's locations per element, has fewer to scan.
 */
import { WireReader } from "./source-info.js";

const FILE = (1 << 3) | 2; // FileDescriptorSet.file
const SOURCE_CODE_INFO = (9 << 3) | 2; // FileDescriptorProto.source_code_info
const LOCATION = (1 << 3) | 2; // SourceCodeInfo.location
const PATH_PACKED = (1 << 3) | 2; // Location.path
const PATH_VARINT = 1 << 3;

/** A copy of `bytes` in which each file's source info holds only the locations whose path passes `keep` (order kept). */
export function keepSourceLocations(bytes: Uint8Array, keep: (path: readonly number[]) => boolean): Uint8Array {
  const out = new ByteWriter(bytes.length);
  const r = new WireReader(bytes, 0, bytes.length);
  while (r.pos < r.end) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag !== FILE) {
      r.skip(tag & 7, tag >>> 3);
      out.bytes(bytes.subarray(start, r.pos));
      continue;
    }
    const file = lengthDelimited(r);
    const parts = filteredFile(file, keep);
    out.varint(FILE);
    out.varint(parts.reduce((n, p) => n + p.length, 0));
    for (const p of parts) out.bytes(p);
  }
  return out.result();
}

function lengthDelimited(r: WireReader): Uint8Array {
  const len = r.uint32();
  if (r.pos + len > r.end) throw new Error("premature EOF");
  const b = r.buf.subarray(r.pos, r.pos + len);
  r.pos += len;
  return b;
}

/** The file's fields in order, field 9 rewritten. */
function filteredFile(file: Uint8Array, keep: (path: readonly number[]) => boolean): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const r = new WireReader(file, 0, file.length);
  while (r.pos < r.end) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag !== SOURCE_CODE_INFO) {
      r.skip(tag & 7, tag >>> 3);
      parts.push(file.subarray(start, r.pos));
      continue;
    }
    const kept = filteredInfo(lengthDelimited(r), keep);
    const head = new ByteWriter(12);
    head.varint(SOURCE_CODE_INFO);
    head.varint(kept.reduce((n, p) => n + p.length, 0));
    parts.push(head.result(), ...kept);
  }
  return parts;
}

function filteredInfo(info: Uint8Array, keep: (path: readonly number[]) => boolean): Uint8Array[] {
  const kept: Uint8Array[] = [];
  const path: number[] = [];
  const r = new WireReader(info, 0, info.length);
  while (r.pos < r.end) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag !== LOCATION) {
      r.skip(tag & 7, tag >>> 3);
      kept.push(info.subarray(start, r.pos));
      continue;
    }
    const location = lengthDelimited(r);
    readPath(location, path);
    if (keep(path)) kept.push(info.subarray(start, r.pos));
  }
  return kept;
}

/** Location.path (packed or not; repeated occurrences concatenate) into `path`. */
function readPath(location: Uint8Array, path: number[]): void {
  path.length = 0;
  const r = new WireReader(location, 0, location.length);
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag === PATH_PACKED) {
      const len = r.uint32();
      const end = r.pos + len;
      while (r.pos < end) path.push(r.int32());
    } else if (tag === PATH_VARINT) path.push(r.int32());
    else r.skip(tag & 7, tag >>> 3);
  }
}

/** An append-only byte buffer. */
class ByteWriter {
  private buf: Uint8Array;
  private at = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(capacity, 16));
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  varint(n: number): void {
    this.reserve(5);
    while (n > 0x7f) {
      this.buf[this.at++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.at++] = n;
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    grown.set(this.buf.subarray(0, this.at));
    this.buf = grown;
  }
}
