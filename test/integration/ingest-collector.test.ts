/**
 * The ingest collector against the real broker: per-event answers, accepted events on their topic
 * with the client's id as ce_id, every rejection on the bad-events topic with its failure type,
 * request-level statuses (401, 403, 413, 429), gzip and protobuf batches, health endpoints.
 */
import http from "node:http";
import { gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PageViewedSchema } from "../../generated/ts/clickstream/v1/clickstream_pb.js";
import { uuidv7 } from "../../runtime/uuid7.js";
import { kafkaBrokers, readTopic } from "../helpers/kafka.js";
import {
  APP_KEY, BUTTON_CLICKED, ORIGIN, PAGE_ONLY_KEY, PAGE_VIEWED, WEB_KEY, createTopics, freshTopics, header, pageViewed, post, startCollector, type Topics,
} from "./fixtures/ingest-setup.js";
import { fromBinary } from "@bufbuild/protobuf";
import { readAll } from "./fixtures/sink-setup.js";

let topics: Topics;
let server: Awaited<ReturnType<typeof startCollector>>;

beforeAll(async () => {
  topics = freshTopics();
  await createTopics(kafkaBrokers(), topics);
  server = await startCollector(kafkaBrokers(), topics, { limits: { maxBodyBytes: 200_000, maxEvents: 100, maxEventBytes: 4_000 } });
});
afterAll(async () => {
  await server?.close();
});

const WEB = { "x-evt-write-key": WEB_KEY, origin: ORIGIN };

