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
    expect(decoded.locations.map((l) => [...l])).toEqual(full.file.map((f) => [...sourceLocationsOf(f.sourceCodeInfo)]));
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
});
