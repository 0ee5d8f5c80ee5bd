import { create, toBinary, toJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { readSinkConfig } from "../../../runtime/sinks/config.js";
import { RowRejectedError, compileRowMapper, formatTimestampNs, parseRfc3339Ns, type CellFormat } from "../../../runtime/sinks/row-mapping.js";
import { catalog } from "../../../generated/ts/index.js";
import { OrderPlacedSchema } from "../../../generated/ts/orders/v1/orders_pb.js";
import { deliveryAssigned, deliveryCompleted, orderStatusChanged, searchPerformed } from "../../integration/fixtures/sink-events.js";

const config = readSinkConfig("generated/sinks/evt-sinks.json");
const meta = { id: "0190e0f0-0000-7000-8000-000000000001", type: "", time: "2024-05-06T09:08:09.987654321+02:00", source: "svc", schema: "abc", topic: "t", partition: 3, offset: "42", ingestMs: 1_700_000_000_000 };

/** The meta of a record of `type` (mapRecord requires ce_type). */
const metaOf = (type: string) => ({ ...meta, type });

function rowOf(sinkName: string, event: unknown, format: CellFormat = "text"): Record<string, unknown> {
  const sink = config.sinks.find((s) => s.name === sinkName)!;
  const schema = catalog.find((c) => c.type === sink.eventType)!.schema;
  const m = compileRowMapper(config, sink, schema, format);
  const row = m.mapEvent(event as never, meta);
  return Object.fromEntries(m.columnNames.map((n, i) => [n, row.cells[i]]));
}

describe("row mapping", () => {
  it("maps metadata columns from headers and Kafka coordinates, keeping ce_time's nanoseconds in UTC", () => {
    const r = rowOf("CLICKSTREAM.SEARCH_PERFORMED", searchPerformed(1));
    expect(r.EVT_EVENT_ID).toBe(meta.id);
    expect(r.EVT_EVENT_TIME).toBe("2024-05-06 07:08:09.987654321");
    expect(r.EVT_SOURCE).toBe("svc");
    expect(r.EVT_SCHEMA_FINGERPRINT).toBe("abc");
    expect([r.EVT_TOPIC, r.EVT_PARTITION, r.EVT_OFFSET]).toEqual(["t", "3", "42"]);
    expect(r.EVT_INGESTED_AT).toBe("2023-11-14 22:13:20.000000000");
  });

  it("maps every scalar and structured kind of SearchPerformed exactly", () => {
    const r = rowOf("CLICKSTREAM.SEARCH_PERFORMED", searchPerformed(2));
    expect(r.QUERY_FINGERPRINT).toBe("18446744073709551613"); // fixed64 near 2^64, exact text
    expect(r.PREVIOUS_QUERY_FINGERPRINT).toBe("2"); // UInt64Value wrapper unwrapped
    expect(r.SORT_ORDER).toBe("SORT_ORDER_RATING");
    expect(r.RESULT_COUNT).toBe("4000000000");
    expect(JSON.parse(r.SEARCH_LOCATION as string)).toEqual({ latitude: 52.502, longitude: 13.25, accuracyMeters: 4.5 });
    expect(JSON.parse(r.FILTERS as string)).toEqual(["vegan", 2]);
    expect(JSON.parse(r.STORE_ID_BY_RANK as string)).toEqual({ 1: "2000", 2: "9007199254740993" });
    expect(JSON.parse(r.RESULT_STORE_IDS as string)).toEqual(["store-2", "store-x"]);
    expect(JSON.parse(r.RELEVANCE_SCORES as string)).toEqual([0.5, 0.25]);
    expect(r.HAS_MORE_RESULTS).toBe(false);
    expect(r.LATENCY).toBe("1500000002");
    expect(r.SEARCHED_AT).toBe("2024-05-06 07:08:11.123456789");
  });

  it("leaves an unset wrapper NULL", () => {
    expect(rowOf("CLICKSTREAM.SEARCH_PERFORMED", searchPerformed(1)).PREVIOUS_QUERY_FINGERPRINT).toBeNull();
  });

  it("maps a oneof to its member column and _CASE, binary as hex", () => {
    const photo = rowOf("DELIVERIES.DELIVERY_COMPLETED", deliveryCompleted(2));
    expect(photo.PROOF_OF_DELIVERY_CASE).toBe("proof_photo_jpeg");
    expect(photo.PROOF_PHOTO_JPEG).toBe("ffd80200");
    expect(photo.RECIPIENT_NAME).toBeNull();
    const name = rowOf("DELIVERIES.DELIVERY_COMPLETED", deliveryCompleted(3));
    expect([name.PROOF_OF_DELIVERY_CASE, name.RECIPIENT_NAME, name.PROOF_PHOTO_JPEG]).toEqual(["recipient_name", "Ada 3", null]);
    expect(name.CUSTOMER_RATING).toBe("5");
  });

  it("flattens nested messages into PARENT__CHILD columns, NULL below an unset parent", () => {
    const r = rowOf("DELIVERIES.DELIVERY_ASSIGNED", deliveryAssigned(2));
    expect(r.COURIER__COURIER_ID).toBe("9000000002");
    expect(r.COURIER__VEHICLE_TYPE).toBe("VEHICLE_TYPE_BICYCLE");
    expect(r.DROPOFF_ADDRESS__LOCATION__LATITUDE).toBe(52.52);
    expect(r.DROPOFF_ADDRESS__CITY).toBe("Berlin");
    expect(r.PICKUP_LOCATION__LATITUDE).toBeNull();
    expect(r.GUARANTEED_PAY__UNITS).toBe("7");
  });

  it("rejects a value longer than its VARCHAR(n), naming the column", () => {
    const sink = config.sinks.find((s) => s.name === "ORDERS.ORDER_PLACED")!;
    const m = compileRowMapper(config, sink, OrderPlacedSchema);
    const event = create(OrderPlacedSchema, { orderId: "x".repeat(65), customerId: "c", storeId: 1n, placedAt: { seconds: 1n } });
    expect(() => m.mapRecord(toBinary(OrderPlacedSchema, event), metaOf(sink.eventType))).toThrow(/ORDER_ID.*VARCHAR\(64\)/);
    const ok = create(OrderPlacedSchema, { orderId: "x".repeat(64), customerId: "c", storeId: 1n, placedAt: { seconds: 1n } });
    expect(() => m.mapRecord(toBinary(OrderPlacedSchema, ok), metaOf(sink.eventType))).not.toThrow();
  });

  it("rejects an unset NOT NULL column and undecodable bytes", () => {
    const sink = config.sinks.find((s) => s.name === "ORDERS.ORDER_STATUS_LATEST")!;
    const schema = catalog.find((c) => c.type === sink.eventType)!.schema;
    const m = compileRowMapper(config, sink, schema);
    const noTime = orderStatusChanged(1, 1);
    noTime.changedAt = undefined;
    expect(() => m.mapEvent(noTime, meta)).toThrow(RowRejectedError);
    expect(() => m.mapRecord(new Uint8Array([0xff, 0xff, 0xff]), metaOf(sink.eventType))).toThrow(/not a valid orders.v1.OrderStatusChanged/);
  });

  it("formats and parses timestamps with nanoseconds, before 1970 too", () => {
    expect(formatTimestampNs(-1n)).toBe("1969-12-31 23:59:59.999999999");
    expect(formatTimestampNs(1_714_979_289_000_000_001n)).toBe("2024-05-06 07:08:09.000000001");
    expect(parseRfc3339Ns("2024-05-06T07:08:09.5Z")).toBe(1_714_979_289_500_000_000n);
    expect(parseRfc3339Ns("not a time")).toBeUndefined();
  });

  it("rejects a record without ce_type (decision D49): nothing says the bytes are this contract's", () => {
    const sink = config.sinks.find((s) => s.name === "ORDERS.ORDER_PLACED")!;
    const m = compileRowMapper(config, sink, OrderPlacedSchema);
    const ok = toBinary(OrderPlacedSchema, create(OrderPlacedSchema, { orderId: "o", customerId: "c", storeId: 1n, placedAt: { seconds: 1n } }));
    const { type: _, ...untyped } = metaOf(sink.eventType);
    expect(() => m.mapRecord(ok, untyped)).toThrow(/record has no ce_type header/);
    expect(() => m.mapRecord(ok, metaOf(sink.eventType))).not.toThrow();
  });

  it("takes google.protobuf.Timestamp's whole range on both targets; outside it rejects naming the right column", () => {
    const sink = config.sinks.find((s) => s.name === "ORDERS.ORDER_PLACED")!;
    const m = compileRowMapper(config, sink, OrderPlacedSchema);
    const at = (seconds: bigint, nanos = 0) => create(OrderPlacedSchema, { orderId: "o", customerId: "c", storeId: 1n, placedAt: { seconds, nanos } });
    const placedAt = (seconds: bigint, nanos = 0) => m.mapEvent(at(seconds, nanos), meta).cells[m.columnNames.indexOf("PLACED_AT")];
    expect(placedAt(-62_135_596_800n)).toBe("0001-01-01 00:00:00.000000000");
    expect(placedAt(253_402_300_799n, 999_999_999)).toBe("9999-12-31 23:59:59.999999999");
    // outside DuckDB TIMESTAMP_NS's 1677–2262 window, which dead-lettered them before
    expect(placedAt(-10_000_000_000n)).toBe("1653-02-10 06:13:20.000000000");
    expect(placedAt(10_000_000_000n)).toBe("2286-11-20 17:46:40.000000000");
    for (const bad of [at(253_402_300_800n), at(-62_135_596_801n), at(1n, 1_000_000_000)]) {
      let err: unknown;
      try {
        m.mapEvent(bad, meta);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RowRejectedError);
      expect((err as RowRejectedError).column).toBe("PLACED_AT");
      expect((err as Error).message).toMatch(/^PLACED_AT: timestamp .* outside google.protobuf.Timestamp's range/);
    }
    // an out-of-range ce_time is no event time (NULL), not a rejected row
    expect(m.mapEvent(at(1n), { ...meta, time: "10000-01-01T00:00:00Z" }).cells[m.columnNames.indexOf("EVT_EVENT_TIME")]).toBeNull();
  });

  it("native cells (DuckDB's appender) carry the typed values: bigint nanoseconds, the proto's numbers, bytes; the rest as text", () => {
    const r = rowOf("CLICKSTREAM.SEARCH_PERFORMED", searchPerformed(2), "native");
    expect(r.QUERY_FINGERPRINT).toBe(18446744073709551613n);
    expect(r.PREVIOUS_QUERY_FINGERPRINT).toBe(2n);
    expect(r.RESULT_COUNT).toBe(4_000_000_000);
    expect(r.PAGE_NUMBER).toBe(2);
    expect(r.LATENCY).toBe(1_500_000_002n);
    expect(r.SEARCHED_AT).toBe(parseRfc3339Ns("2024-05-06T07:08:11.123456789Z"));
    expect(r.EVT_EVENT_TIME).toBe(parseRfc3339Ns("2024-05-06T07:08:09.987654321Z"));
    expect(r.EVT_INGESTED_AT).toBe(1_700_000_000_000n * 1_000_000n);
    expect(r.EVT_PARTITION).toBe(3);
    expect(r.SORT_ORDER).toBe("SORT_ORDER_RATING");
    expect(JSON.parse(r.RESULT_STORE_IDS as string)).toEqual(["store-2", "store-x"]);
    expect(rowOf("DELIVERIES.DELIVERY_COMPLETED", deliveryCompleted(2), "native").PROOF_PHOTO_JPEG).toEqual(new Uint8Array([0xff, 0xd8, 2, 0]));
    // the same checks hold on native values: NUMBER(p,0) bounds by value
    const sink = config.sinks.find((s) => s.name === "CLICKSTREAM.SEARCH_PERFORMED")!;
    const narrow = { ...config, sinks: [{ ...sink, columns: sink.columns.map((c) => (c.name === "PAGE_NUMBER" ? { ...c, sqlType: "NUMBER(1,0)" } : c)) }] };
    const m = compileRowMapper(narrow, narrow.sinks[0]!, catalog.find((c) => c.type === sink.eventType)!.schema, "native");
    expect(() => m.mapEvent(searchPerformed(9), meta)).not.toThrow();
    expect(() => m.mapEvent(searchPerformed(10), meta)).toThrow(/more than 1 digits for PAGE_NUMBER/);
  });

  it("writes each list and map column as toJson writes that field (NaN/Infinity floats, 64-bit as strings, empty as NULL)", () => {
    const sink = config.sinks.find((s) => s.name === "CLICKSTREAM.SEARCH_PERFORMED")!;
    const schema = catalog.find((c) => c.type === sink.eventType)!.schema;
    const m = compileRowMapper(config, sink, schema);
    const odd = create(schema, { ...searchPerformed(3), relevanceScores: [Number.NaN, Infinity, -Infinity, -0.5], resultStoreIds: [], storeIdByRank: { 7: -5n } });
    for (const event of [searchPerformed(0), searchPerformed(5), odd]) {
      const row = m.mapEvent(event as never, meta);
      const json = toJson(schema, event as never) as Record<string, unknown>;
      for (const col of sink.columns.filter((c) => ["RESULT_STORE_IDS", "RELEVANCE_SCORES", "STORE_ID_BY_RANK"].includes(c.name))) {
        const field = schema.fields.find((f) => f.name === col.path[0])!;
        const expected = json[field.jsonName];
        expect(row.cells[m.columnNames.indexOf(col.name)], col.name).toBe(expected === undefined ? null : JSON.stringify(expected));
      }
    }
  });
});
