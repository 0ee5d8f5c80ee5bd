/**
 * Dead-letter writes, one module for the processor runner and the sinks. A dead letter is the
 * record as consumed (key, value, its own headers) plus the failure and its origin in `evt_dlq_*`
 * headers (headers.ts), written to `<topic>.dlq` on the origin partition modulo the DLQ's count.
 *
 * The write must never block the origin partition: it is compressed like the producer's records
 * (a value that entered its topic gzipped fits the DLQ gzipped too), and when a dead letter
 * would still exceed the DLQ topic's `max.message.bytes` (or the broker says MESSAGE_TOO_LARGE)
 * a truncated dead letter goes instead: every header, the reason, the origin, a prefix of the
 * value and `evt_dlq_truncated` = the original value's size. Transient failures are retried
 * through runtime/retry.ts until they succeed or `signal` aborts (the caller decides what a stop
 * means for its offsets).
 */
import { gzipSync } from "node:zlib";
import { describeError, isRetriesExhaustedError } from "../errors.js";
import { retry } from "../retry.js";
import { protocolCode, type AdminPort, type Compression, type ConsumedRecord, type HeaderValue, type OutgoingRecord, type ProducerPort } from "./adapter.js";
import { DLQ, dlqHeaders, dlqTopicOf, type DeadLetterInfo } from "./headers.js";

/** The broker's default `max.message.bytes` (1 MiB + record-batch overhead), used when the topic's cannot be read. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Room kept for the record batch's own framing and the compression's worst case on small inputs. */
const FRAMING_BYTES = 1_024;
/** The reason header is capped in a truncated letter (a reason may quote the value). */
const MAX_REASON_CHARS = 4_096;

export interface DeadLetterWriterOptions {
  readonly admin: AdminPort;
  readonly producer: ProducerPort;
  /** Record-batch compression of dead letters (default gzip, as the producer's). */
  readonly compression?: Compression;
  readonly timeoutMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Aborting stops the retries: `write` then rejects with the last error. */
  readonly signal?: AbortSignal;
  /** Called before each wait between attempts (logs, metrics), with the letter's origin. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number, letter: LetterOrigin) => void;
}

export interface LetterOrigin {
  readonly dlqTopic: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface DeadLetterOutcome {
  readonly dlqTopic: string;
  readonly partition: number;
  /** True when the value did not fit and only a prefix was written. */
  readonly truncated: boolean;
}

export interface DeadLetterWriter {
  /** Writes `rec` to `dlqTopic` (default `<rec.topic>.dlq`); resolves once the broker acknowledged it. */
  write(rec: ConsumedRecord, info: DeadLetterInfo, dlqTopic?: string): Promise<DeadLetterOutcome>;
}

export function createDeadLetterWriter(options: DeadLetterWriterOptions): DeadLetterWriter {
  const compression = options.compression ?? "gzip";
  const partitions = new Map<string, Promise<number>>();
  const limits = new Map<string, Promise<number>>();

  function cached(map: Map<string, Promise<number>>, topic: string, load: () => Promise<number>): Promise<number> {
    let p = map.get(topic);
    if (!p) {
      p = load();
      // a failed lookup is not cached: the next attempt asks again
      p.catch(() => map.delete(topic));
      map.set(topic, p);
    }
    return p;
  }

  const partitionCount = (topic: string): Promise<number> => cached(partitions, topic, () => options.admin.partitionCount(topic));
  const maxMessageBytes = (topic: string): Promise<number> => cached(limits, topic, async () => {
    const described = await options.admin.describeTopic?.(topic);
    const n = Number(described?.config["max.message.bytes"]);
    return Number.isFinite(n) && n > 0 ? n : DEFAULT_MAX_MESSAGE_BYTES;
  });

  async function send(dlqTopic: string, record: OutgoingRecord, onRetry: RetryHook): Promise<void> {
    await retry(async () => {
      await options.producer.send([{ topic: dlqTopic, records: [record] }], { compression, acks: -1, timeoutMs: options.timeoutMs ?? 30_000 });
    }, {
      retries: Number.MAX_SAFE_INTEGER,
      initialBackoffMs: options.initialBackoffMs ?? 200,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      // too large is answered by truncating, not by waiting; a programmer error never heals
      shouldRetry: (e) => !isTooLarge(e) && !isProgrammerError(e),
      onRetry,
      signal: options.signal,
    }).catch((e: unknown) => {
      throw isRetriesExhaustedError(e) ? e.lastError : e;
    });
  }

  return {
    async write(rec, info, dlqTopic = dlqTopicOf(rec.topic)) {
      const origin: LetterOrigin = { dlqTopic, topic: rec.topic, partition: rec.partition, offset: rec.offset };
      const onRetry: RetryHook = (e, attempt, delayMs) => options.onRetry?.(e, attempt, delayMs, origin);
      const partition = await retryLookup(() => partitionCount(dlqTopic), options, onRetry);
      const limit = await retryLookup(() => maxMessageBytes(dlqTopic), options, onRetry);
      const headers = dlqHeaders(rec, info);
      const value = rec.value ?? Buffer.alloc(0);
      const full: OutgoingRecord = { key: rec.key, value, headers, partition: rec.partition % partition };
      if (estimatedBytes(full, compression, limit) <= limit) {
        try {
          await send(dlqTopic, full, onRetry);
          return { dlqTopic, partition: full.partition, truncated: false };
        } catch (e) {
          if (!isTooLarge(e)) throw e;
        }
      }
      // smaller and smaller prefixes; the last step also drops the record's own headers but ce_*
      for (const step of truncationSteps(full, limit)) {
        try {
          await send(dlqTopic, truncatedLetter(full, value.length, step), onRetry);
          return { dlqTopic, partition: full.partition, truncated: true };
        } catch (e) {
          if (!isTooLarge(e) || step.last) throw e;
        }
      }
      throw new Error("unreachable: the last truncation step rethrows");
    },
  };
}

