import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  bindProducer, collectMetrics, createProducer, isEventValidationError, isEventsNotSentError, isTopicError, Instrumentation, KafkaClientError, uuidv7Time,
} from "../../runtime/index.js";
import { partitionForKey } from "../../runtime/kafka/partitioner.js";
import { cartContract, pageContract } from "../fixtures/runtime/contracts.js";
import { AddressSchema, CartCheckedOutSchema, Channel, PageViewedSchema } from "../fixtures/runtime/gen/shop/v1/shop_pb.js";
import { fakeKafka } from "./fake-kafka.js";

const cart = cartContract("shop.cart");
const page = pageContract("shop.page", 4);

function goodCart(id: string) {
  return create(CartCheckedOutSchema, {
    cartId: id, customerId: "c1", totalCents: 1234n, channel: Channel.APP, itemIds: ["a", "b"],
    shipping: create(AddressSchema, { city: "Lyon", postcode: "69001" }), checkedOutAt: timestampFromDate(new Date(0)),
  });
}

async function connected(opts: Partial<Parameters<typeof createProducer>[0]> = {}) {
  const kafka = fakeKafka([{ topic: "shop.cart", partitions: 3 }, { topic: "shop.page", partitions: 4 }]);
  const producer = createProducer({ client: kafka, source: "test-svc", ...opts });
  await producer.connect();
  return { kafka, producer };
}

