import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { buildDescriptorSetBytes } from "../../../compiler/load/buf-build.js";
import { decodeDescriptorSet, DescriptorReuse } from "../../../compiler/load/descriptor-set.js";
import { sourceLocationsOf } from "../../../compiler/load/source-info.js";
import { catalogFromDecoded, catalogFromDescriptorSet } from "../../../compiler/model/build-catalog.js";
import { writeProtoTree } from "../../helpers/compile-proto.js";

const ORDERS = `syntax = "proto3";
package shop.v1;

// An order.
//   Second line.
message Order {
  string id = 1; // trailing, not kept
  // The lines.
  repeated Line lines = 2;
  message Line { int64 qty = 1; }
  enum State { STATE_UNSPECIFIED = 0; }
}

/* A status. */
enum Status { STATUS_UNSPECIFIED = 0; }
`;
const USERS = `syntax = "proto3";
package shop.v1;
message User { string name = 1; }
`;

describe("decodeDescriptorSet", () => {
  it("reads the same descriptors, positions and comments as protobuf-es with source info", async () => {
    const bytes = await buildDescriptorSetBytes(writeProtoTree({ "shop/v1/orders.proto": ORDERS }, { vocabulary: false }));
    const full = fromBinary(FileDescriptorSetSchema, bytes);
    const decoded = decodeDescriptorSet(bytes);
    const sorted = (l: Iterable<[string, unknown]>) => [...l].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    expect(decoded.locations.map(sorted)).toEqual(full.file.map((f) => sorted(sourceLocationsOf(f.sourceCodeInfo))));
    const order = decoded.locations[0]!.get("4.0");
    expect(order).toEqual({ line: 6, column: 1, comment: "An order. Second line." });
    expect(decoded.locations[0]!.get("4.0.2.1")?.comment).toBe("The lines.");
    expect(decoded.locations[0]!.get("5.0")?.comment).toBe("A status.");
    expect(decoded.locations[0]!.get("2")).toEqual({ line: 2, column: 1, comment: "" }); // package statement
    // Tokens findings point at (odd paths) are kept: a field's name, type and number.
    expect(decoded.locations[0]!.get("4.0.2.0.1")).toMatchObject({ line: 7, column: 10 });
    expect(decoded.locations[0]!.get("4.0.2.0.5")).toMatchObject({ line: 7, column: 3 });
    expect(decoded.locations[0]!.has("4.0.2.0.3")).toBe(true);
    for (const f of full.file) f.sourceCodeInfo = undefined;
    expect(decoded.set).toEqual(full);
  });

  it("re-uses decoded top-level types whose bytes did not change", async () => {
    const before = await buildDescriptorSetBytes(writeProtoTree({ "shop/v1/orders.proto": ORDERS, "shop/v1/users.proto": USERS }, { vocabulary: false }));
    const changed = USERS.replace("string name = 1;", "string name = 1; string email = 2;");
    const after = await buildDescriptorSetBytes(writeProtoTree({ "shop/v1/orders.proto": ORDERS, "shop/v1/users.proto": changed }, { vocabulary: false }));
    const reuse = new DescriptorReuse();
    const [b, a] = [decodeDescriptorSet(before, reuse), decodeDescriptorSet(after, reuse)];
    const file = (set: typeof b, name: string) => set.set.file.find((f) => f.name === name)!;
    expect(file(a, "shop/v1/orders.proto").messageType[0]).toBe(file(b, "shop/v1/orders.proto").messageType[0]);
    expect(file(a, "shop/v1/orders.proto").enumType[0]).toBe(file(b, "shop/v1/orders.proto").enumType[0]);
    expect(file(a, "shop/v1/users.proto").messageType[0]).not.toBe(file(b, "shop/v1/users.proto").messageType[0]);
    expect(file(a, "shop/v1/users.proto").messageType[0]!.field.map((f) => f.name)).toEqual(["name", "email"]);
    const plain = fromBinary(FileDescriptorSetSchema, after);
    for (const f of plain.file) f.sourceCodeInfo = undefined;
    expect(a.set).toEqual(plain);
  });

  it("rejects truncated input", async () => {
    const bytes = await buildDescriptorSetBytes(writeProtoTree({ "shop/v1/users.proto": USERS }, { vocabulary: false }));
    expect(() => decodeDescriptorSet(bytes.subarray(0, bytes.length - 3))).toThrow();
  });

  it("re-uses a type's models across catalogs only when its descriptor, file and source locations are unchanged", async () => {
    const before = await buildDescriptorSetBytes(writeProtoTree({ "shop/v1/orders.proto": ORDERS, "shop/v1/users.proto": USERS }, { vocabulary: false }));
    const shifted = USERS.replace("message User", "// Now documented.\nmessage User"); // same descriptor, new position and comment
    const after = await buildDescriptorSetBytes(writeProtoTree({ "shop/v1/orders.proto": ORDERS, "shop/v1/users.proto": shifted }, { vocabulary: false }));
    const reuse = new DescriptorReuse();
    const b = catalogFromDecoded(decodeDescriptorSet(before, reuse), "root").catalog;
    const a = catalogFromDecoded(decodeDescriptorSet(after, reuse), "root").catalog;
    expect(a.messages["shop.v1.Order"]).toBe(b.messages["shop.v1.Order"]);
    expect(a.enums["shop.v1.Status"]).toBe(b.enums["shop.v1.Status"]);
    expect(a.messages["shop.v1.User"]).not.toBe(b.messages["shop.v1.User"]);
    expect(a.messages["shop.v1.User"]!.position).toEqual({ file: "root/shop/v1/users.proto", line: 4, column: 1 });
    expect(a.messages["shop.v1.User"]!.comment).toBe("Now documented.");
    expect(a).toEqual(catalogFromDescriptorSet(fromBinary(FileDescriptorSetSchema, after), "root").catalog);
    const elsewhere = catalogFromDecoded(decodeDescriptorSet(after, reuse), "other").catalog; // another display root
    expect(elsewhere.messages["shop.v1.Order"]!.position.file).toBe("other/shop/v1/orders.proto");
  });
  it("re-uses event models and files only while nothing they reach changed; the after catalog equals a plain decode", async () => {
    const common = `syntax = "proto3";\npackage t.v1;\nmessage Money { int64 units = 1; }\n`;
    const ev = (name: string, topic: string, extra = "") => `syntax = "proto3";
package t.v1;
import "evt/v1/options.proto";
import "t/v1/common.proto";
// ${name} happened.
message ${name} {
  option (evt.v1.event) = { topic: "${topic}" key: "id" owner: "team-a" };
  string id = 1 [(evt.v1.field) = { required: true }];
  Money amount = 2;
${extra}}
`;
    const other = `syntax = "proto3";\npackage t.v1;\nimport "evt/v1/options.proto";\nmessage Solo {\n  option (evt.v1.event) = { topic: "t.solo.v1" key: "id" owner: "team-a" };\n  string id = 1;\n}\n`;
    const tree = (money: string, extra = "") => writeProtoTree({ "t/v1/common.proto": money, "t/v1/a.proto": ev("A", "t.a.v1", extra), "t/v1/solo.proto": other });
    const before = await buildDescriptorSetBytes(tree(common));
    const reuse = new DescriptorReuse();
    const b = catalogFromDecoded(decodeDescriptorSet(before, reuse), "root");
    // Money changed (a field added): A's fingerprint must change although A's own bytes did not.
    const moneyChanged = await buildDescriptorSetBytes(tree(common.replace("int64 units = 1;", "int64 units = 1; string currency = 2;")));
    const a = catalogFromDecoded(decodeDescriptorSet(moneyChanged, reuse), "root");
    const plain = catalogFromDescriptorSet(fromBinary(FileDescriptorSetSchema, moneyChanged), "root");
    expect(a.catalog).toEqual(plain.catalog);
    const eventOf = (c: typeof a.catalog, name: string) => c.events.find((e) => e.message.fullName === name)!;
    expect(eventOf(a.catalog, "t.v1.A").fingerprint).not.toBe(eventOf(b.catalog, "t.v1.A").fingerprint);
    expect(eventOf(a.catalog, "t.v1.A").fingerprint).toBe(eventOf(plain.catalog, "t.v1.A").fingerprint);
    expect(eventOf(a.catalog, "t.v1.Solo")).toBe(eventOf(b.catalog, "t.v1.Solo")); // nothing it reaches changed
    // The registry of a catalog built from shared files still resolves every type, the changed one included.
    expect(a.registry.getMessage("t.v1.Money")?.fields.map((f) => f.name)).toEqual(["units", "currency"]);
    expect(a.registry.getMessage("t.v1.A")?.field.amount?.message?.typeName).toBe("t.v1.Money");
    // An event's own change with the rest unchanged: a new model; the same as a plain decode.
    const own = await buildDescriptorSetBytes(tree(common, "  string note = 3;\n"));
    const c = catalogFromDecoded(decodeDescriptorSet(own, reuse), "root");
    expect(c.catalog).toEqual(catalogFromDescriptorSet(fromBinary(FileDescriptorSetSchema, own), "root").catalog);
    expect(eventOf(c.catalog, "t.v1.A")).not.toBe(eventOf(b.catalog, "t.v1.A"));
    expect(eventOf(c.catalog, "t.v1.Solo")).toBe(eventOf(b.catalog, "t.v1.Solo"));
  });
});
