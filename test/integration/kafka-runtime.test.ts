import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bindProducer, collectMetrics, createKafkaClient, createProducer, defineProcessor, ensureTopics, isEventValidationError,
  isTopicError, jsonLogger, startRunner, Instrumentation, type EventMetadata, type EvtKafkaProducer, type Runner,
} from "../../runtime/index.js";
import { cartContract, pageContract } from "../fixtures/runtime/contracts.js";
import { AddressSchema, CartCheckedOutSchema, Channel, type CartCheckedOut } from "../fixtures/runtime/gen/shop/v1/shop_pb.js";
import { kafkaBrokers, produceRaw, readTopic, topicSize, uniqueTopic, waitFor } from "../helpers/kafka.js";

const client = createKafkaClient({ brokers: kafkaBrokers(), clientId: "evt-it", logLevel: "nothing" });

function fullCart(i: number): CartCheckedOut {
  return create(CartCheckedOutSchema, {
    cartId: `cart-${i}`, customerId: `cust-${i % 7}`, totalCents: BigInt(i) * 1001n - 5n, channel: i % 2 ? Channel.WEB : Channel.APP,
    itemIds: [`sku-${i}`, "sku-x"], quantities: { [`sku-${i}`]: i, "sku-x": 1 },
    shipping: create(AddressSchema, { city: `City ${i}`, postcode: String(10000 + i) }),
    checkedOutAt: timestampFromDate(new Date(1_700_000_000_000 + i)), coupon: i % 3 === 0 ? undefined : `C${i}`,
    signature: new Uint8Array([i & 255, 0, 255]), payment: i % 2 ? { case: "cardToken", value: `tok-${i}` } : { case: "voucherCode", value: `v-${i}` },
    weightKg: i / 8, gift: i % 5 === 0, loyaltyPoints: 18_446_744_073_709_551_615n - BigInt(i),
  });
}

