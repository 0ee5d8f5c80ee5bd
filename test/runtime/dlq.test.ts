/** The dead-letter writer and replay record logic with small in-memory ports (the broker cases are in test/integration/dlq-*.test.ts). */
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { KafkaClientError } from "../../runtime/errors.js";
import type { AdminPort, ConsumedRecord, OutgoingRecord, ProducerPort } from "../../runtime/kafka/adapter.js";
import { createDeadLetterWriter } from "../../runtime/kafka/dlq.js";
import { parseDeadLetter, replayRecord, unreplayableReason } from "../../runtime/kafka/dlq-replay.js";

const info = { error: "RowRejected: too long", errorName: "RowRejected", processor: "sink:T", attempts: 1 };

function rec(value: Buffer, partition = 3): ConsumedRecord {
  return { topic: "t.a.v1", partition, offset: "41", key: Buffer.from("k"), value, headers: { ce_id: Buffer.from("id-1"), ce_type: Buffer.from("t.v1.A"), custom: Buffer.from("x") }, timestamp: "0" };
}

/** A broker that refuses a record whose value (gzipped when sent so) + headers exceed `limit`, after `failures` transient errors. */
function ports(limit: number, failures = 0) {
  const sent: { record: OutgoingRecord; compression: string }[] = [];
  let left = failures;
  const producer: ProducerPort = {
    async connect() {},
    async disconnect() {},
    async send(batch, options) {
      if (left-- > 0) throw new KafkaClientError("kafka: Connection error: connect ECONNREFUSED", { retriable: true });
      const r = batch[0]!.records[0]!;
      const size = (options.compression === "gzip" ? gzipSync(r.value).length : r.value.length) + Object.values(r.headers).reduce((n, v) => n + v.length, 0);
      if (size > limit) throw new KafkaClientError("kafka: The request included a message larger than the max message size the server will accept", { context: { code: "MESSAGE_TOO_LARGE" } });
      sent.push({ record: r, compression: options.compression });
      return [{ topic: batch[0]!.topic, partition: r.partition, baseOffset: "0" }];
    },
  };
  const admin = {
    partitionCount: async () => 2,
    describeTopic: async (topic: string) => ({ topic, partitions: 2, config: { "max.message.bytes": String(limit) } }),
  } as unknown as AdminPort;
  return { producer, admin, sent };
}

describe("dead-letter writer", () => {
  it("writes the whole record gzip-compressed on partition origin % DLQ partitions, with the failure and origin headers", async () => {
    const { producer, admin, sent } = ports(100_000);
    const out = await createDeadLetterWriter({ admin, producer }).write(rec(Buffer.from("small")), info);
    expect(out).toEqual({ dlqTopic: "t.a.v1.dlq", partition: 1, truncated: false });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.compression).toBe("gzip");
    const h = Object.fromEntries(Object.entries(sent[0]!.record.headers).map(([k, v]) => [k, v.toString()]));
    expect(h).toMatchObject({ ce_id: "id-1", custom: "x", evt_dlq_error: info.error, evt_dlq_topic: "t.a.v1", evt_dlq_partition: "3", evt_dlq_offset: "41" });
    expect(h.evt_dlq_truncated).toBeUndefined();
  });

  it("sends a compressible letter over the limit whole: the broker measures it gzipped", async () => {
    const { producer, admin, sent } = ports(100_000);
    const out = await createDeadLetterWriter({ admin, producer }).write(rec(Buffer.alloc(300_000, 0x61)), info);
    expect(out.truncated).toBe(false);
    expect(sent[0]!.record.value.length).toBe(300_000);
  });

  it("writes a truncated letter (headers, reason, origin, value prefix, original size) when the letter exceeds max.message.bytes", async () => {
    const { producer, admin, sent } = ports(50_000);
    const value = randomBytes(200_000);
    const out = await createDeadLetterWriter({ admin, producer }).write(rec(value), info);
    expect(out.truncated).toBe(true);
    const r = sent[0]!.record;
    expect(r.headers.evt_dlq_truncated!.toString()).toBe("200000");
    expect(r.headers.ce_id!.toString()).toBe("id-1");
    expect(r.headers.evt_dlq_offset!.toString()).toBe("41");
    expect(r.value.length).toBeGreaterThan(10_000);
    expect(r.value.length).toBeLessThan(50_000);
    expect(value.subarray(0, r.value.length).equals(r.value)).toBe(true);
  });

  it("falls back to smaller prefixes, then to headers only, while the broker still says MESSAGE_TOO_LARGE", async () => {
    // the estimate leaves room the broker does not give: the first step is refused, a smaller one fits
    const small = ports(1_400);
    expect((await createDeadLetterWriter({ admin: small.admin, producer: small.producer }).write(rec(randomBytes(5_000)), info)).truncated).toBe(true);
    expect(small.sent[0]!.record.value.length).toBeLessThan(200);
    // nothing but the headers fits
    const tiny = ports(400);
    expect((await createDeadLetterWriter({ admin: tiny.admin, producer: tiny.producer }).write(rec(randomBytes(5_000)), info)).truncated).toBe(true);
    expect(tiny.sent[0]!.record.value.length).toBe(0);
  });

  it("retries transient failures, and stops when its signal aborts", async () => {
    const a = ports(100_000, 2);
    const retries: number[] = [];
    await createDeadLetterWriter({ admin: a.admin, producer: a.producer, initialBackoffMs: 1, onRetry: (_e, attempt) => retries.push(attempt) }).write(rec(Buffer.from("v")), info);
    expect(a.sent).toHaveLength(1);
    expect(retries).toEqual([1, 2]);

    const b = ports(100_000, 1_000);
    const stop = new AbortController();
    const writing = createDeadLetterWriter({ admin: b.admin, producer: b.producer, initialBackoffMs: 5, signal: stop.signal }).write(rec(Buffer.from("v")), info);
    setTimeout(() => stop.abort(), 30);
    // runtime/retry.ts: a stop ends the retries with StopRequestedError (the callers keep the record uncommitted)
    await expect(writing).rejects.toThrow(/stopped while retrying/);
  });
});

describe("replay records", () => {
  const letter = (headers: Record<string, string>) => parseDeadLetter({
    topic: "t.a.v1.dlq", partition: 0, offset: "7", key: Buffer.from("k"), value: Buffer.from("v"), timestamp: "0",
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  });

  it("keeps the key, value and every original header (ce_id included), drops evt_dlq_*, targets the origin partition", () => {
    const l = letter({ ce_id: "id-9", ce_type: "t.v1.A", custom: "x", evt_dlq_error: "boom", evt_dlq_topic: "t.a.v1", evt_dlq_partition: "5", evt_dlq_offset: "12" });
    expect(unreplayableReason(l)).toBeUndefined();
    const r = replayRecord(l);
    expect([r.topic, r.partition, r.key?.toString(), r.value.toString()]).toEqual(["t.a.v1", 5, "k", "v"]);
    expect(Object.keys(r.headers).sort()).toEqual(["ce_id", "ce_type", "custom"]);
    expect(r.headers.ce_id!.toString()).toBe("id-9");
  });

  it("refuses truncated letters and letters without origin or ce_id", () => {
    const origin = { evt_dlq_topic: "t.a.v1", evt_dlq_partition: "0", evt_dlq_offset: "1" };
    expect(unreplayableReason(letter({ ce_id: "x", ...origin, evt_dlq_truncated: "2000000" }))).toMatch(/truncated/);
    expect(unreplayableReason(letter({ ce_id: "x" }))).toMatch(/origin is unknown/);
    expect(unreplayableReason(letter({ ...origin }))).toMatch(/no ce_id/);
  });
});
