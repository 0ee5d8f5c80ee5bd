/** Canonical JSON of generated files: keys sorted at every depth, undefined dropped, arrays in order. */
import { describe, expect, it } from "vitest";
import { jsonText, sortKeysDeep } from "../../../compiler/emit/json-text.js";

describe("sortKeysDeep", () => {
  it("sorts keys at every depth, keeps array order and drops undefined values", () => {
    const value = { b: 1, a: { d: [3, { z: true, y: null }, 1], c: undefined, e: "x" } };
    expect(jsonText(sortKeysDeep(value))).toBe(
      JSON.stringify({ a: { d: [3, { y: null, z: true }, 1], e: "x" }, b: 1 }, null, 2) + "\n",
    );
  });

  it("keeps a key named __proto__ as a key (a message may be named so), not as the prototype", () => {
    const value = JSON.parse('{"m":{"__proto__":{"b":2,"a":1},"x":0}}') as unknown;
    const sorted = sortKeysDeep(value) as { m: Record<string, unknown> };
    expect(Object.getPrototypeOf(sorted.m)).toBe(Object.prototype);
    expect(JSON.stringify(sorted)).toBe('{"m":{"__proto__":{"a":1,"b":2},"x":0}}');
  });
});
