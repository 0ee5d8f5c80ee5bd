/**
 * The producer's protobuf encoder must write exactly the bytes protobuf-es's toBinary writes (and
 * fail where it fails): every case is compared against toBinary, over proto text covering every
 * scalar type, presence flavour, packed and unpacked lists, oneofs, nested and recursive messages,
 * and the shapes it hands to toBinary (maps, groups, unknown fields, non-canonical values).
 */
import { create, createFileRegistry, toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_descriptor, file_google_protobuf_type, TypeSchema, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDescriptorSet } from "../../compiler/load/buf-build.js";
import { encodeMessage, encodePlanned } from "../../runtime/kafka/encode.js";
import { CartCheckedOutSchema, PageViewedSchema } from "../fixtures/runtime/gen/shop/v1/shop_pb.js";
import { writeProtoTree } from "../helpers/compile-proto.js";

const PROTO3 = `
syntax = "proto3";
package t.v1;
enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; COLOR_NEG = -5; }
message Inner { string s = 1; int64 n = 2; Inner next = 3; }
message All {
  double d = 1; float f = 2; int32 i32 = 3; int64 i64 = 4; uint32 u32 = 5; uint64 u64 = 6;
  sint32 s32 = 7; sint64 s64 = 8; fixed32 fx32 = 9; fixed64 fx64 = 10; sfixed32 sf32 = 11; sfixed64 sf64 = 12;
  bool b = 13; string s = 14; bytes by = 15; Color color = 16; Inner inner = 17;
  optional int32 opt_i32 = 18; optional string opt_s = 19;
  repeated int32 r_i32 = 20; repeated sint64 r_s64 = 21; repeated double r_d = 22; repeated string r_s = 23;
  repeated bytes r_by = 24; repeated Color r_color = 25; repeated Inner r_inner = 26;
  repeated int32 r_unpacked = 27 [packed = false];
  oneof pick { string o_s = 28; Inner o_inner = 29; int64 o_i64 = 30; }
  uint32 big_tag = 536870911;
}
message WithMap { string id = 1; map<string, int32> m = 2; }
`;

const PROTO2 = `
syntax = "proto2";
package t.v2;
message Legacy {
  optional int32 a = 1 [default = 7]; optional string b = 2 [default = "x"]; repeated int64 c = 3 [packed = true];
  repeated int32 d = 4;
}
message WithGroup { optional group G = 1 { optional int32 x = 2; } }
message Req { required int32 r = 1; optional int32 o = 2; }
`;

let desc: (name: string) => DescMessage;

beforeAll(async () => {
  const dir = writeProtoTree({ "t/v1/all.proto": PROTO3, "t/v2/legacy.proto": PROTO2 }, { vocabulary: false });
  const { set } = await buildDescriptorSet(dir);
  const registry = createFileRegistry(set);
  desc = (name) => {
    const d = registry.getMessage(name);
    if (!d) throw new Error(`no message ${name}`);
    return d;
  };
}, 60_000);

/** The planned encoding exists and equals toBinary's bytes. */
function same(schema: DescMessage, message: Message): Buffer {
  const out = encodePlanned(schema, message);
  expect(out, "planned encoding taken").toBeDefined();
  expect([...out!]).toEqual([...toBinary(schema, message as never)]);
  expect([...encodeMessage(schema, message)]).toEqual([...out!]);
  return out!;
}

/** The plan declines and encodeMessage falls back to toBinary's bytes. */
function fallback(schema: DescMessage, message: Message): Buffer {
  expect(encodePlanned(schema, message), "handed to toBinary").toBeUndefined();
  const out = encodeMessage(schema, message);
  expect(Buffer.isBuffer(out)).toBe(true);
  expect([...out]).toEqual([...toBinary(schema, message as never)]);
  return out;
}

const utf8 = ["", "a", "é", "日本語", "🎉 emoji", "lone \uD800 surrogate", "x".repeat(200)];