describe("evt producer (fake Kafka)", () => {
  it("sends protobuf values with the contract key, CloudEvents headers and the key's partition", async () => {
    const { kafka, producer } = await connected();
    const before = Date.now();
    const [res] = await bindProducer(producer, cart).send(goodCart("cart-42"));
    expect(kafka.requests).toHaveLength(1);
    const rec = kafka.requests[0]![0]!.records[0]!;
    expect(kafka.requests[0]![0]!.topic).toBe("shop.cart");
    expect(rec.key?.toString()).toBe("cart-42");
    expect(rec.partition).toBe(partitionForKey(Buffer.from("cart-42"), 3));
    expect(fromBinary(CartCheckedOutSchema, rec.value)).toEqual(goodCart("cart-42"));
    const h = Object.fromEntries(Object.entries(rec.headers).map(([k, v]) => [k, v.toString()]));
    expect(h).toEqual({
      ce_specversion: "1.0", ce_id: res!.id, ce_source: "test-svc", ce_type: "shop.v1.CartCheckedOut",
      ce_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), "content-type": "application/protobuf",
      evt_schema: "fp-cart-1",
    });
    expect(res!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(res!.id)).toBeGreaterThanOrEqual(before);
    expect(res).toMatchObject({ topic: "shop.cart", partition: rec.partition, offset: "0" });
  });

  it("adds extra headers per event (shared objects, Buffer values) but never replaces a CloudEvents header", async () => {
    const { kafka, producer } = await connected();
    const shared = { evt_ingest_app: Buffer.from("web"), ce_type: "spoofed.Type", ce_id: "spoofed-id", constructor: "kept" };
    const events = [1n, 2n, 3n].map((s) => create(PageViewedSchema, { sessionId: s, url: "/" }));
    const res = await producer.send(page, events, { headers: [shared, { ...shared, evt_client_time: "2026-01-01T00:00:00Z" }, undefined] });
    const recs = kafka.requests[0]![0]!.records;
    const text = (i: number) => Object.fromEntries(Object.entries(recs[i]!.headers).map(([k, v]) => [k, v.toString()]));
    expect(text(0)).toMatchObject({ evt_ingest_app: "web", constructor: "kept", ce_type: "shop.v1.PageViewed", ce_id: res[0]!.id });
    expect(text(1)).toMatchObject({ evt_ingest_app: "web", evt_client_time: "2026-01-01T00:00:00Z", ce_type: "shop.v1.PageViewed", ce_id: res[1]!.id });
    expect(text(2)).not.toHaveProperty("evt_ingest_app");
    // one ce_time per send, the same on every record
    expect(new Set(recs.map((r) => r.headers.ce_time!.toString())).size).toBe(1);
  });

  it("keys integers in decimal and reports per-event offsets within a request", async () => {
    const { kafka, producer } = await connected();
    const events = [7n, 7n, 7n].map((s, i) => create(PageViewedSchema, { sessionId: s, url: `/p${i}` }));
    const res = await producer.send(page, events);
    const recs = kafka.requests[0]![0]!.records;
    expect(recs.map((r) => r.key?.toString())).toEqual(["7", "7", "7"]);
    expect(res.map((r) => r.offset)).toEqual(["0", "1", "2"]);
    expect(new Set(res.map((r) => r.id)).size).toBe(3);
  });

  it("rejects a batch with one invalid event and sends nothing", async () => {
    const { kafka, producer } = await connected();
    const bad = goodCart("c2");
    bad.shipping = undefined;
    const err = await producer.send(cart, [goodCart("c1"), bad]).catch((e: unknown) => e);
    expect(isEventValidationError(err)).toBe(true);
    expect((err as Error).message).toContain("event #1 of shop.v1.CartCheckedOut: required field(s) not set: shipping.city");
    const wrongType = await producer.send(cart, create(PageViewedSchema) as never).catch((e: unknown) => e);
    expect(isEventValidationError(wrongType)).toBe(true);
    expect((wrongType as Error).message).toContain("is shop.v1.PageViewed, expected shop.v1.CartCheckedOut");
    expect(kafka.requests).toHaveLength(0);
  });

  it("refuses a topic that does not exist, and creates contract topics only when asked", async () => {
    const kafka = fakeKafka([]);
    const p1 = createProducer({ client: kafka, source: "s" });
    await p1.connect();
    const err = await p1.send(cart, goodCart("x")).catch((e: unknown) => e);
    expect(isTopicError(err)).toBe(true);
    expect(kafka.topics.size).toBe(0);
    const p2 = createProducer({ client: kafka, source: "s", createTopics: [cart] });
    await p2.connect();
    expect(kafka.topics.get("shop.cart")).toEqual({ topic: "shop.cart", partitions: 3, retentionMs: 24 * 3_600_000 });
    await p2.send(cart, goodCart("x"));
    expect(kafka.requests).toHaveLength(1);
  });

  it("coalesces sends queued while a request is in flight, within maxMessages", async () => {
    const { kafka, producer } = await connected({ batching: { maxMessages: 3 } });
    const release = kafka.holdSends();
    const sends = [1, 2, 3, 4, 5].map((i) => producer.send(cart, goodCart(`c${i}`)));
    await new Promise((r) => setTimeout(r, 10));
    release();
    await Promise.all(sends);
    // the first call goes alone; the four queued behind it go as 3 + 1
    expect(kafka.requests.map((r) => r[0]!.records.length)).toEqual([1, 3, 1]);
  });

  it("lingers to batch separate calls when lingerMs is set", async () => {
    const { kafka, producer } = await connected({ batching: { lingerMs: 20 } });
    await Promise.all([1, 2, 3].map((i) => producer.send(cart, goodCart(`c${i}`))));
    expect(kafka.requests.map((r) => r[0]!.records.length)).toEqual([3]);
  });

  it("reports sent, failed, bytes and latency through instrumentation", async () => {
    const instrumentation = new Instrumentation();
    const { metrics } = collectMetrics(instrumentation);
    const { kafka, producer } = await connected({ instrumentation });
    await producer.send(cart, [goodCart("a"), goodCart("b")]);
    expect(metrics.sent).toBe(2);
    expect(metrics.bytesSent).toBeGreaterThan(2 * 30);
    expect(metrics.sendRequests).toBe(1);
    kafka.failNext(new Error("broker down"));
    await expect(producer.send(cart, goodCart("c"))).rejects.toThrow("broker down");
    expect(metrics.sendFailed).toBe(1);
    expect(metrics.sent).toBe(2);
  });
});