describe("evt ingest collector", () => {
  it("answers per event: good events accepted and produced with the client's id, each bad one rejected with its failure and sent to the bad-events topic", async () => {
    const ids = [uuidv7(), uuidv7(), uuidv7()];
    const time = "2026-01-02T03:04:05.678Z";
    const batch = {
      source: "web",
      events: [
        { type: PAGE_VIEWED, id: ids[0], time, data: pageViewed(1) },
        { type: "payments.v1.PaymentCaptured", id: uuidv7(), data: { paymentId: "p1" } },
        { type: PAGE_VIEWED, id: uuidv7(), data: { ...pageViewed(2), pageName: 42 } },
        { type: PAGE_VIEWED, id: uuidv7(), data: { ...pageViewed(3), sessionId: undefined } },
        { type: PAGE_VIEWED, id: uuidv7(), data: { ...pageViewed(4), device: { platform: "PLATFORM_WEB", nope: 1 } } },
        { type: PAGE_VIEWED, id: uuidv7(), data: { ...pageViewed(5), pageUrl: "x".repeat(5_000) } },
        { type: BUTTON_CLICKED, id: ids[1], data: { sessionId: "s-1", buttonId: "add_to_cart", clickedAt: time, positionX: 3 } },
        { type: PAGE_VIEWED, id: ids[2], data: pageViewed(6) },
      ],
    };
    const res = await post(server.url, batch, WEB);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(res.json.accepted).toBe(3);
    expect(res.json.rejected).toBe(5);
    const r = res.json.results;
    expect(r.map((x: { status: string }) => x.status)).toEqual(["accepted", "rejected", "rejected", "rejected", "rejected", "rejected", "accepted", "accepted"]);
    expect(r[1]).toMatchObject({ failure: "unknown_type", path: "type" });
    expect(r[2]).toMatchObject({ failure: "schema_violation", path: "pageName" });
    expect(r[3]).toMatchObject({ failure: "schema_violation", path: "sessionId", reason: expect.stringContaining("required") });
    expect(r[4]).toMatchObject({ failure: "schema_violation", path: "device.nope" });
    expect(r[5]).toMatchObject({ failure: "size_violation" });

    const pages = await readTopic(topics.pageViewed, 2);
    expect(pages.map((m) => header(m, "ce_id")).sort()).toEqual([ids[0], ids[2]].sort());
    const first = pages.find((m) => header(m, "ce_id") === ids[0])!;
    expect(header(first, "ce_type")).toBe(PAGE_VIEWED);
    expect(header(first, "ce_source")).toBe("evt-ingest");
    expect(header(first, "evt_client_time")).toBe(time);
    expect(header(first, "evt_ingest_source")).toBe("web");
    expect(header(first, "evt_ingest_app")).toBe("web-shop");
    // ce_time is the server's receive time, not the client's clock
    expect(Math.abs(Date.parse(header(first, "ce_time")!) - Date.now())).toBeLessThan(60_000);
    expect(fromBinary(PageViewedSchema, first.value!).anonymousId).toBe("anon-1");
    const clicks = await readTopic(topics.buttonClicked, 1);
    expect(header(clicks[0]!, "ce_id")).toBe(ids[1]);
    expect(clicks[0]!.key?.toString()).toBe("s-1");

    const bad = await readTopic(topics.bad, 5);
    const failures = bad.map((m) => header(m, "evt_ingest_failure")).sort();
    expect(failures).toEqual(["schema_violation", "schema_violation", "schema_violation", "size_violation", "unknown_type"]);
    const unknown = bad.find((m) => header(m, "evt_ingest_failure") === "unknown_type")!;
    expect(header(unknown, "evt_dlq_error_name")).toBe("UnknownType");
    expect(header(unknown, "evt_ingest_type")).toBe("payments.v1.PaymentCaptured");
    expect(JSON.parse(unknown.value!.toString())).toMatchObject({ type: "payments.v1.PaymentCaptured", data: { paymentId: "p1" } });
    const wrongType = bad.find((m) => header(m, "evt_ingest_path") === "pageName")!;
    expect(header(wrongType, "evt_dlq_topic")).toBe(topics.pageViewed);
    expect(header(wrongType, "evt_ingest_app")).toBe("web-shop");
    // neither the key nor the client address is ever written
    for (const m of bad) {
      expect(JSON.stringify(Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString()])))).not.toContain(WEB_KEY);
      expect(JSON.stringify(m.headers)).not.toContain("127.0.0.1");
    }
  });

  it("refuses a bad key (401), a disallowed origin (403) and answers CORS preflights only for known origins", async () => {
    const ev = { events: [{ type: PAGE_VIEWED, data: pageViewed(1) }], source: "web" };
    expect((await post(server.url, ev, { "x-evt-write-key": "wrong-key-0123456789", origin: ORIGIN })).status).toBe(401);
    expect((await post(server.url, ev, { origin: ORIGIN })).status).toBe(401);
    const evil = await post(server.url, ev, { "x-evt-write-key": WEB_KEY, origin: "https://evil.example.test" });
    expect(evil.status).toBe(403);
    expect(evil.json.error).toContain("https://evil.example.test");
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    // an app key has no browser origins: a request claiming one is refused
    expect((await post(server.url, ev, { "x-evt-write-key": APP_KEY, origin: ORIGIN })).status).toBe(403);
    const pre = await fetch(server.url, { method: "OPTIONS", headers: { origin: ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-evt-write-key" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(pre.headers.get("access-control-allow-headers")).toContain("x-evt-write-key");
    const preEvil = await fetch(server.url, { method: "OPTIONS", headers: { origin: "https://evil.example.test", "access-control-request-method": "POST" } });
    expect(preEvil.status).toBe(403);
    expect(preEvil.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("rejects event types a key may not publish and sources a contract does not allow (auth), to the bad-events topic", async () => {
    const badTopicBefore = (await import("../helpers/kafka.js")).topicSize;
    const before = await badTopicBefore(topics.bad);
    const res = await post(server.url, {
      source: "web",
      events: [
        { type: BUTTON_CLICKED, data: { sessionId: "s", buttonId: "b", clickedAt: "2026-01-02T03:04:05Z" } },
        { type: PAGE_VIEWED, data: pageViewed(1) },
      ],
    }, { "x-evt-write-key": PAGE_ONLY_KEY });
    expect(res.status).toBe(200);
    expect(res.json.results[0]).toMatchObject({ status: "rejected", failure: "auth", path: "type" });
    expect(res.json.results[1]).toMatchObject({ status: "accepted" });
    const tv = await post(server.url, { source: "smart-tv", events: [{ type: PAGE_VIEWED, data: pageViewed(1) }] }, { "x-evt-write-key": APP_KEY });
    expect(tv.json.results[0]).toMatchObject({ status: "rejected", failure: "auth", path: "source" });
    expect(await badTopicBefore(topics.bad)).toBe(before + 2);
  });

  it("answers 413 with the limit for an oversize body or batch, and for a gzip body that inflates past the limit", async () => {
    const big = await post(server.url, { source: "web", events: [{ type: PAGE_VIEWED, data: { ...pageViewed(1), pageUrl: "x".repeat(300_000) } }] }, WEB);
    expect(big.status).toBe(413);
    expect(big.json.limit).toBe(200_000);
    const many = await post(server.url, { source: "web", events: Array.from({ length: 101 }, (_, i) => ({ type: PAGE_VIEWED, data: pageViewed(i) })) }, WEB);
    expect(many.status).toBe(413);
    expect(many.json).toMatchObject({ limit: 100 });
    const bomb = gzipSync(Buffer.from(JSON.stringify({ source: "web", events: [{ type: PAGE_VIEWED, data: { pageUrl: " ".repeat(5_000_000) } }] })));
    expect(bomb.length).toBeLessThan(200_000);
    const inflated = await post(server.url, bomb, { ...WEB, "content-encoding": "gzip" });
    expect(inflated.status).toBe(413);
    expect(inflated.json.limit).toBe(4 << 20);
    const notJson = await post(server.url, "{nope", WEB);
    expect(notJson.status).toBe(400);
  });

  it("accepts gzip JSON bodies and binary protobuf batches", async () => {
    const id = uuidv7();
    const gz = await post(server.url, gzipSync(Buffer.from(JSON.stringify({ source: "ios", events: [{ type: PAGE_VIEWED, id, data: pageViewed(9) }] }))), {
      "x-evt-write-key": APP_KEY, "content-encoding": "gzip",
    });
    expect(gz.status).toBe(200);
    expect(gz.json.accepted).toBe(1);
    const pbId = uuidv7();
    const data = toBinary(PageViewedSchema, create(PageViewedSchema, { anonymousId: "a", sessionId: "s", pageName: "home", viewedAt: { seconds: 1n, nanos: 0 } }));
    const missing = toBinary(PageViewedSchema, create(PageViewedSchema, { anonymousId: "a", sessionId: "s" }));
    const w = new BinaryWriter().uint32(10).string("android");
    for (const [eid, d] of [[pbId, data], [uuidv7(), missing]] as const) {
      w.uint32(18).fork().uint32(10).string(PAGE_VIEWED).uint32(18).string(eid).uint32(34).bytes(d).join();
    }
    const pb = await post(server.url, w.finish(), { "x-evt-write-key": APP_KEY, "content-type": "application/x-protobuf" });
    expect(pb.status).toBe(200);
    expect(pb.json.results.map((r: { status: string }) => r.status)).toEqual(["accepted", "rejected"]);
    expect(pb.json.results[1]).toMatchObject({ failure: "schema_violation", path: "pageName,viewedAt" });
  });

  it("limits each key's rate: 429 with Retry-After, nothing produced", async () => {
    const events = Array.from({ length: 15 }, (_, i) => ({ type: PAGE_VIEWED, data: pageViewed(i) }));
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await post(server.url, { source: "web", events }, { "x-evt-write-key": PAGE_ONLY_KEY });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it("drains on close: a request in flight when shutdown starts is still answered and produced; new connections are refused", async () => {
    const own = await startCollector(kafkaBrokers(), topics);
    const id = uuidv7();
    const body = JSON.stringify({ source: "web", events: [{ type: PAGE_VIEWED, id, data: pageViewed(77) }] });
    const { port } = new URL(own.url);
    let answered!: Promise<{ status: number; body: string }>;
    const req = http.request({ host: "127.0.0.1", port, path: "/v1/events", method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-evt-write-key": APP_KEY } });
    answered = new Promise((resolve, reject) => {
      req.on("response", (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
    });
    // half the body is on the wire when shutdown starts
    req.write(body.slice(0, 20));
    await new Promise((r) => setTimeout(r, 100));
    const closed = own.close();
    await new Promise((r) => setTimeout(r, 100));
    req.end(body.slice(20));
    const res = await answered;
    await closed;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).accepted).toBe(1);
    await expect(fetch(own.url, { method: "POST", body })).rejects.toThrow();
    const all = await readAll(topics.pageViewed);
    expect(all.map((m) => header(m, "ce_id"))).toContain(id);
  });

  it("serves /healthz and /readyz", async () => {
    const base = server.url.replace("/v1/events", "");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });
});
