/**
 * The generated tracker core (generated/web/tracker.ts) in Node, with an in-memory queue and a
 * scripted collector answer per request: batching, Retry-After and backoff, 413 halving, the
 * bounded queue dropping the oldest events with a counter, and refused batches dropped.
 */
import { describe, expect, it } from "vitest";
import { Tracker, memoryStore, uuidv7 } from "../../generated/web/tracker.js";

type Answer = { status: number; retryAfter?: string; body?: unknown };

function collector(answers: (batch: { events: { id: string }[] }) => Answer) {
  const calls: { at: number; ids: string[]; keepalive: unknown; headers: Record<string, string> }[] = [];
  const fetch = async (_url: string, init: Record<string, unknown>) => {
    const batch = JSON.parse(init.body as string) as { events: { id: string }[] };
    calls.push({ at: Date.now(), ids: batch.events.map((e) => e.id), keepalive: init.keepalive, headers: init.headers as Record<string, string> });
    const a = answers(batch);
    return { status: a.status, headers: { get: (n: string) => (n === "retry-after" ? a.retryAfter ?? null : null) }, json: async () => a.body ?? {} };
  };
  return { calls, fetch };
}

const base = { endpoint: "http://c.example/", writeKey: "key-0123456789abcdef", source: "web", flushIntervalMs: 10, retryBaseMs: 50, retryMaxMs: 200 };
const until = async (p: () => boolean | Promise<boolean>, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!(await p())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("web tracker core", () => {
  it("creates time-ordered UUIDv7 ids", () => {
    const ids = Array.from({ length: 200 }, () => uuidv7());
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("sends in batches of maxBatchEvents with the write key, oldest first, and empties the queue on 200", async () => {
    const c = collector((b) => ({ status: 200, body: { accepted: b.events.length, rejected: 0 } }));
    const t = new Tracker({ ...base, maxBatchEvents: 4, storage: memoryStore(), fetch: c.fetch });
    const ids = Array.from({ length: 10 }, (_, i) => t.track("x.v1.E", { i }));
    await until(async () => (await t.stats()).queued === 0);
    expect(c.calls.map((x) => x.ids.length)).toEqual([4, 4, 2]);
    expect(c.calls.flatMap((x) => x.ids)).toEqual(ids);
    expect(c.calls[0]!.headers["x-evt-write-key"]).toBe(base.writeKey);
    expect((await t.stats()).accepted).toBe(10);
    t.close();
  });

  it("waits at least Retry-After after a 503 and resends the same ids", async () => {
    let n = 0;
    const c = collector(() => (n++ === 0 ? { status: 503, retryAfter: "1" } : { status: 200, body: { accepted: 1 } }));
    const t = new Tracker({ ...base, storage: memoryStore(), fetch: c.fetch });
    t.track("x.v1.E", {});
    await until(() => c.calls.length === 2);
    expect(c.calls[1]!.at - c.calls[0]!.at).toBeGreaterThanOrEqual(990);
    expect(c.calls[1]!.ids).toEqual(c.calls[0]!.ids);
    t.close();
  });

  it("backs off exponentially (capped, with jitter) while the collector is unreachable", async () => {
    let n = 0;
    const calls: number[] = [];
    const fetch = async () => {
      calls.push(Date.now());
      if (n++ < 4) throw new TypeError("fetch failed");
      return { status: 200, headers: { get: () => null }, json: async () => ({ accepted: 1 }) };
    };
    const t = new Tracker({ ...base, retryBaseMs: 40, retryMaxMs: 100, storage: memoryStore(), fetch });
    t.track("x.v1.E", {});
    await until(async () => (await t.stats()).queued === 0);
    expect(calls).toHaveLength(5);
    for (let i = 1; i < calls.length; i++) expect(calls[i]! - calls[i - 1]!).toBeLessThan(100 + 60);
    t.close();
  });

  it("halves the batch on 413, drops batches the collector refuses for good (counted)", async () => {
    let answered = 0;
    const c = collector((b) => (b.events.length > 2 ? { status: 413 } : answered++ === 0 ? { status: 200, body: { accepted: b.events.length } } : { status: 401 }));
    const t = new Tracker({ ...base, maxBatchEvents: 8, storage: memoryStore(), fetch: c.fetch });
    for (let i = 0; i < 8; i++) t.track("x.v1.E", { i });
    await until(async () => (await t.stats()).queued === 0);
    expect(c.calls.map((x) => x.ids.length)).toEqual([8, 4, 2, 2, 2, 2]);
    const s = await t.stats();
    expect({ accepted: s.accepted, dropped: s.dropped }).toEqual({ accepted: 2, dropped: 6 });
    t.close();
  });

  it("keeps at most maxQueue events while offline: the oldest go, counted", async () => {
    const store = memoryStore();
    const t = new Tracker({ ...base, maxQueue: 10, storage: store, fetch: async () => { throw new TypeError("offline"); } });
    const ids = Array.from({ length: 15 }, (_, i) => t.track("x.v1.E", { i }));
    await t.persisted();
    const s = await t.stats();
    expect(s.queued).toBe(10);
    expect(s.dropped).toBe(5);
    expect((await store.oldest(100)).map((e) => e.id)).toEqual(ids.slice(5));
    t.close();
  });
});
