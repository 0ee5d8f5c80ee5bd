/**
 * What `evt status` reports per sink, read from the two systems of record only — Kafka's offsets
 * and the warehouse's high-water and rows — so it works while no `evt run` is up (cron, CI):
 * records behind, age of the newest row, DLQ records since a time, and a verdict per SLO.
 */
import type { AdminPort } from "../kafka/adapter.js";
import type { SinkConfig, SinkSpec } from "../sinks/config.js";
import type { FreshnessColumns, WarehouseWriter } from "../sinks/writer.js";
import { recordsBehind } from "./behind.js";

export type SloObjective = "freshness_minutes" | "max_reject_rate" | "min_events_per_hour";

export interface SloVerdict {
  readonly objective: SloObjective;
  readonly target: number;
  /** The measured value in the objective's unit (minutes, share, events per hour). */
  readonly actual: number;
  readonly ok: boolean;
  readonly detail: string;
}

export interface SinkStatus {
  readonly sink: string;
  readonly topic: string;
  readonly behind: number;
  readonly partitions: readonly { readonly partition: number; readonly behind: number }[];
  /** Seconds since the newest row was ingested / since its event time (null: empty table). */
  readonly newestRowAgeSeconds: number | null;
  readonly newestEventAgeSeconds: number | null;
  /** Records the sink's topic got since `since`, and how many of them its DLQ got. */
  readonly recordsSince: number;
  readonly dlq: { readonly topic: string; readonly since: string; readonly records: number };
  readonly slo: readonly SloVerdict[];
}

export interface SinkStatusOptions {
  readonly admin: Pick<AdminPort, "endOffsets" | "offsetsAt" | "listTopics">;
  readonly writerOf: (sink: SinkSpec) => Pick<WarehouseWriter, "readHighWater" | "newestRows">;
  readonly config: SinkConfig;
  readonly sinks: readonly SinkSpec[];
  readonly sinceMs: number;
  readonly nowMs?: number;
}

export async function sinkStatuses(options: SinkStatusOptions): Promise<SinkStatus[]> {
  const now = options.nowMs ?? Date.now();
  const columns = freshnessColumns(options.config);
  const topics = new Set(await options.admin.listTopics());
  const out: SinkStatus[] = [];
  for (const sink of options.sinks) {
    const partitions = await recordsBehind(options.admin, [sink], options.writerOf);
    const behind = partitions.reduce((n, p) => n + p.behind, 0);
    const rows = columns.eventTime && columns.ingestTime ? await options.writerOf(sink).newestRows?.(sink, columns, options.sinceMs) : undefined;
    const recordsSince = await countSince(options.admin, sink.topic, options.sinceMs);
    const dlqRecords = topics.has(sink.dlqTopic) ? await countSince(options.admin, sink.dlqTopic, options.sinceMs) : 0;
    const ageOf = (ms: number | null | undefined): number | null => (ms === null || ms === undefined ? null : Math.max(0, (now - ms) / 1000));
    const status = {
      sink: sink.name,
      topic: sink.topic,
      behind,
      partitions: partitions.map((p) => ({ partition: p.partition, behind: p.behind })),
      newestRowAgeSeconds: ageOf(rows?.newestIngestMs),
      newestEventAgeSeconds: ageOf(rows?.newestEventMs),
      recordsSince,
      dlq: { topic: sink.dlqTopic, since: new Date(options.sinceMs).toISOString(), records: dlqRecords },
    };
    out.push({ ...status, slo: verdicts(sink, status, rows?.maxDelayMsSince ?? null, (now - options.sinceMs) / 3_600_000) });
  }
  return out;
}

/**
 * Freshness fails when a row ingested in the window took longer than the objective from its
 * event time, or when records wait while nothing was ingested for that long (a stalled sink).
 */
function verdicts(sink: SinkSpec, s: Omit<SinkStatus, "slo">, maxDelayMs: number | null, windowHours: number): SloVerdict[] {
  const slo = sink.slo;
  if (!slo) return [];
  const out: SloVerdict[] = [];
  if (slo.freshnessMinutes > 0) {
    const delay = (maxDelayMs ?? 0) / 60_000;
    const stalled = s.behind > 0 ? (s.newestRowAgeSeconds ?? Infinity) / 60 : 0;
    const actual = Math.max(delay, stalled);
    const ok = actual <= slo.freshnessMinutes;
    out.push({
      objective: "freshness_minutes", target: slo.freshnessMinutes, actual: round(actual), ok,
      detail: stalled > delay ? `${s.behind} record(s) waiting, nothing ingested for ${fmtMinutes(stalled)}` : `slowest row since the window start took ${fmtMinutes(delay)} from event to warehouse`,
    });
  }
  if (slo.maxRejectRate > 0) {
    const actual = s.recordsSince === 0 ? 0 : s.dlq.records / s.recordsSince;
    out.push({
      objective: "max_reject_rate", target: slo.maxRejectRate, actual: round(actual), ok: actual <= slo.maxRejectRate,
      detail: `${s.dlq.records} of ${s.recordsSince} record(s) dead-lettered since ${s.dlq.since}`,
    });
  }
  if (slo.minEventsPerHour > 0) {
    const actual = windowHours > 0 ? s.recordsSince / windowHours : 0;
    out.push({
      objective: "min_events_per_hour", target: slo.minEventsPerHour, actual: round(actual), ok: actual >= slo.minEventsPerHour,
      detail: `${s.recordsSince} record(s) in ${round(windowHours)} h`,
    });
  }
  return out;
}

/** Records appended to `topic` since `sinceMs`: end offset minus the first offset at or after that time. */
async function countSince(admin: SinkStatusOptions["admin"], topic: string, sinceMs: number): Promise<number> {
  const [ends, at] = await Promise.all([admin.endOffsets(topic), admin.offsetsAt(topic, sinceMs)]);
  const startOf = new Map(at.map((p) => [p.partition, BigInt(p.offset)]));
  let n = 0n;
  for (const e of ends) {
    const start = startOf.get(e.partition);
    const high = BigInt(e.high);
    if (start !== undefined && start >= 0n && start < high) n += high - start;
  }
  return Number(n);
}

function freshnessColumns(config: SinkConfig): FreshnessColumns {
  const of = (source: string): string => config.metadataColumns.find((c) => c.source === source)?.name ?? "";
  return { eventTime: of("ce_time"), ingestTime: of("ingest_time") };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
const fmtMinutes = (m: number): string => (Number.isFinite(m) ? `${round(m)} min` : "ever (empty table)");
