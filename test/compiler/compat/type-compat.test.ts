/** The type/cardinality matrix against the protobuf wire format and the proto3 JSON mapping. */
import { describe, expect, it } from "vitest";
import { readCardinality, readJson, readWire, type TypeKey } from "../../../compiler/rules/compat/type-compat.js";

const v = (r: { verdict: string }): string => r.verdict;

describe("binary wire format", () => {
  it.each<[TypeKey, TypeKey, string]>([
    ["int32", "int64", "ok"], // sign-extended on the wire
    ["int64", "int32", "lossy"], // truncated
    ["uint32", "int64", "ok"],
    ["uint32", "int32", "lossy"], // ≥ 2^31 turns negative
    ["int32", "uint32", "lossy"], // negatives
    ["int64", "uint64", "lossy"],
    ["bool", "int32", "ok"],
    ["int32", "bool", "lossy"],
    ["sint32", "sint64", "ok"],
    ["sint64", "sint32", "lossy"],
    ["sint32", "int32", "incompatible"], // zigzag vs plain varint
    ["fixed32", "sfixed32", "lossy"],
    ["fixed64", "sfixed64", "lossy"],
    ["fixed32", "fixed64", "incompatible"],
    ["float", "double", "incompatible"],
    ["string", "bytes", "ok"],
    ["bytes", "string", "lossy"], // UTF-8
    ["message", "bytes", "ok"],
    ["bytes", "message", "lossy"],
    ["enum", "int32", "ok"],
    ["enum", "int64", "ok"],
    ["enum", "uint32", "lossy"],
    ["int32", "enum", "lossy"],
    ["string", "int32", "incompatible"],
  ])("%s written, %s read: %s", (w, r, expected) => {
    expect(v(readWire(w, r))).toBe(expected);
  });
});

describe("proto3 JSON mapping", () => {
  it.each<[TypeKey, TypeKey, string]>([
    ["int32", "int64", "ok"], // parsers accept numbers and strings for every integer type
    ["int64", "int32", "lossy"],
    ["sint32", "int32", "ok"],
    ["string", "bytes", "incompatible"], // base64
    ["bytes", "string", "incompatible"],
    ["bool", "int32", "incompatible"],
    ["enum", "int32", "incompatible"], // names
    ["enum", "string", "ok"],
    ["int32", "enum", "lossy"],
    ["float", "double", "ok"],
    ["double", "float", "lossy"],
  ])("%s written, %s read: %s", (w, r, expected) => {
    expect(v(readJson(w, r))).toBe(expected);
  });
});

describe("cardinality", () => {
  it("treats implicit and explicit presence alike", () => {
    expect(v(readCardinality("wire", "implicit", "optional", "int32"))).toBe("ok");
    expect(v(readCardinality("wire", "optional", "implicit", "int32"))).toBe("ok");
  });
  it("lets a repeated reader take singular data on the wire but not in JSON", () => {
    expect(v(readCardinality("wire", "implicit", "repeated", "string"))).toBe("ok");
    expect(v(readCardinality("json", "implicit", "repeated", "string"))).toBe("incompatible");
  });
  it("keeps only the last element for repeated → singular, and loses packed numeric lists", () => {
    expect(v(readCardinality("wire", "repeated", "implicit", "string"))).toBe("lossy");
    expect(v(readCardinality("wire", "repeated", "implicit", "int32"))).toBe("incompatible");
  });
  it("fails a required reader on data that may lack the field", () => {
    expect(v(readCardinality("wire", "optional", "required", "int32"))).toBe("lossy");
    expect(v(readCardinality("wire", "required", "optional", "int32"))).toBe("ok");
  });
});
