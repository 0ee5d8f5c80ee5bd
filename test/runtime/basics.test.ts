import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { EventValidationError, HandlerError, isEvtRuntimeError, isEventValidationError, isRetriable, isStopRequestedError, KafkaClientError } from "../../runtime/errors.js";
import { backoffDelay, retry, RetriesExhausted } from "../../runtime/retry.js";
import { uuidv7, uuidv7Time } from "../../runtime/uuid7.js";
import { murmur2, partitionForKey } from "../../runtime/kafka/partitioner.js";
import { Instrumentation } from "../../runtime/instrumentation.js";

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require("kafkajs/src/producer/partitioners/default/murmur2.js") as (key: Buffer) => number;

describe("uuidv7", () => {
  it("is RFC 9562 v7, carries the time, and sorts in creation order within one ms", () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_700_000_000_000));
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const later = uuidv7();
    expect(Math.abs(uuidv7Time(later) - Date.now())).toBeLessThan(1000);
  });
});

describe("partitioner", () => {
  it("matches kafkajs's (= the Java client's) murmur2 partitioner", () => {
    for (let i = 0; i < 500; i++) {
      const key = randomBytes(i % 37);
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
    // a value from the Java client's tests (Utils.murmur2("21".getBytes()) == -973932308)
    expect(murmur2(Buffer.from("21"))).toBe(-973932308);
    expect(partitionForKey(Buffer.from("21"), 7)).toBe((-973932308 & 0x7fffffff) % 7);
  });
});

describe("retry", () => {
  it("retries a retriable error with growing backoff, then succeeds", async () => {
    const delays: number[] = [];
    let calls = 0;
    const out = await retry(
      () => {
        calls++;
        if (calls < 3) throw new Error("flaky");
        return "ok";
      },
      { retries: 5, initialBackoffMs: 4, onRetry: (_e, _a, d) => delays.push(d), random: () => 1 },
    );
    expect(out).toEqual({ value: "ok", attempts: 3 });
    expect(delays).toEqual([4, 8]);
  });

  it("stops after `retries`; a non-retriable error is thrown as it is after one attempt", async () => {
    let calls = 0;
    const e1 = await retry(() => { calls++; throw new Error("always"); }, { retries: 2, initialBackoffMs: 1 }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(RetriesExhausted);
    expect((e1 as RetriesExhausted).attempts).toBe(3);
    expect(calls).toBe(3);
    calls = 0;
    const e2 = await retry(() => { calls++; throw new EventValidationError("bad", ["x"]); }, { retries: 5, initialBackoffMs: 1 }).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(isEventValidationError(e2)).toBe(true);
  });

  it("aborts the wait when the signal fires (StopRequestedError, last error as cause)", async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 20);
    const e = await retry(() => { throw new Error("x"); }, { retries: 3, initialBackoffMs: 10_000, signal: ac.signal }).catch((x: unknown) => x);
    expect(isStopRequestedError(e)).toBe(true);
    expect(((e as Error).cause as Error).message).toBe("x");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("caps backoff", () => {
    expect(backoffDelay(30, 100, 1000, () => 1)).toBe(1000);
    expect(backoffDelay(1, 100, 1000, () => 0.5)).toBe(50);
  });
});

describe("errors", () => {
  it("carry retriable, cause and context, recognised by name", () => {
    const cause = new Error("socket");
    const e = new KafkaClientError("kafka: socket", { retriable: true, cause, context: { topic: "t" } });
    expect(isEvtRuntimeError(e)).toBe(true);
    expect(isRetriable(e)).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e.context).toEqual({ topic: "t" });
    expect(isRetriable(new HandlerError("h"))).toBe(false);
    const foreign = Object.assign(new Error("copy"), { name: "EventValidationError", retriable: false });
    expect(isEventValidationError(foreign)).toBe(true);
  });
});

describe("instrumentation", () => {
  it("builds payloads only when someone listens, and on() unsubscribes", () => {
    const ins = new Instrumentation();
    let built = 0;
    const payload = () => { built++; return { producer: "p", topic: "t", count: 1, bytes: 1, latencyMs: 1 }; };
    ins.emit("producer.sent", payload);
    expect(built).toBe(0);
    const seen: number[] = [];
    const off = ins.on("producer.sent", (e) => seen.push(e.payload.count));
    ins.emit("producer.sent", payload);
    off();
    ins.emit("producer.sent", payload);
    expect(built).toBe(1);
    expect(seen).toEqual([1]);
  });
});