describe("encodeMessage = toBinary", () => {
  it("every scalar type at zero, small, boundary and extreme values", () => {
    const All = desc("t.v1.All");
    const cases: Record<string, unknown[]> = {
      d: [0, -0, 1.5, -1e308, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE],
      f: [0, -0, 1.5, 3.4028234663852886e38, -3.4028234663852886e38, Number.NaN, Infinity, 1e-45],
      i32: [0, 1, -1, 127, 128, 16383, 16384, 2 ** 31 - 1, -(2 ** 31)],
      i64: [0n, 1n, -1n, 2n ** 53n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 32n, 2n ** 35n, 2n ** 31n],
      u32: [0, 1, 127, 128, 2 ** 28, 2 ** 32 - 1],
      u64: [0n, 1n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 32n - 1n, 2n ** 49n],
      s32: [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), -64, 64],
      s64: [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 31n)],
      fx32: [0, 1, 2 ** 32 - 1], fx64: [0n, 1n, 2n ** 64n - 1n],
      sf32: [0, -1, -(2 ** 31)], sf64: [0n, -1n, -(2n ** 63n)],
      b: [false, true], s: utf8, by: [new Uint8Array(0), new Uint8Array([0, 255, 7]), new Uint8Array(300).fill(9)],
      color: [0, 1, -5, 99],
    };
    for (const [field, values] of Object.entries(cases)) {
      for (const v of values) same(All, create(All, { [field]: v } as never));
    }
  });

  it("explicit presence: proto3 optional set to zero is written, unset is not", () => {
    const All = desc("t.v1.All");
    expect(same(All, create(All, { optI32: 0, optS: "" } as never)).length).toBe(2 * (2 + 1)); // two-byte tags (18, 19), zero value
    expect(same(All, create(All, {})).length).toBe(0);
  });

  it("lists (packed, unpacked, strings, bytes, enums, messages), oneofs, nesting, recursion, the largest tag", () => {
    const All = desc("t.v1.All");
    const Inner = desc("t.v1.Inner");
    const inner = (depth: number): Message => create(Inner, { s: `d${depth}`, n: BigInt(-depth), next: depth > 0 ? inner(depth - 1) : undefined } as never);
    same(All, create(All, {
      rI32: [0, 1, -1, 300, 2 ** 31 - 1], rS64: [0n, -1n, 2n ** 62n], rD: [0, -0, Number.NaN, 1.25], rS: utf8,
      rBy: [new Uint8Array(0), new Uint8Array([1, 2])], rColor: [0, 1, -5], rInner: [inner(0), create(Inner), inner(3)],
      rUnpacked: [1, 2, -3], inner: inner(5), bigTag: 1,
    } as never));
    for (const pick of [{ case: "oS", value: "" }, { case: "oInner", value: create(Inner) }, { case: "oInner", value: inner(2) }, { case: "oI64", value: 0n }]) {
      same(All, create(All, { pick } as never));
    }
    // a sub-message longer than 127 bytes (two-byte length prefix) inside a list
    same(All, create(All, { rInner: [create(Inner, { s: "x".repeat(500) } as never)] } as never));
  });

  it("proto2: defaults are not written unless set, packed and unpacked repeated fields", () => {
    const Legacy = desc("t.v2.Legacy");
    const unset = create(Legacy);
    expect((unset as unknown as { a: number }).a).toBe(7); // the default, from the prototype
    same(Legacy, unset);
    same(Legacy, create(Legacy, { a: 7, b: "x", c: [1n, -1n], d: [5, 6] } as never));
    same(Legacy, create(Legacy, { a: 0 } as never));
  });

  it("the fixture events and real descriptors (proto2, nested lists, enums)", () => {
    for (let i = 0; i < 50; i++) {
      const e = create(PageViewedSchema, { sessionId: BigInt(i * 7919) - 100n, url: `https://shop.example/p/${i}`, viewedAt: timestampFromMs(1_700_000_000_000 + i * 1001), payload: new Uint8Array(i * 40).fill(i) });
      same(PageViewedSchema, e);
    }
    same(FileDescriptorProtoSchema, file_google_protobuf_descriptor.proto);
    same(FileDescriptorProtoSchema, file_google_protobuf_type.proto);
    same(TypeSchema, create(TypeSchema, { name: "x", fields: [{ name: "f", number: 3, kind: 9, packed: true }], oneofs: ["o"], syntax: 1 }));
  });
});

describe("encodeMessage hands unusual shapes to toBinary", () => {
  it("maps, groups and unknown fields: same bytes", () => {
    fallback(desc("t.v1.WithMap"), create(desc("t.v1.WithMap"), { id: "a", m: { b: 2, a: 1, "10": 3, "2": 4 } } as never));
    fallback(CartCheckedOutSchema, create(CartCheckedOutSchema, { cartId: "c", quantities: { x: 1 } }));
    fallback(desc("t.v2.WithGroup"), create(desc("t.v2.WithGroup"), { g: { x: 3 } } as never));
    const Inner = desc("t.v1.Inner");
    const withUnknown = create(Inner, { s: "k" } as never) as Message & { $unknown?: unknown };
    withUnknown.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([5]) }];
    expect(fallback(Inner, withUnknown).length).toBe(3 + 3);
    const All = desc("t.v1.All");
    const nestedUnknown = create(Inner, { s: "n" } as never) as Message & { $unknown?: unknown };
    nestedUnknown.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([1]) }];
    fallback(All, create(All, { inner: nestedUnknown } as never));
    fallback(All, create(All, { rInner: [create(Inner), nestedUnknown] } as never));
  });

  it("non-canonical values toBinary accepts (strings for numbers) give the same bytes", () => {
    const All = desc("t.v1.All");
    for (const v of [{ i32: "12" }, { u32: "7" }, { f: "1.5" }, { i64: "-9" }, { u64: "18446744073709551615" }, { rI32: ["1", "2"] }]) {
      fallback(All, Object.assign(create(All), v));
    }
  });

  it("invalid values fail as toBinary fails", () => {
    const All = desc("t.v1.All");
    for (const v of [{ i32: 1.5 }, { i32: 2 ** 31 }, { u32: -1 }, { i64: 2n ** 63n }, { u64: -1n }, { f: 1e39 }, { s32: "x" }]) {
      const m = Object.assign(create(All), v);
      const expected = (() => {
        try {
          toBinary(All, m as never);
          return "no error";
        } catch (e) {
          return (e as Error).message;
        }
      })();
      expect(expected).not.toBe("no error");
      expect(() => encodeMessage(All, m)).toThrow(expected);
    }
    const Req = desc("t.v2.Req");
    expect(() => encodeMessage(Req, create(Req, { o: 1 } as never))).toThrow(/required field not set/);
    fallback(Req, create(Req, { r: 0 } as never));
    // a sub-message of the wrong type
    const wrong = Object.assign(create(All), { inner: create(desc("t.v1.WithMap")) });
    expect(() => toBinary(All, wrong as never)).toThrow();
    expect(() => encodeMessage(All, wrong)).toThrow();
  });
});
