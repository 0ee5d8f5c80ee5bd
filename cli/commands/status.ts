import { existsSync } from "node:fs";
import path from "node:path";
import { Flags } from "@oclif/core";
import { EvtError } from "../../compiler/errors.js";
import { SINK_CONFIG_PATH } from "../../compiler/emit/layout.js";
import { jsonLogger } from "@evt/runtime/log.js";
import { readSinkConfig, selectSinks, type SinkSpec } from "@evt/runtime/sinks/config.js";
import type { WarehouseWriter } from "@evt/runtime/sinks/writer.js";
import type { SinkStatus } from "@evt/runtime/metrics/sink-status.js";
import { EvtCommand, type CommandResult } from "../base-command.js";
import { ENV_HELP, duckdbPathOf, snowflakeSettingsFrom, targetOf } from "./ddl/apply.js";
import { kafkaDriverOption } from "../kafka-driver.js";

/** `30m`, `6h`, `2d` → ms before now; or an RFC 3339 time. */
export function parseSince(value: string, now = Date.now()): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (m) return now - Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new EvtError(`--since ${value}: not a duration (30m, 6h, 2d) or an RFC 3339 time`);
  if (t >= now) throw new EvtError(`--since ${value}: is not in the past`);
  return t;
}

export default class Status extends EvtCommand<typeof Status> {
  static override summary = "Per sink: records behind, age of the newest row, DLQ records since a time, and each SLO's verdict.";
  static override description =
    "Reads Kafka's end offsets and the warehouse's high-water offsets and rows (not a running evt run, so it works from cron or CI). " +
    "Records behind = end offset − warehouse high-water. SLOs come from the contracts (EventOptions.slo, in the generated sink config): " +
    "freshness (a row ingested since --since took longer from event time, or records wait while nothing was ingested for that long), " +
    "reject rate (DLQ records / topic records since --since), volume (topic records per hour since --since). " +
    "Exit 1 when an SLO is violated, 2 when Kafka or the warehouse cannot be reached. A local DuckDB file is locked while evt run writes it: " +
    "run evt status against DuckDB when evt run is stopped (Snowflake has no such limit). " +
    ENV_HELP;
  static override examples = ["<%= config.bin %> status", "<%= config.bin %> status --sink ORDERS.ORDER_PLACED --since 6h --json"];
  static override flags = {
    sink: Flags.string({ multiple: true, summary: "Sink to report, by name (SCHEMA.TABLE); repeatable. Default: every sink of the config.", helpValue: "NAME" }),
    "sink-config": Flags.string({ summary: "Runtime sink config (default: <out>/sinks/evt-sinks.json).", helpValue: "FILE" }),
    since: Flags.string({ default: "1h", summary: "Window of the DLQ count and the reject-rate and volume SLOs: a duration (30m, 6h, 2d) or an RFC 3339 time.", helpValue: "WHEN" }),
    target: Flags.option({ options: ["duckdb", "snowflake"] as const, summary: "Warehouse (default: evt.yaml warehouse.target, else duckdb)." })(),
    "duckdb-path": Flags.string({ summary: "DuckDB database file (default: warehouse.duckdbPath, else .evt/warehouse.duckdb).", helpValue: "FILE" }),
    brokers: Flags.string({ summary: "Kafka bootstrap brokers, comma-separated (default: evt.yaml kafka.brokers).", helpValue: "HOST:PORT,…" }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const sinceMs = parseSince(this.flags.since);
    const sinkConfigFile = path.resolve(this.flags["sink-config"] ?? path.join(config.out, SINK_CONFIG_PATH));
    const [sinkConfig, sinks] = (() => {
      try {
        const c = readSinkConfig(sinkConfigFile);
        return [c, selectSinks(c, this.flags.sink ?? [])] as const;
      } catch (e) {
        throw new EvtError(`${(e as Error).message}${existsSync(sinkConfigFile) ? "" : " (run `evt generate` first)"}`);
      }
    })();
    const brokers = this.flags.brokers ? this.flags.brokers.split(",").map((b) => b.trim()).filter(Boolean) : [...config.kafka.brokers];
    const writers = await this.openWarehouse(sinks);
    const { createKafkaClient } = await import("@evt/runtime/kafka/adapter.js");
    const admin = createKafkaClient({ brokers, clientId: config.kafka.clientId, logLevel: "nothing", logger: jsonLogger({ level: "error" }), ...kafkaDriverOption(config) }).admin();
    try {
      await admin.connect().catch((e: unknown) => {
        throw new EvtError(`cannot reach Kafka at ${brokers.join(",")}: ${(e as Error).message}`);
      });
      const { sinkStatuses } = await import("@evt/runtime/metrics/sink-status.js");
      const statuses = await sinkStatuses({ admin, writerOf: (s) => writers.get(s.name)!, config: sinkConfig, sinks, sinceMs }).catch((e: unknown) => {
        throw new EvtError(`cannot read sink progress: ${(e as Error).message}`);
      });
      const violated = statuses.some((s) => s.slo.some((v) => !v.ok));
      return { failed: violated, json: { since: new Date(sinceMs).toISOString(), sinks: statuses }, text: statuses.map(textOf).join("\n") };
    } finally {
      await admin.disconnect().catch(() => {});
      for (const w of new Set(writers.values())) await w.close().catch(() => {});
    }
  }

  /** One writer for DuckDB (the file must exist: status never creates a warehouse), one session per sink for Snowflake. */
  private async openWarehouse(sinks: readonly SinkSpec[]): Promise<Map<string, WarehouseWriter>> {
    const config = this.evtConfig();
    const target = targetOf(config, this.flags.target);
    const writers = new Map<string, WarehouseWriter>();
    if (target === "snowflake") {
      const settings = snowflakeSettingsFrom(config);
      const { SnowflakeWriter } = await import("@evt/runtime/sinks/snowflake/writer.js");
      for (const s of sinks) writers.set(s.name, new SnowflakeWriter({ settings }));
    } else {
      const file = duckdbPathOf(config, this.flags["duckdb-path"]);
      if (!existsSync(file)) throw new EvtError(`no DuckDB warehouse at ${file} (evt run has not written there yet; --duckdb-path or warehouse.duckdbPath)`);
      const { DuckdbWriter } = await import("@evt/runtime/sinks/duckdb/writer.js");
      const w = new DuckdbWriter({ path: file });
      for (const s of sinks) writers.set(s.name, w);
    }
    for (const w of new Set(writers.values())) {
      await w.connect().catch((e: unknown) => {
        throw new EvtError(`cannot reach the ${target} warehouse: ${(e as Error).message}`);
      });
    }
    return writers;
  }
}

function textOf(s: SinkStatus): string {
  const age = (sec: number | null): string => (sec === null ? "no rows" : sec < 120 ? `${Math.round(sec)} s` : `${Math.round(sec / 60)} min`);
  const lines = [
    `${s.sink} (${s.topic}): ${s.behind} record(s) behind, newest row ingested ${age(s.newestRowAgeSeconds)} ago, ${s.dlq.records} dead-lettered since ${s.dlq.since}`,
    ...s.slo.map((v) => `  ${v.ok ? "ok  " : "FAIL"} ${v.objective} ${v.target}: ${v.actual} — ${v.detail}`),
  ];
  return lines.join("\n");
}
