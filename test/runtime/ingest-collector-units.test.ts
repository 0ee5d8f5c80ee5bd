/** The collector's pieces without Kafka: event checks per failure type, write keys, the rate limiter, the route table join. */
import { describe, expect, it } from "vitest";
import { catalog } from "../../generated/ts/index.js";
import { WriteKeys, sha256 } from "../../runtime/http/keys.js";
import { RateLimiter } from "../../runtime/http/rate-limit.js";
import { readRouteTable, resolveRoutes } from "../../runtime/http/routes.js";
import { checkEvent, isRejection } from "../../runtime/http/validate-event.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";

const table = readRouteTable(`${REPO_ROOT}/generated/ingest/routes.json`);
const routes = resolveRoutes(table, catalog);
const keys = new WriteKeys([
  { app: "all", key: "all-key-0123456789abcdef" },
  { app: "pages", key: "pages-key-0123456789abcd", types: ["clickstream.v1.PageViewed"], origins: ["https://a.example"] },
]);
const all = keys.lookup("all-key-0123456789abcdef")!;
const ctx: { key: typeof all; source: string | undefined; routes: typeof routes; maxEventBytes: number } = { key: all, source: "web", routes, maxEventBytes: 2_000 };
const data = { anonymousId: "a", sessionId: "s", pageName: "p", viewedAt: "2026-01-02T03:04:05Z" };
const check = (e: Record<string, unknown>, size = 100, c = ctx) => checkEvent(e, size, c);

describe("ingest event checks", () => {
  it("accepts a valid event, keeping the client's id and time", () => {
    const r = check({ type: "clickstream.v1.PageViewed", id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", time: "2026-01-02T03:04:05.1+01:00", data });
    expect(isRejection(r)).toBe(false);
    expect(r).toMatchObject({ id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", clientTime: "2026-01-02T03:04:05.1+01:00" });
  });

  it.each([
    [{ data }, "schema_violation", "type"],
    [{ type: "payments.v1.PaymentCaptured", data }, "unknown_type", "type"],
    [{ type: "no.such.Type", data }, "unknown_type", "type"],
    [{ type: "clickstream.v1.PageViewed", id: "has space", data }, "schema_violation", "id"],
    [{ type: "clickstream.v1.PageViewed", time: "yesterday", data }, "schema_violation", "time"],
    [{ type: "clickstream.v1.PageViewed", data: [1] }, "schema_violation", undefined],
    [{ type: "clickstream.v1.PageViewed", data: { ...data, pageName: 1 } }, "schema_violation", "pageName"],
    [{ type: "clickstream.v1.PageViewed", data: { ...data, device: { platform: "PLATFORM_TOASTER" } } }, "schema_violation", "device.platform"],
    [{ type: "clickstream.v1.PageViewed", data: { ...data, extra: true } }, "schema_violation", "extra"],
    [{ type: "clickstream.v1.PageViewed", data: { anonymousId: "a" } }, "schema_violation", "sessionId,pageName,viewedAt"],
  ])("rejects %j as %s at %s", (event, failure, path) => {
    const r = check(event);
    expect(r).toMatchObject({ failure, ...(path ? { path } : {}) });
    expect((r as { reason: string }).reason.length).toBeGreaterThan(5);
  });

  it("rejects an event over the size limit, a type the key may not publish and a source the contract does not allow", () => {
    expect(check({ type: "clickstream.v1.PageViewed", data }, 2_001)).toMatchObject({ failure: "size_violation" });
    const pages = keys.lookup("pages-key-0123456789abcd")!;
    expect(check({ type: "clickstream.v1.ButtonClicked", data }, 100, { ...ctx, key: pages })).toMatchObject({ failure: "auth", path: "type" });
    expect(check({ type: "clickstream.v1.PageViewed", data }, 100, { ...ctx, source: "tv" })).toMatchObject({ failure: "auth", path: "source" });
    expect(check({ type: "clickstream.v1.PageViewed", data }, 100, { ...ctx, source: undefined })).toMatchObject({ failure: "auth", path: "source" });
  });
});

describe("write keys", () => {
  it("recognises keys by digest, from the environment or as SHA-256, and never keeps the key text", () => {
    const k = new WriteKeys([{ app: "env", keyEnv: "K" }, { app: "hashed", keySha256: sha256("hashed-key-0123456789") }], { K: "env-key-0123456789abcd" });
    expect(k.lookup("env-key-0123456789abcd")?.app).toBe("env");
    expect(k.lookup("hashed-key-0123456789")?.app).toBe("hashed");
    expect(k.lookup("nope")).toBeUndefined();
    expect(k.lookup(undefined)).toBeUndefined();
    expect(JSON.stringify([...(k as unknown as { byDigest: Map<string, unknown> }).byDigest])).not.toContain("env-key-0123456789abcd");
    expect(keys.anyAllowsOrigin("https://a.example")).toBe(true);
    expect(keys.anyAllowsOrigin("https://b.example")).toBe(false);
  });

  it("refuses a config without keys, a short key and a missing environment variable, naming the app", () => {
    expect(() => new WriteKeys([])).toThrow(/no write keys/);
    expect(() => new WriteKeys([{ app: "x", key: "short" }])).toThrow(/write key #1 \(x\): a write key needs at least 16 characters/);
    expect(() => new WriteKeys([{ app: "x", keyEnv: "NOPE_NOT_SET" }], {})).toThrow(/NOPE_NOT_SET is not set/);
  });
});

describe("rate limiter", () => {
  it("allows the burst, then refuses with the seconds to wait, and refills at the rate", () => {
    let now = 0;
    const l = new RateLimiter(() => now);
    expect(l.take("a", 20, 10, 20)).toEqual({ ok: true });
    expect(l.take("a", 5, 10, 20)).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 500;
    expect(l.take("a", 5, 10, 20)).toEqual({ ok: true });
    // a batch larger than the burst waits for a full bucket, not forever
    now = 10_000;
    expect(l.take("a", 100, 10, 20)).toEqual({ ok: true });
    expect(l.take("b", 1, 10, 20)).toEqual({ ok: true });
  });
});

describe("route table", () => {
  it("refuses a route whose fingerprint differs from the loaded contract", () => {
    const stale = { ...table, routes: table.routes.map((r) => ({ ...r, fingerprint: "0000" })) };
    expect(() => resolveRoutes(stale, catalog)).toThrow(/fingerprint 0000 differs/);
    expect(() => resolveRoutes({ version: 1, routes: [] }, catalog)).toThrow(/no public event/);
    expect(routes.get("clickstream.v1.PageViewed")!.contract.topic).toBe("clickstream.page_viewed.v1");
  });
});
