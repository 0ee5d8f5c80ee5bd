/**
 * Element locations from a file's source info (google.protobuf.SourceCodeInfo), keyed by source
 * path ("4.0.2.1"). Only what the catalog uses survives: locations of elements and option values
 * (even-length paths), of the tokens findings point at (TOKEN_TAGS) and of the `package`
 * statement ([2]), the first span's line/column and the leading comment. The raw reader exists because decoding source info as protobuf-es messages
 * costs more than the rest of the descriptor set: it is ~70% of buf's bytes and one object per
 * location part (~150,000 at 1,000 events).
 */
import type { SourceCodeInfo } from "@bufbuild/protobuf/wkt";

export interface SourceLocation {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Leading comment, lines trimmed and joined with single spaces. */
  readonly comment: string;
}

/** Locations by source path joined with ".". */
export type SourceLocations = ReadonlyMap<string, SourceLocation>;

/**
 * Tokens inside an element that findings point at (the last part of an odd-length path): a name
 * (1), an enum value's number or an RPC's input type (2), an RPC's output type (3), a field's
 * type (5), type name (6), `default` (7), `json_name` (10), and the `json_format` (6) /
 * `message_encoding` (5) feature inside `options.features`.
 */
const TOKEN_TAGS = new Set([1, 2, 3, 5, 6, 7, 10]);

/** Whether the catalog reads a location with this path: elements, option values, tokens and `package`. */
function wanted(path: ArrayLike<number>, length: number): boolean {
  return length % 2 === 0 || (length === 1 && path[0] === 2) || (length >= 3 && TOKEN_TAGS.has(path[length - 1]!));
}

function normaliseComment(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join(" ");
}

/** The same index from decoded source info (a descriptor set decoded with protobuf-es). */
export function sourceLocationsOf(info: SourceCodeInfo | undefined): Map<string, SourceLocation> {
  const out = new Map<string, SourceLocation>();
  for (const loc of info?.location ?? []) {
    if (!wanted(loc.path, loc.path.length)) continue;
    const key = loc.path.join(".");
    if (out.has(key) || loc.span.length < 3) continue; // the first span is the element's own
    out.set(key, { line: loc.span[0]! + 1, column: loc.span[1]! + 1, comment: normaliseComment(loc.leadingComments ?? "") });
  }
  return out;
}

const utf8 = new TextDecoder();

/**
 * Reads serialised SourceCodeInfo messages (every occurrence of field 9 of one
 * FileDescriptorProto, in order: repeated occurrences concatenate) straight from the wire.
 * One pass only groups the locations by subtree: each top-level message ("4.i") and enum
 * ("5.i"), and the rest of the file (""); a group's locations are read when a key in it is first
 * asked for, so a catalog that re-uses a type's models (check-compat's after tree) never reads
 * its locations. With `subtrees`, also records where in the (single, or concatenated) chunk the
 * locations of each top-level message and enum are, as [start, end) pairs of byte offsets in
 * order: equal bytes there mean equal positions and comments for everything in that subtree.
 */
export function readSourceLocations(chunks: readonly Uint8Array[], subtrees?: Map<string, number[]>): SourceLocations {
  const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const groups = new Map<string, number[]>();
  const head: number[] = [];
  const r = new WireReader(buf, 0, buf.length);
  while (r.pos < r.end) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag !== ((1 << 3) | 2)) {
      r.skip(tag & 7);
      continue;
    }
    const len = r.uint32();
    const end = r.pos + len;
    if (end > r.end) throw new Error("truncated field");
    readPathHead(new WireReader(buf, r.pos, end), head);
    r.pos = end;
    const key = head.length === 2 && (head[0] === 4 || head[0] === 5) ? `${head[0]}.${head[1]}` : "";
    const ranges = groups.get(key);
    if (!ranges) groups.set(key, [start, end]);
    else if (ranges[ranges.length - 1] === start) ranges[ranges.length - 1] = end;
    else ranges.push(start, end);
  }
  if (subtrees) for (const [key, ranges] of groups) if (key !== "") subtrees.set(key, ranges);
  return new LazySourceLocations(buf, groups);
}

/** The first two elements of a Location's path (fewer if it is shorter). */
function readPathHead(r: WireReader, head: number[]): void {
  head.length = 0;
  while (r.pos < r.end && head.length < 2) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) {
      const end = r.uint32() + r.pos;
      while (r.pos < end && head.length < 2) head.push(r.int32());
      r.pos = end;
    } else if (tag === 1 << 3) head.push(r.int32());
    else r.skip(tag & 7, tag >>> 3);
  }
}

