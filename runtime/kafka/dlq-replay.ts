/**
 * Dead letters back out of `<topic>.dlq`: read them (without committing anything), decode their
 * payloads with the contracts when possible, and replay them to their origin topic. A replayed
 * record carries its original key, value and headers — `ce_id` included — on its origin
 * partition, so a sink's de-duplication on `ce_id` keeps the table exactly-once however often a
 * letter is replayed. Only the `evt_dlq_*` headers (the failure) are dropped.
 */
import { randomBytes } from "node:crypto";
import { fromBinary, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { EventContract } from "../contract.js";
import { RuntimeConfigError, TopicError, describeError } from "../errors.js";
import type { ConsumedRecord, HeaderValue, KafkaClient, OutgoingRecord } from "./adapter.js";
import { DLQ, H, dlqTopicOf, headerString } from "./headers.js";

/** A record of a DLQ topic, its failure and origin read from the `evt_dlq_*` headers. */
export interface DeadLetter {
  readonly dlqTopic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Every header, first value of a repeated one. */
  readonly headers: Readonly<Record<string, Buffer>>;
  readonly ceId?: string;
  readonly ceType?: string;
  /** Where the record was consumed from; undefined when the headers do not say (not written by evt). */
  readonly origin?: { readonly topic: string; readonly partition: number; readonly offset: string };
  readonly error: string;
  readonly errorName: string;
  readonly processor?: string;
  readonly attempts?: number;
  readonly deadLetteredAt?: string;
  /** Original value size when only a prefix was kept (the value did not fit the DLQ topic). */
  readonly truncatedFrom?: number;
}

/** The DLQ topic of `topic`: itself when it already ends in `.dlq`. */
export function dlqTopicFor(topic: string): string {
  return topic.endsWith(".dlq") ? topic : dlqTopicOf(topic);
}

export function parseDeadLetter(rec: ConsumedRecord): DeadLetter {
  const headers: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(rec.headers)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) headers[k] = typeof first === "string" ? Buffer.from(first) : first;
  }
  const get = (name: string): string | undefined => headerString(rec.headers, name);
  const originTopic = get(DLQ.topic);
  const originPartition = Number(get(DLQ.partition));
  const originOffset = get(DLQ.offset);
  const attempts = Number(get(DLQ.attempts));
  const truncated = Number(get(DLQ.truncated));
  return {
    dlqTopic: rec.topic, partition: rec.partition, offset: rec.offset, key: rec.key, value: rec.value, headers,
    ceId: get(H.id), ceType: get(H.type),
    origin: originTopic && Number.isInteger(originPartition) && originOffset ? { topic: originTopic, partition: originPartition, offset: originOffset } : undefined,
    error: get(DLQ.error) ?? "", errorName: get(DLQ.errorName) ?? "",
    processor: get(DLQ.processor), attempts: Number.isFinite(attempts) ? attempts : undefined, deadLetteredAt: get(DLQ.time),
    truncatedFrom: Number.isFinite(truncated) ? truncated : undefined,
  };
}

export interface ReadOptions {
  /** At most this many letters per partition, the earliest first (default all). */
  readonly limit?: number;
  /** Give up when the end of the topic is not reached in time (default 60 s). */
  readonly timeoutMs?: number;
}

/**
 * The letters of `dlqTopic` up to its end as of now, sorted by partition and offset. A throwaway
 * consumer group reads them and commits nothing, so inspecting never moves anyone's position.
 */
export async function readDeadLetters(client: KafkaClient, dlqTopic: string, options: ReadOptions = {}): Promise<DeadLetter[]> {
  const admin = client.admin();
  await admin.connect();
  let ends: Map<number, { low: bigint; high: bigint }>;
  try {
    if (!(await admin.listTopics()).includes(dlqTopic)) throw new TopicError(`topic ${dlqTopic} does not exist (nothing was ever dead-lettered there)`, { context: { topic: dlqTopic } });
    ends = new Map((await admin.endOffsets(dlqTopic)).map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
  } finally {
    await admin.disconnect().catch(() => {});
  }
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const wanted = new Map<number, bigint>();
  for (const [p, { low, high }] of ends) {
    const last = limit === Number.POSITIVE_INFINITY ? high : (low + BigInt(limit) < high ? low + BigInt(limit) : high);
    if (last > low) wanted.set(p, last);
  }
  if (wanted.size === 0 || limit <= 0) return [];
  return consumeUntil(client, dlqTopic, wanted, options.timeoutMs ?? 60_000);
}

/** Reads each partition of `wanted` up to (excluding) its offset. */
async function consumeUntil(client: KafkaClient, topic: string, wanted: Map<number, bigint>, timeoutMs: number): Promise<DeadLetter[]> {
  const consumer = client.consumer({
    groupId: `evt-dlq-reader-${randomBytes(6).toString("hex")}`,
    maxBytes: 8 * 1024 * 1024, maxBytesPerPartition: 2 * 1024 * 1024,
    sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3_000, rebalanceTimeoutMs: 30_000,
  });
  const letters: DeadLetter[] = [];
  const open = new Set(wanted.keys());
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe([topic], true);
    await consumer.run({
      autoCommit: false, commitIntervalMs: 60_000, partitionsConcurrently: 1,
      eachBatch: async (_topic, partition, records) => {
        const end = wanted.get(partition);
        if (end === undefined) return;
        for (const r of records) {
          if (BigInt(r.offset) >= end) break;
          letters.push(parseDeadLetter(r));
        }
        const last = records[records.length - 1];
        if (last && BigInt(last.offset) + 1n >= end && open.delete(partition) && open.size === 0) finish();
      },
    });
    const timedOut = await Promise.race([finished.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref())]);
    if (timedOut) throw new TopicError(`reading ${topic} did not reach its end within ${Math.round(timeoutMs / 1000)} s`, { retriable: true, context: { topic } });
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return letters.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
}

