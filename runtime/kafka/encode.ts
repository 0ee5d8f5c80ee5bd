/**
 * Protobuf binary encoding of outgoing values, byte-for-byte what protobuf-es's `toBinary` writes,
 * without its per-message cost. `toBinary` wraps every message in a reflection object, writes
 * varints into a JS array byte by byte, makes a chunk per field and a final concatenation, and
 * allocates a fresh ArrayBuffer per event; for a 1 KB event that was ~2.7 µs, most of the
 * producer's own work. Here a plan per message type (fields sorted by number, tags precomputed)
 * is made once; encoding is one pass to size the message (sub-message lengths remembered in
 * pre-order) and one pass to write into a single Buffer (pooled when small).
 *
 * Everything unusual falls back to `toBinary`, so its output and errors stay the reference:
 * at plan time maps, group (delimited) encoding, proto2 `required`, unboxed wrapper fields;
 * at encode time unknown fields, a sub-message of the wrong type, and any value that is not the
 * canonical representation (number for 32-bit and floating types, bigint in range for 64-bit,
 * string, Uint8Array, boolean). Presence is decided by protobuf-es's own `isFieldSet`.
 */
import { isFieldSet, ScalarType, toBinary, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

const VARINT = 0;
const BIT64 = 1;
const LENGTH_DELIMITED = 2;
const BIT32 = 5;
/** google.protobuf.FeatureSet.FieldPresence.LEGACY_REQUIRED: toBinary throws when unset. */
const LEGACY_REQUIRED = 3;

const enum Kind { Scalar, Message, PackedList, List, MessageList }

interface FieldPlan {
  readonly field: DescField;
  readonly kind: Kind;
  readonly scalar: ScalarType;
  /** Tag varint (field number and wire type) and its size. */
  readonly tag: number;
  readonly tagSize: number;
  readonly local: string;
  /** Local name of the oneof group holding this field, if any. */
  readonly oneof: string | undefined;
  /** Plan of the message type (message and message-list fields). */
  readonly plan: Plan | undefined;
}

interface Plan {
  readonly typeName: string;
  readonly fields: FieldPlan[];
  /** False when some field (here or in a sub-message type) needs `toBinary`. */
  ok: boolean;
}

const plans = new WeakMap<DescMessage, Plan>();

function planOf(desc: DescMessage): Plan {
  let plan = plans.get(desc);
  if (plan) return plan;
  plan = { typeName: desc.typeName, fields: [], ok: true };
  plans.set(desc, plan); // before the fields: recursive types find it
  const fields = desc.fields.concat().sort((a, b) => a.number - b.number);
  for (const f of fields) {
    const fp = fieldPlan(f);
    if (!fp) {
      plan.ok = false;
      break;
    }
    plan.fields.push(fp);
  }
  return plan;
}

function fieldPlan(f: DescField): FieldPlan | undefined {
  if (f.presence === LEGACY_REQUIRED) return undefined;
  const base = { field: f, local: f.localName, oneof: f.oneof?.localName };
  const make = (kind: Kind, scalar: ScalarType, wireType: number, plan?: Plan): FieldPlan => {
    const tag = ((f.number << 3) | wireType) >>> 0;
    return { ...base, kind, scalar, tag, tagSize: varint32Size(tag), plan };
  };
  switch (f.fieldKind) {
    case "scalar":
      return make(Kind.Scalar, f.scalar, wireTypeOf(f.scalar));
    case "enum":
      return make(Kind.Scalar, ScalarType.INT32, VARINT);
    case "message":
      if (f.delimitedEncoding || isWrapperDesc(f.message)) return undefined;
      return make(Kind.Message, ScalarType.INT32, LENGTH_DELIMITED, planOf(f.message));
    case "list": {
      if (f.listKind === "message") {
        if (f.delimitedEncoding) return undefined;
        return make(Kind.MessageList, ScalarType.INT32, LENGTH_DELIMITED, planOf(f.message));
      }
      const scalar = f.listKind === "enum" ? ScalarType.INT32 : f.scalar;
      return f.packed ? make(Kind.PackedList, scalar, LENGTH_DELIMITED) : make(Kind.List, scalar, wireTypeOf(scalar));
    }
    default:
      return undefined; // maps: toBinary
  }
}

function wireTypeOf(t: ScalarType): number {
  switch (t) {
    case ScalarType.BYTES:
    case ScalarType.STRING:
      return LENGTH_DELIMITED;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return BIT64;
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
    case ScalarType.FLOAT:
      return BIT32;
    default:
      return VARINT;
  }
}

// ---- sizing (also the validity check: -1 sends the message to toBinary) ----------------------

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const FLOAT32_MAX = 3.4028234663852886e38;
const scratch = new DataView(new ArrayBuffer(8));

function varint32Size(v: number): number {
  if (v < 0) return 10; // negative int32: sign-extended to 64 bits
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Size of varint64write(lo, hi) (protobuf-es's algorithm: 7 bits per byte of the 64-bit pattern). */
function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo >>> 0);
  const h = hi >>> 0;
  // bits above the low 32: total significant bits = 32 + bit length of hi
  const bits = 32 + (32 - Math.clz32(h));
  return Math.ceil(bits / 7);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

function isInt64(v: unknown, unsigned: boolean): v is bigint {
  return typeof v === "bigint" && (unsigned ? v >= 0n && v <= UINT64_MAX : v >= INT64_MIN && v <= INT64_MAX);
}

/** Encoded size of one scalar value (without tag), or -1 when toBinary must handle it. */
function scalarSize(t: ScalarType, v: unknown): number {
  switch (t) {
    case ScalarType.STRING: {
      if (typeof v !== "string") return -1;
      const n = Buffer.byteLength(v, "utf8");
      return varint32Size(n) + n;
    }
    case ScalarType.BYTES:
      if (!(v instanceof Uint8Array)) return -1;
      return varint32Size(v.byteLength) + v.byteLength;
    case ScalarType.BOOL:
      return typeof v === "boolean" ? 1 : -1;
    case ScalarType.INT32:
      return isInt(v, -0x80000000, 0x7fffffff) ? varint32Size(v) : -1;
    case ScalarType.UINT32:
      return isInt(v, 0, 0xffffffff) ? varint32Size(v) : -1;
    case ScalarType.SINT32:
      return isInt(v, -0x80000000, 0x7fffffff) ? varint32Size(((v << 1) ^ (v >> 31)) >>> 0) : -1;
    case ScalarType.FIXED32:
      return isInt(v, 0, 0xffffffff) ? 4 : -1;
    case ScalarType.SFIXED32:
      return isInt(v, -0x80000000, 0x7fffffff) ? 4 : -1;
    case ScalarType.FLOAT:
      return typeof v === "number" && !(Number.isFinite(v) && (v > FLOAT32_MAX || v < -FLOAT32_MAX)) ? 4 : -1;
    case ScalarType.DOUBLE:
      return typeof v === "number" ? 8 : -1;
    case ScalarType.FIXED64:
      return isInt64(v, true) ? 8 : -1;
    case ScalarType.SFIXED64:
      return isInt64(v, false) ? 8 : -1;
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64: {
      if (!isInt64(v, t === ScalarType.UINT64)) return -1;
      scratch.setBigInt64(0, v, true);
      let lo = scratch.getInt32(0, true);
      let hi = scratch.getInt32(4, true);
      if (t === ScalarType.SINT64) {
        const sign = hi >> 31;
        const l = (lo << 1) ^ sign;
        hi = ((hi << 1) | (lo >>> 31)) ^ sign;
        lo = l;
      }
      return varint64Size(lo, hi);
    }
    default:
      return -1;
  }
}

function valueOf(message: Message, fp: FieldPlan): unknown {
  const m = message as unknown as Record<string, unknown>;
  return fp.oneof === undefined ? m[fp.local] : (m[fp.oneof] as { value: unknown }).value;
}

/** Size of `message`'s fields; pushes each sub-message's size onto `sizes` in pre-order. -1: use toBinary. */
function messageSize(plan: Plan, message: Message, sizes: number[]): number {
  if (!plan.ok || message.$typeName !== plan.typeName) return -1;
  const unknown = (message as { $unknown?: readonly unknown[] }).$unknown;
  if (unknown !== undefined && unknown.length > 0) return -1;
  let size = 0;
  for (const fp of plan.fields) {
    if (!isFieldSet(message, fp.field)) continue;
    const v = valueOf(message, fp);
    switch (fp.kind) {
      case Kind.Scalar: {
        const s = scalarSize(fp.scalar, v);
        if (s < 0) return -1;
        size += fp.tagSize + s;
        break;
      }
      case Kind.Message: {
        const s = subSize(fp.plan!, v, sizes);
        if (s < 0) return -1;
        size += fp.tagSize + varint32Size(s) + s;
        break;
      }
      case Kind.MessageList: {
        if (!Array.isArray(v)) return -1;
        for (const item of v) {
          const s = subSize(fp.plan!, item, sizes);
          if (s < 0) return -1;
          size += fp.tagSize + varint32Size(s) + s;
        }
        break;
      }
      case Kind.List:
      case Kind.PackedList: {
        if (!Array.isArray(v)) return -1;
        let body = 0;
        for (const item of v) {
          const s = scalarSize(fp.scalar, item);
          if (s < 0) return -1;
          body += s;
        }
        if (fp.kind === Kind.List) size += v.length * fp.tagSize + body;
        else if (v.length > 0) size += fp.tagSize + varint32Size(body) + body;
        break;
      }
    }
  }
  return size;
}

function subSize(plan: Plan, v: unknown, sizes: number[]): number {
  if (typeof v !== "object" || v === null) return -1;
  const at = sizes.length;
  sizes.push(0);
  const s = messageSize(plan, v as Message, sizes);
  sizes[at] = s;
  return s;
}

// ---- writing (only after sizing succeeded: values are known valid) ---------------------------

interface Cursor {
  buf: Buffer;
  pos: number;
  /** Next entry of the sizes list. */
  sub: number;
}

function writeVarint32(c: Cursor, v: number): void {
  const buf = c.buf;
  let pos = c.pos;
  if (v >= 0) {
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v = v >>> 7;
    }
    buf[pos++] = v;
  } else {
    for (let i = 0; i < 9; i++) {
      buf[pos++] = (v & 127) | 128;
      v = v >> 7;
    }
    buf[pos++] = 1;
  }
  c.pos = pos;
}

/** protobuf-es's varint64write, into the buffer. */
function writeVarint64(c: Cursor, lo: number, hi: number): void {
  const buf = c.buf;
  for (let i = 0; i < 28; i = i + 7) {
    const shift = lo >>> i;
    const hasNext = !(shift >>> 7 === 0 && hi === 0);
    buf[c.pos++] = (hasNext ? shift | 0x80 : shift) & 0xff;
    if (!hasNext) return;
  }
  const splitBits = ((lo >>> 28) & 0x0f) | ((hi & 0x07) << 4);
  const hasMoreBits = !(hi >> 3 === 0);
  buf[c.pos++] = (hasMoreBits ? splitBits | 0x80 : splitBits) & 0xff;
  if (!hasMoreBits) return;
  for (let i = 3; i < 31; i = i + 7) {
    const shift = hi >>> i;
    const hasNext = !(shift >>> 7 === 0);
    buf[c.pos++] = (hasNext ? shift | 0x80 : shift) & 0xff;
    if (!hasNext) return;
  }
  buf[c.pos++] = (hi >>> 31) & 0x01;
}

/** Copies `n` bytes of the scratch view (little-endian fixed-width values, as protobuf-es's DataView writes them). */
function writeScratch(c: Cursor, n: number): void {
  for (let i = 0; i < n; i++) c.buf[c.pos++] = scratch.getUint8(i);
}

function writeScalar(c: Cursor, t: ScalarType, v: unknown): void {
  switch (t) {
    case ScalarType.STRING: {
      const s = v as string;
      const n = Buffer.byteLength(s, "utf8");
      writeVarint32(c, n);
      c.pos += c.buf.write(s, c.pos, n, "utf8");
      return;
    }
    case ScalarType.BYTES: {
      const b = v as Uint8Array;
      writeVarint32(c, b.byteLength);
      c.buf.set(b, c.pos);
      c.pos += b.byteLength;
      return;
    }
    case ScalarType.BOOL:
      c.buf[c.pos++] = v ? 1 : 0;
      return;
    case ScalarType.INT32:
    case ScalarType.UINT32:
      writeVarint32(c, v as number);
      return;
    case ScalarType.SINT32: {
      const n = v as number;
      writeVarint32(c, ((n << 1) ^ (n >> 31)) >>> 0);
      return;
    }
    case ScalarType.FIXED32:
      scratch.setUint32(0, v as number, true);
      writeScratch(c, 4);
      return;
    case ScalarType.SFIXED32:
      scratch.setInt32(0, v as number, true);
      writeScratch(c, 4);
      return;
    case ScalarType.FLOAT:
      scratch.setFloat32(0, v as number, true);
      writeScratch(c, 4);
      return;
    case ScalarType.DOUBLE:
      scratch.setFloat64(0, v as number, true);
      writeScratch(c, 8);
      return;
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      scratch.setBigInt64(0, v as bigint, true);
      writeScratch(c, 8);
      return;
    default: {
      // INT64, UINT64, SINT64
      scratch.setBigInt64(0, v as bigint, true);
      let lo = scratch.getInt32(0, true);
      let hi = scratch.getInt32(4, true);
      if (t === ScalarType.SINT64) {
        const sign = hi >> 31;
        const l = (lo << 1) ^ sign;
        hi = ((hi << 1) | (lo >>> 31)) ^ sign;
        lo = l;
      }
      writeVarint64(c, lo, hi);
    }
  }
}

function writeMessage(c: Cursor, plan: Plan, message: Message, sizes: readonly number[]): void {
  for (const fp of plan.fields) {
    if (!isFieldSet(message, fp.field)) continue;
    const v = valueOf(message, fp);
    switch (fp.kind) {
      case Kind.Scalar:
        writeVarint32(c, fp.tag);
        writeScalar(c, fp.scalar, v);
        break;
      case Kind.Message:
        writeVarint32(c, fp.tag);
        writeVarint32(c, sizes[c.sub++]!);
        writeMessage(c, fp.plan!, v as Message, sizes);
        break;
      case Kind.MessageList:
        for (const item of v as Message[]) {
          writeVarint32(c, fp.tag);
          writeVarint32(c, sizes[c.sub++]!);
          writeMessage(c, fp.plan!, item, sizes);
        }
        break;
      case Kind.List:
        for (const item of v as unknown[]) {
          writeVarint32(c, fp.tag);
          writeScalar(c, fp.scalar, item);
        }
        break;
      case Kind.PackedList: {
        const items = v as unknown[];
        if (items.length === 0) break;
        let body = 0;
        for (const item of items) body += scalarSize(fp.scalar, item);
        writeVarint32(c, fp.tag);
        writeVarint32(c, body);
        for (const item of items) writeScalar(c, fp.scalar, item);
        break;
      }
    }
  }
}

/**
 * The planned encoding of `message`, or undefined when it needs `toBinary` (unusual shape or
 * value). Exported for the tests, which check the plan is taken where it should be.
 */
export function encodePlanned(schema: DescMessage, message: Message): Buffer | undefined {
  const plan = planOf(schema);
  if (!plan.ok) return undefined;
  const sizes: number[] = [];
  const size = messageSize(plan, message, sizes);
  if (size < 0) return undefined;
  // small values come from Node's shared pool (no ArrayBuffer per event); every byte is written below
  const c: Cursor = { buf: Buffer.allocUnsafe(size), pos: 0, sub: 0 };
  writeMessage(c, plan, message, sizes);
  if (c.pos !== size) throw new Error(`evt encoder: wrote ${c.pos} bytes of ${plan.typeName}, sized ${size}`);
  return c.buf;
}

/** `toBinary(schema, message)` as a Buffer: the same bytes (and the same errors, via toBinary, for anything unusual). */
export function encodeMessage(schema: DescMessage, message: Message): Buffer {
  const planned = encodePlanned(schema, message);
  if (planned) return planned;
  const bin = toBinary(schema, message as never);
  return Buffer.from(bin.buffer, bin.byteOffset, bin.byteLength);
}