/** Metadata lookups share the write's retry policy (a broker restart must not fail the letter). */
type RetryHook = (error: unknown, attempt: number, delayMs: number) => void;

async function retryLookup<T>(task: () => Promise<T>, options: DeadLetterWriterOptions, onRetry: RetryHook): Promise<T> {
  try {
    return (await retry(task, {
      retries: Number.MAX_SAFE_INTEGER, initialBackoffMs: options.initialBackoffMs ?? 200, maxBackoffMs: options.maxBackoffMs ?? 10_000,
      shouldRetry: (e) => !isProgrammerError(e), onRetry, signal: options.signal,
    })).value;
  } catch (e) {
    throw isRetriesExhaustedError(e) ? e.lastError : e;
  }
}

interface TruncationStep {
  readonly prefixBytes: number;
  readonly minimalHeaders: boolean;
  readonly last: boolean;
}

function truncationSteps(full: OutgoingRecord, limit: number): TruncationStep[] {
  const room = Math.max(0, Math.floor((limit - headerBytes(full.headers) - keyBytes(full.key) - FRAMING_BYTES) * 0.9));
  return [
    { prefixBytes: room, minimalHeaders: false, last: false },
    { prefixBytes: Math.floor(room / 8), minimalHeaders: false, last: false },
    { prefixBytes: 0, minimalHeaders: true, last: true },
  ];
}

function truncatedLetter(full: OutgoingRecord, originalBytes: number, step: TruncationStep): OutgoingRecord {
  const headers: Record<string, HeaderValue> = {};
  for (const [k, v] of Object.entries(full.headers)) {
    if (step.minimalHeaders && !k.startsWith("ce_") && !k.startsWith("evt_")) continue;
    headers[k] = v;
  }
  const reason = String(headers[DLQ.error] ?? "");
  headers[DLQ.error] = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason;
  headers[DLQ.truncated] = String(originalBytes);
  return { ...full, headers, value: full.value.subarray(0, Math.min(step.prefixBytes, full.value.length)) };
}

/** What the broker will measure: the record batch, compressed when compression is on. */
function estimatedBytes(r: OutgoingRecord, compression: Compression, limit: number): number {
  const raw = r.value.length + keyBytes(r.key) + headerBytes(r.headers) + FRAMING_BYTES;
  if (compression === "none" || raw <= limit) return raw;
  // only letters over the limit pay for the estimate (gzip level 6, as kafkajs's codec)
  return gzipSync(r.value).length + keyBytes(r.key) + headerBytes(r.headers) + FRAMING_BYTES;
}

function headerBytes(headers: Readonly<Record<string, HeaderValue>>): number {
  let n = 0;
  for (const [k, v] of Object.entries(headers)) n += Buffer.byteLength(k) + (typeof v === "string" ? Buffer.byteLength(v) : v.length) + 4;
  return n;
}

const keyBytes = (key: Buffer | string | null): number => (key === null ? 0 : typeof key === "string" ? Buffer.byteLength(key) : key.length);

function isTooLarge(e: unknown): boolean {
  const code = protocolCode(e);
  return code === "MESSAGE_TOO_LARGE" || code === "RECORD_LIST_TOO_LARGE" || /MESSAGE_TOO_LARGE|larger than the max message size/i.test(describeError(e));
}

/** A bug in evt or the caller: retrying cannot fix it. */
function isProgrammerError(e: unknown): boolean {
  return e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError;
}