/** A letter's payload as proto3 JSON, or why it could not be decoded. */
export type DecodedPayload = { readonly ok: true; readonly json: JsonValue } | { readonly ok: false; readonly reason: string };

export function decodePayload(letter: DeadLetter, contracts: readonly EventContract[]): DecodedPayload {
  if (letter.truncatedFrom !== undefined) return { ok: false, reason: `truncated: ${letter.value?.length ?? 0} of ${letter.truncatedFrom} bytes kept` };
  if (!letter.value) return { ok: false, reason: "no value (tombstone)" };
  if (!letter.ceType) return { ok: false, reason: "no ce_type header" };
  const contract = contracts.find((c) => c.type === letter.ceType);
  if (!contract) return { ok: false, reason: `no contract for ce_type ${letter.ceType}` };
  try {
    const v = letter.value;
    return { ok: true, json: toJson(contract.schema, fromBinary(contract.schema, new Uint8Array(v.buffer, v.byteOffset, v.byteLength))) };
  } catch (e) {
    return { ok: false, reason: `not a valid ${letter.ceType}: ${describeError(e)}` };
  }
}

/** Case-insensitive substring match on `errorName: error`; no filter matches every letter. */
export function matchesFilter(letter: DeadLetter, filter: string | undefined): boolean {
  if (!filter) return true;
  return `${letter.errorName}: ${letter.error}`.toLowerCase().includes(filter.toLowerCase());
}

/** Why a letter cannot be replayed, or undefined when it can. */
export function unreplayableReason(letter: DeadLetter): string | undefined {
  if (!letter.origin) return "no evt_dlq_topic/partition/offset headers: its origin is unknown";
  if (letter.truncatedFrom !== undefined) return `truncated dead letter (${letter.value?.length ?? 0} of ${letter.truncatedFrom} bytes kept): the event cannot be rebuilt`;
  if (!letter.ceId) return "no ce_id header: a replay could not be de-duplicated";
  return undefined;
}

/** The record a replay publishes: the original key, value and headers, on the origin partition. */
export function replayRecord(letter: DeadLetter): OutgoingRecord & { readonly topic: string } {
  const headers: Record<string, HeaderValue> = {};
  for (const [k, v] of Object.entries(letter.headers)) if (!k.startsWith("evt_dlq_")) headers[k] = v;
  return { topic: letter.origin!.topic, key: letter.key, value: letter.value ?? Buffer.alloc(0), headers, partition: letter.origin!.partition };
}

export interface ReplayResult {
  readonly replayed: readonly { readonly letter: DeadLetter; readonly topic: string; readonly partition: number }[];
  readonly skipped: readonly { readonly letter: DeadLetter; readonly reason: string }[];
}

/** Publishes the replayable letters to their origin topics (nothing when `dryRun`); acks=all, gzip. */
export async function replayDeadLetters(client: KafkaClient, letters: readonly DeadLetter[], options: { readonly dryRun?: boolean } = {}): Promise<ReplayResult> {
  const replayed: { letter: DeadLetter; topic: string; partition: number }[] = [];
  const skipped: { letter: DeadLetter; reason: string }[] = [];
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const letter of letters) {
    const reason = unreplayableReason(letter);
    if (reason) {
      skipped.push({ letter, reason });
      continue;
    }
    const { topic, ...record } = replayRecord(letter);
    replayed.push({ letter, topic, partition: record.partition });
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), record]);
  }
  if (options.dryRun || replayed.length === 0) return { replayed, skipped };
  const admin = client.admin();
  const producer = client.producer({ idempotent: true });
  await admin.connect();
  try {
    // the origin partition must still exist (a topic only grows, but it may have been recreated)
    for (const [topic, records] of byTopic) {
      const n = await admin.partitionCount(topic);
      const bad = records.find((r) => r.partition >= n);
      if (bad) throw new TopicError(`topic ${topic} has ${n} partition(s); a dead letter came from partition ${bad.partition}`, { context: { topic } });
    }
    await producer.connect();
    for (const [topic, records] of byTopic) {
      for (const slice of slices(records)) await producer.send([{ topic, records: slice }], { compression: "gzip", acks: -1, timeoutMs: 30_000 });
    }
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
  return { replayed, skipped };
}

/** Consecutive slices of at most ~900 kB (values and keys): one produce request stays below the broker's limits. */
function slices(records: readonly OutgoingRecord[], maxBytes = 900_000): OutgoingRecord[][] {
  const out: OutgoingRecord[][] = [];
  let cur: OutgoingRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const b = r.value.length + (r.key?.length ?? 0);
    if (cur.length > 0 && bytes + b > maxBytes) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += b;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