describe("evt producer and processor runner against the real broker", () => {
  let producer: EvtKafkaProducer;
  const runners: Runner[] = [];

  beforeAll(async () => {
    producer = createProducer({ brokers: kafkaBrokers(), source: "it-producer", kafka: { logLevel: "nothing" } });
    await producer.connect();
  });
  afterAll(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await producer.disconnect();
  });

  async function run(options: Omit<Parameters<typeof startRunner>[0], "client" | "groupId">): Promise<Runner> {
    // the runner's warnings (dead-letters, retries) are what these tests provoke: keep CI output quiet
    const r = await startRunner({ client, groupId: uniqueTopic("g"), logger: jsonLogger({ level: "silent" }), ...options });
    runners.push(r);
    return r;
  }

  it("round-trips typed events with every field, their metadata and the contract key", async () => {
    const cart = cartContract(uniqueTopic("it.cart"));
    await ensureTopics(client, [cart], { dlq: true });
    const sent = Array.from({ length: 30 }, (_, i) => fullCart(i));
    const results = await bindProducer(producer, cart).send(sent);
    const got = new Map<string, { event: CartCheckedOut; meta: EventMetadata }>();
    await run({ processors: [defineProcessor(cart, (event, meta) => void got.set(meta.id, { event, meta }))] });
    await waitFor(() => got.size === sent.length, "30 handled events");
    for (let i = 0; i < sent.length; i++) {
      const r = results[i]!;
      const h = got.get(r.id)!;
      expect(h.event).toEqual(sent[i]);
      expect(h.meta).toMatchObject({
        id: r.id, source: "it-producer", type: "shop.v1.CartCheckedOut", schemaFingerprint: "fp-cart-1", topic: cart.topic,
        partition: r.partition, offset: r.offset, key: `cart-${i}`,
      });
      expect(h.meta.time.getTime()).toBeGreaterThan(Date.now() - 120_000);
    }
  });

  it("rejects an invalid event before sending (nothing reaches the topic) and never creates a topic by sending", async () => {
    const cart = cartContract(uniqueTopic("it.reject"));
    await ensureTopics(client, [cart]);
    const bad = fullCart(1);
    bad.shipping = undefined;
    const err = await producer.send(cart, [fullCart(0), bad]).catch((e: unknown) => e);
    expect(isEventValidationError(err)).toBe(true);
    expect(await topicSize(cart.topic)).toBe(0);

    const missing = cartContract(uniqueTopic("it.missing"));
    const err2 = await producer.send(missing, fullCart(0)).catch((e: unknown) => e);
    expect(isTopicError(err2)).toBe(true);
    const admin = client.admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(missing.topic);
    await admin.disconnect();
  });

  it("dead-letters poison records with the error and origin in headers, and keeps consuming", async () => {
    const cart = cartContract(uniqueTopic("it.poison"));
    await ensureTopics(client, [cart], { dlq: true });
    const good = (i: number) => ({ key: `k${i}`, partition: 0 });
    const ce = (type: string) => ({ ce_type: type, ce_id: `id-${type}`, ce_specversion: "1.0", evt_schema: "fp-cart-1" });
    await produceRaw(cart.topic, [
      { ...good(1), value: Buffer.from([0xff, 0xff, 0xff, 0x0f]), headers: ce("shop.v1.CartCheckedOut") }, // not protobuf
      { ...good(2), value: Buffer.from("x"), headers: { ce_id: "no-type" } }, // no ce_type
      { ...good(3), value: Buffer.from(""), headers: ce("shop.v1.Unknown") }, // unknown type
      { ...good(4), value: Buffer.from(""), headers: ce("shop.v1.CartCheckedOut") }, // decodes, but required fields unset
    ]);
    const [after] = await producer.send(cart, fullCart(5));
    const handled: string[] = [];
    const instrumentation = new Instrumentation();
    const { metrics } = collectMetrics(instrumentation);
    await run({ instrumentation, processors: [defineProcessor(cart, (_e, m) => void handled.push(m.id))] });
    await waitFor(() => handled.length === 1, "the good event after the poison ones");
    expect(handled).toEqual([after!.id]);
    const dlq = await readTopic(`${cart.topic}.dlq`, 4);
    const byKey = new Map(dlq.map((m) => [m.key!.toString(), m]));
    const h = (k: string, name: string) => byKey.get(k)!.headers![name]!.toString();
    expect(h("k1", "evt_dlq_error_name")).toBe("EventDecodeError");
    expect(h("k1", "evt_dlq_error")).toMatch(/not a valid shop\.v1\.CartCheckedOut/);
    expect(h("k2", "evt_dlq_error")).toMatch(/no ce_type header/);
    expect(h("k3", "evt_dlq_error")).toMatch(/unknown ce_type shop\.v1\.Unknown/);
    expect(h("k4", "evt_dlq_error_name")).toBe("EventValidationError");
    expect(h("k4", "evt_dlq_error")).toMatch(/required field\(s\) not set: cart_id, shipping\.city/);
    for (const [i, k] of ["k1", "k2", "k3", "k4"].entries()) {
      expect(h(k, "evt_dlq_topic")).toBe(cart.topic);
      expect(h(k, "evt_dlq_partition")).toBe("0");
      expect(h(k, "evt_dlq_offset")).toBe(String(i));
    }
    // the original value and headers travel along
    expect(byKey.get("k1")!.value).toEqual(Buffer.from([0xff, 0xff, 0xff, 0x0f]));
    expect(h("k1", "ce_id")).toBe("id-shop.v1.CartCheckedOut");
    await waitFor(() => metrics.deadLettered === 4, "4 dead-lettered in metrics");
    expect(metrics.handled).toBe(1);
  });

  it("retries a failing handler with backoff, then dead-letters it; a recovering handler is not dead-lettered", async () => {
    const cart = cartContract(uniqueTopic("it.retry"));
    await ensureTopics(client, [cart], { dlq: true });
    const [flaky, doomed] = await producer.send(cart, [fullCart(1), fullCart(2)]);
    const calls = new Map<string, number>();
    const handledAt = new Map<string, number[]>();
    const processor = defineProcessor(
      cart,
      (event, meta) => {
        calls.set(meta.id, (calls.get(meta.id) ?? 0) + 1);
        handledAt.set(meta.id, [...(handledAt.get(meta.id) ?? []), Date.now()]);
        if (event.cartId === "cart-2") throw new Error("downstream says no");
        if (calls.get(meta.id)! < 3) throw new Error("transient");
      },
      { maxRetries: 3, initialBackoffMs: 100, name: "retry-test" },
    );
    const instrumentation = new Instrumentation();
    const { metrics } = collectMetrics(instrumentation);
    await run({ instrumentation, processors: [processor] });
    const dlq = await readTopic(`${cart.topic}.dlq`, 1);
    // the two may be on different partitions, retried concurrently with jittered backoff: the
    // doomed one can be dead-lettered before the flaky one's third try
    await waitFor(() => (calls.get(flaky!.id) ?? 0) >= 3, "the flaky event's third try");
    expect(calls.get(flaky!.id)).toBe(3);
    expect(calls.get(doomed!.id)).toBe(4); // first try + maxRetries
    const times = handledAt.get(doomed!.id)!;
    // full jitter (docs/decisions.md D51): each wait is uniform in [0, 100·2^n], so only the ceiling is certain
    expect(times[3]! - times[0]!).toBeLessThan(100 + 200 + 400 + 2_000);
    const m = dlq[0]!;
    expect(m.headers!.ce_id!.toString()).toBe(doomed!.id);
    expect(m.headers!.evt_dlq_error!.toString()).toBe("Error: downstream says no");
    expect(m.headers!.evt_dlq_attempts!.toString()).toBe("4");
    expect(m.headers!.evt_dlq_processor!.toString()).toBe("retry-test");
    expect(m.headers!.evt_dlq_offset!.toString()).toBe(doomed!.offset);
    await waitFor(() => metrics.deadLettered === 1, "1 dead-lettered in metrics");
    expect(metrics.retries).toBe(2 + 3);
    expect(metrics.handled).toBe(1);
  });

  it("reports a writer schema fingerprint that differs from the reader's, and still handles the event", async () => {
    const topic = uniqueTopic("it.fp");
    const writer = cartContract(topic, "fp-cart-2");
    const reader = cartContract(topic, "fp-cart-1");
    await ensureTopics(client, [reader], { dlq: true });
    const [sent] = await producer.send(writer, fullCart(9));
    const seen: EventMetadata[] = [];
    const mismatches: string[] = [];
    const instrumentation = new Instrumentation();
    instrumentation.on("processor.schema_mismatch", (e) => mismatches.push(`${e.payload.writer}->${e.payload.reader}`));
    await run({ instrumentation, processors: [defineProcessor(reader, (_e, m) => void seen.push(m))] });
    await waitFor(() => seen.length === 1, "the event");
    expect(seen[0]!.id).toBe(sent!.id);
    expect(seen[0]!.schemaFingerprint).toBe("fp-cart-2");
    expect(mismatches).toEqual(["fp-cart-2->fp-cart-1"]);
  });

  it("commits only handled offsets: a stop mid-stream resumes exactly after the last handled event", async () => {
    const page = pageContract(uniqueTopic("it.commit"), 1);
    await ensureTopics(client, [page], { dlq: true });
    const { create: mk } = await import("@bufbuild/protobuf");
    const { PageViewedSchema } = await import("../fixtures/runtime/gen/shop/v1/shop_pb.js");
    await producer.send(page, Array.from({ length: 50 }, (_, i) => mk(PageViewedSchema, { sessionId: BigInt(i), url: `/${i}` })));
    const groupId = uniqueTopic("g-commit");
    const first: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const r1 = await startRunner({
      client, groupId, processors: [defineProcessor(page, async (e) => {
        first.push(e.url);
        if (first.length === 20) await gate; // the 20th is in flight when stop() is called
      })],
    });
    await waitFor(() => first.length === 20, "20 events");
    const stopped = r1.stop();
    release();
    await stopped;
    expect(first.length).toBe(20); // finished the in-flight one, started nothing new
    const second: string[] = [];
    const r2 = await startRunner({ client, groupId, processors: [defineProcessor(page, (e) => void second.push(e.url))] });
    runners.push(r2);
    await waitFor(() => second.length === 30, "the other 30");
    expect(second[0]).toBe("/20");
    expect([...first, ...second]).toEqual(Array.from({ length: 50 }, (_, i) => `/${i}`));
  });
  it("commits a batch's offsets only when the commit interval is due, and everything handled on stop (D100; platformatic)", async () => {
    const page = pageContract(uniqueTopic("it.interval"), 1);
    await ensureTopics(client, [page], { dlq: true });
    const { create: mk } = await import("@bufbuild/protobuf");
    const { PageViewedSchema } = await import("../fixtures/runtime/gen/shop/v1/shop_pb.js");
    const groupId = uniqueTopic("g-interval");
    const admin = client.admin();
    await admin.connect();
    try {
      let handled = 0;
      const r = await startRunner({ client, groupId, commitIntervalMs: 60_000, processors: [defineProcessor(page, () => void handled++)] });
      const committed = async (): Promise<number> => Number((await admin.committedOffsets(groupId, page.topic)).find((o) => o.partition === 0)?.offset ?? -1);
      // Three bursts, each a batch of its own: a commit per batch would leave offset 30 committed.
      for (let burst = 1; burst <= 3; burst++) {
        await producer.send(page, Array.from({ length: 10 }, (_, i) => mk(PageViewedSchema, { sessionId: BigInt(burst * 100 + i), url: `/${burst}/${i}` })));
        await waitFor(() => handled === burst * 10, `burst ${burst} handled`);
        await new Promise((res) => setTimeout(res, 300)); // a batch's commit() has run by now
      }
      // only resolved offsets, ever; kafkajs's runner commits after each batch on its own (D100)
      if (client.driver === "platformatic") expect(await committed()).toBeLessThan(30);
      else expect(await committed()).toBeLessThanOrEqual(30);
      await r.stop();
      expect(await committed()).toBe(30);
    } finally {
      await admin.disconnect();
    }
  });
});
