import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCatalog } from "../../../compiler/model/build-catalog.js";
import type { Catalog, EventModel, FieldModel } from "../../../compiler/model/catalog.js";

let catalog: Catalog;
beforeAll(async () => {
  ({ catalog } = await loadCatalog("proto"));
});

const event = (name: string): EventModel => {
  const e = catalog.events.find((x) => x.fullName === name);
  if (!e) throw new Error(`no event ${name}`);
  return e;
};
const field = (e: EventModel, name: string): FieldModel => {
  const f = e.message.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name} on ${e.fullName}`);
  return f;
};

describe("catalog model of the example catalog", () => {
  it("has every event of the tree, sorted, with unique topics and contract files only", () => {
    expect(catalog.events.length).toBeGreaterThanOrEqual(12);
    const names = catalog.events.map((e) => e.fullName);
    expect(names).toEqual([...names].sort());
    expect(new Set(catalog.events.map((e) => e.topic)).size).toBe(catalog.events.length);
    expect(catalog.files).not.toContain("evt/v1/options.proto");
    expect(catalog.files.some((f) => f.startsWith("google/"))).toBe(false);
    expect(new Set(catalog.events.map((e) => e.message.package)).size).toBeGreaterThanOrEqual(3);
  });

  it("reads the event option: topic, key path, owner, compatibility default, sinks and modes", () => {
    const placed = event("orders.v1.OrderPlaced");
    expect(placed.topic).toBe("orders.order_placed.v1");
    expect(placed.key).toEqual(["order_id"]);
    expect(placed.owner).toBe("team-checkout");
    expect(placed.sinks[0]).toMatchObject({ table: "ORDERS.ORDER_PLACED", mode: "APPEND", clusterBy: ["STORE_ID", "PLACED_AT"] });

    const assigned = event("deliveries.v1.DeliveryAssigned");
    expect(assigned.key).toEqual(["courier", "courier_id"]);
    expect(assigned.sinks[0]?.flattenNested).toBe(true);

    const status = event("orders.v1.OrderStatusChanged");
    expect(status.sinks.map((s) => s.mode)).toEqual(["APPEND", "UPSERT"]);

    // Unset compatibility and unset sink mode fall back to the documented defaults.
    const clicked = event("clickstream.v1.ButtonClicked");
    expect(clicked.compatibility).toBe("BACKWARD");
    expect(clicked.sinks[0]?.mode).toBe("APPEND");
    expect(event("orders.v1.OrderCancelled").compatibility).toBe("FULL");
    expect(event("clickstream.v1.PageViewed").key).toBeUndefined();
    expect(event("courier.v1.CourierLocationUpdated")).toMatchObject({ partitions: 48, retentionHours: 48 });
    expect(placed).toMatchObject({ partitions: 12, retentionHours: 168 }); // retention unset → default
    expect(event("payments.v1.PaymentAuthorized")).toMatchObject({ partitions: 6, retentionHours: 168 }); // both unset
  });

  it("types every field: scalars, enums, well-known types, maps, repeated, oneof, optional", () => {
    const placed = event("orders.v1.OrderPlaced");
    const types = new Set(
      Object.values(catalog.messages).flatMap((m) => m.fields.map((f) => (f.type.kind === "scalar" ? f.type.scalar : ""))),
    );
    for (const s of ["double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes"]) {
      expect(types, s).toContain(s);
    }
    const wellKnown = new Set(
      Object.values(catalog.messages).flatMap((m) => m.fields.map((f) => (f.type.kind === "message" ? f.type.wellKnown : undefined))),
    );
    for (const w of ["timestamp", "duration", "struct", "value", "string_value", "int64_value", "uint64_value", "bool_value", "double_value"]) {
      expect(wellKnown, w).toContain(w);
    }
    const maps = Object.values(catalog.messages).flatMap((m) => m.fields.filter((f) => f.type.kind === "map"));
    expect(maps.some((f) => f.type.kind === "map" && f.type.value.kind === "message")).toBe(true);
    expect(maps.every((f) => f.cardinality === "repeated" && !f.repeated)).toBe(true);
    expect(placed.message.oneofs.length).toBeGreaterThan(0);
    const member = field(placed, placed.message.oneofs[0]!.fields[0]!);
    expect(member.oneof).toBe(placed.message.oneofs[0]!.name);
    expect(Object.values(catalog.messages).some((m) => m.fields.some((f) => f.cardinality === "optional" && f.type.kind === "scalar"))).toBe(true);
  });

  it("reads field options and comments", () => {
    const placed = event("orders.v1.OrderPlaced");
    expect(field(placed, "order_id")).toMatchObject({ required: true, columnType: "VARCHAR(64)", localName: "orderId" });
    const auth = event("payments.v1.PaymentAuthorized");
    expect(field(auth, "authorization_code").column).toBe("AUTH_CODE");
    expect(field(auth, "network_transaction_id")).toMatchObject({ type: { kind: "scalar", scalar: "uint64" }, columnType: "NUMBER(38,0)" });
    const pii = Object.values(catalog.messages).flatMap((m) => m.fields.map((f) => f.pii));
    expect(pii).toContain("personal");
    expect(pii).toContain("sensitive");
    expect(placed.message.comment.length).toBeGreaterThan(10);
    expect(Object.values(catalog.messages).every((m) => m.fields.every((f) => f.comment.length > 0 || m.name.endsWith("Entry")))).toBe(true);
  });

  it("positions elements in the source, 1-based, under the display root", () => {
    const placed = event("orders.v1.OrderPlaced");
    expect(placed.message.position.file).toBe("proto/orders/v1/orders.proto");
    expect(placed.message.position.line).toBeGreaterThan(1);
    expect(placed.optionPosition.line).toBeGreaterThan(placed.message.position.line);
    expect(placed.sinks[0]!.position.line).toBeGreaterThanOrEqual(placed.optionPosition.line);
    const id = field(placed, "order_id");
    expect(id.position.line).toBeGreaterThan(placed.optionPosition.line);
    expect(id.position.column).toBeGreaterThan(1);
  });

  it("names the protobuf-es module and exports of each event", () => {
    const placed = event("orders.v1.OrderPlaced");
    expect(placed).toMatchObject({ file: "orders/v1/orders.proto", tsModule: "orders/v1/orders_pb", tsSchemaName: "OrderPlacedSchema", tsTypeName: "OrderPlaced" });
  });

  it("fingerprints descriptors: stable, distinct per event, changed by a field change", async () => {
    const again = (await loadCatalog("proto")).catalog;
    expect(again.events.map((e) => e.fingerprint)).toEqual(catalog.events.map((e) => e.fingerprint));
    expect(new Set(catalog.events.map((e) => e.fingerprint)).size).toBe(catalog.events.length);
    expect(catalog.events.every((e) => /^[0-9a-f]{16}$/.test(e.fingerprint))).toBe(true);

    // A copy of the tree with one field renumbered in a shared message (common.v1.Money) changes
    // the fingerprint of every event that reaches Money, and only those.
    const dir = mkdtempSync(path.join(tmpdir(), "evt-fp-"));
    cpSync("proto", dir, { recursive: true });
    const money = path.join(dir, "common/v1/money.proto");
    writeFileSync(money, readFileSync(money, "utf8").replace(/int32 nanos = 3;/, "int32 nanos = 4;"));
    const changed = (await loadCatalog(dir)).catalog;
    const reachesMoney = (e: EventModel): boolean => JSON.stringify(reach(catalog, e.fullName)).includes("common.v1.Money");
    for (const e of catalog.events) {
      const after = changed.events.find((x) => x.fullName === e.fullName)!;
      expect(after.fingerprint !== e.fingerprint, e.fullName).toBe(reachesMoney(e));
    }
    expect(catalog.events.some(reachesMoney)).toBe(true);
  });
});

/** Full names of the messages reachable from a message. */
function reach(c: Catalog, name: string, seen = new Set<string>()): string[] {
  if (seen.has(name) || !c.messages[name]) return [...seen];
  seen.add(name);
  for (const f of c.messages[name]!.fields) {
    const t = f.type.kind === "map" ? f.type.value : f.type;
    if (t.kind === "message") reach(c, t.typeName, seen);
  }
  return [...seen];
}