/** The subtree a location key ("4.0.2.1") belongs to (see readSourceLocations). */
function groupOf(key: string): string {
  const c = key.charCodeAt(0);
  if (c !== 52 && c !== 53) return ""; // "4" / "5"
  if (key.charCodeAt(1) !== 46) return ""; // "4x...": another field
  const dot = key.indexOf(".", 2);
  return dot < 0 ? key : key.slice(0, dot);
}

/** Locations read group by group on first use; iterating reads them all (in wire order per group). */
class LazySourceLocations implements ReadonlyMap<string, SourceLocation> {
  private readonly read = new Map<string, SourceLocation>();

  constructor(
    private readonly buf: Uint8Array,
    private readonly pending: Map<string, number[]>,
  ) {}

  get(key: string): SourceLocation | undefined {
    if (this.pending.size > 0) this.load(groupOf(key));
    return this.read.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    return this.all().size;
  }

  forEach(fn: (value: SourceLocation, key: string, map: ReadonlyMap<string, SourceLocation>) => void, thisArg?: unknown): void {
    this.all().forEach((v, k) => fn.call(thisArg, v, k, this));
  }

  entries(): MapIterator<[string, SourceLocation]> {
    return this.all().entries();
  }

  keys(): MapIterator<string> {
    return this.all().keys();
  }

  values(): MapIterator<SourceLocation> {
    return this.all().values();
  }

  [Symbol.iterator](): MapIterator<[string, SourceLocation]> {
    return this.entries();
  }

  private all(): Map<string, SourceLocation> {
    for (const key of [...this.pending.keys()]) this.load(key);
    return this.read;
  }

  private load(group: string): void {
    const ranges = this.pending.get(group);
    if (!ranges) return;
    this.pending.delete(group);
    const path: number[] = [];
    const span: number[] = [];
    for (let i = 0; i < ranges.length; i += 2) {
      const r = new WireReader(this.buf, ranges[i]!, ranges[i + 1]!);
      while (r.pos < r.end) {
        r.uint32(); // field 1 (the grouping pass saw only locations here)
        const len = r.uint32();
        readLocation(new WireReader(this.buf, r.pos, r.pos + len), path, span, this.read);
        r.pos += len;
      }
    }
  }
}

/** Reads one Location into `path`/`span` and indexes it in `out` when the catalog uses it. */
function readLocation(r: WireReader, path: number[], span: number[], out: Map<string, SourceLocation>): void {
  path.length = 0;
  span.length = 0;
  let commentStart = -1;
  let commentEnd = -1;
  while (r.pos < r.end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if ((field === 1 || field === 2) && (wire === 0 || wire === 2)) {
      const into = field === 1 ? path : span;
      if (wire === 0) into.push(r.int32());
      else {
        const len = r.uint32();
        const end = r.pos + len;
        while (r.pos < end) into.push(r.int32());
      }
    } else if (field === 3 && wire === 2) {
      const len = r.uint32();
      commentStart = r.pos;
      commentEnd = r.pos + len;
      r.pos = commentEnd;
    } else r.skip(wire);
  }
  if (!wanted(path, path.length) || span.length < 3) return;
  let key = path.length > 0 ? String(path[0]) : "";
  for (let i = 1; i < path.length; i++) key += "." + path[i];
  if (out.has(key)) return;
  const comment = commentStart < 0 ? "" : normaliseComment(utf8.decode(r.buf.subarray(commentStart, commentEnd)));
  out.set(key, { line: span[0]! + 1, column: span[1]! + 1, comment });
}

/** A minimal protobuf wire reader over `buf[pos, end)`; throws on truncated input. */
export class WireReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  /** A varint's low 32 bits, unsigned (tags, lengths). */
  uint32(): number {
    const buf = this.buf;
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      const b = buf[this.pos++]!;
      if (shift < 32) result |= (b & 0x7f) << shift;
      if (b < 0x80) return result >>> 0;
      if (shift >= 63) throw new Error("varint too long");
    }
  }

  /** A varint as int32 (negative values are sign-extended to 10 bytes on the wire). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** Skips the value of a field with wire type `wire` (the tag is read). */
  skip(wire: number, field = -1): void {
    switch (wire) {
      case 0:
        this.uint32();
        break;
      case 1:
        this.pos += 8;
        break;
      case 2: {
        const len = this.uint32();
        this.pos += len;
        break;
      }
      case 3:
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === 4) break;
          this.skip(tag & 7, tag >>> 3);
        }
        break;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`invalid wire type ${wire}${field >= 0 ? ` of field ${field}` : ""}`);
    }
    if (this.pos > this.end) throw new Error("truncated field");
  }
}