describe("evt producer request sizes", () => {
  it("splits one large send() into requests within maxMessages/maxBytes, keeping order and per-event results", async () => {
    const kafka = fakeKafka([{ topic: "shop.page", partitions: 1 }]);
    const producer = createProducer({ client: kafka, source: "s", batching: { maxMessages: 4, maxBytes: 100_000 } });
    await producer.connect();
    const events = Array.from({ length: 10 }, (_, i) => create(PageViewedSchema, { sessionId: 1n, url: `/${i}` }));
    const res = await producer.send(page, events);
    expect(kafka.requests.map((r) => r[0]!.records.length)).toEqual([4, 4, 2]);
    expect(res.map((r) => r.offset)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    const urls = kafka.requests.flatMap((r) => r[0]!.records.map((x) => fromBinary(PageViewedSchema, x.value).url));
    expect(urls).toEqual(events.map((e) => e.url));

    const big = createProducer({ client: kafka, source: "s" });
    await big.connect();
    kafka.requests.length = 0;
    await big.send(page, Array.from({ length: 3000 }, () => create(PageViewedSchema, { sessionId: 1n, payload: new Uint8Array(1000) })));
    // 3000 × ~1.1 KB does not fit one 1 MB request
    expect(kafka.requests.length).toBeGreaterThan(3);
    for (const r of kafka.requests) {
      const size = r[0]!.records.reduce((n, x) => n + x.value.length, 0);
      expect(size).toBeLessThanOrEqual(1_000_000);
    }
  });

  it("retries a retriable (connection-class) failure inside its window and sends once the broker answers", async () => {
    const instrumentation = new Instrumentation();
    const { metrics } = collectMetrics(instrumentation);
    const retries: unknown[] = [];
    instrumentation.on("producer.retry", ({ payload }) => retries.push(payload));
    const { kafka, producer } = await connected({ retry: { maxRetryTimeMs: 5_000, initialBackoffMs: 1 }, instrumentation });
    kafka.failNext(new KafkaClientError("kafka: Connection error: connect ECONNREFUSED 127.0.0.1:1", { retriable: true }));
    const [res] = await producer.send(cart, goodCart("r1"));
    expect(kafka.requests).toHaveLength(1);
    expect(kafka.requests[0]![0]!.records[0]!.headers.ce_id!.toString()).toBe(res!.id);
    // the retried counter: one event held back once, then sent
    expect(retries).toEqual([expect.objectContaining({ producer: "test-svc", topic: cart.topic, count: 1, attempt: 1 })]);
    expect(metrics).toMatchObject({ sendRetried: 1, sent: 1, sendFailed: 0 });
  });

  it("past its window rejects with EventsNotSentError carrying the ce_ids; a resend with them reuses them", async () => {
    const { kafka, producer } = await connected({ retry: { maxRetryTimeMs: 0 } });
    kafka.failNext(new KafkaClientError("kafka: Connection error: connect ECONNREFUSED 127.0.0.1:1", { retriable: true }));
    const events = [goodCart("a"), goodCart("b")];
    const err = await producer.send(cart, events).then(() => undefined, (e: unknown) => e);
    expect(isEventsNotSentError(err)).toBe(true);
    const { ids, time } = err as { ids: string[]; time: string };
    expect(ids).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 5));
    const res = await producer.send(cart, events, { ids, time });
    expect(res.map((r) => r.id)).toEqual(ids);
    const resent = kafka.requests.at(-1)![0]!.records;
    expect(resent.map((r) => r.headers.ce_id!.toString())).toEqual(ids);
    expect(resent.map((r) => r.headers.ce_time!.toString())).toEqual([time, time]);
  });

  it("fails a non-retriable error as itself, and refuses ids that do not match the events", async () => {
    const { kafka, producer } = await connected({ retry: { maxRetryTimeMs: 5_000, initialBackoffMs: 1 } });
    kafka.failNext(new KafkaClientError("kafka: MESSAGE_TOO_LARGE", { retriable: false }));
    const err = await producer.send(cart, goodCart("x")).then(() => undefined, (e: unknown) => e);
    expect(isEventsNotSentError(err)).toBe(false);
    expect((err as Error).message).toBe("kafka: MESSAGE_TOO_LARGE");
    await expect(producer.send(cart, [goodCart("a"), goodCart("b")], { ids: ["only-one"] })).rejects.toThrow(/got 1 id\(s\) for 2 event\(s\)/);
  });
});
