/**
 * Operating a sink, end to end against the real broker and DuckDB: `evt run --metrics-port`
 * serves /metrics, /healthz, /readyz; records behind grows while the sink is stopped and drains to
 * 0 after a restart (read from /metrics and from `evt status`); a poison record counts in the DLQ
 * metric with its reason class; `evt status` exits 0 for a met and 1 for a violated freshness SLO
 * and 2 when Kafka is unreachable; the generated alert rules, evaluated by Prometheus's promtool
 * over metrics scraped from these runs, fire for the breach and stay silent for the healthy run.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PageViewedSchema } from "../../generated/ts/clickstream/v1/clickstream_pb.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { kafkaBrokers } from "../helpers/kafka.js";
import { runEvt } from "../helpers/run-cli.js";
import { createTopics, freshConfig, produce, waitUntil } from "./fixtures/sink-setup.js";

const SINK = "CLICKSTREAM.PAGE_VIEWED"; // slo { freshness_minutes: 60 max_reject_rate: 0.05 } in proto/

function pageViewed(i: number) {
  return create(PageViewedSchema, {
    anonymousId: `anon-${i}`, sessionId: `s-${i}`, pageName: "store_menu", viewedAt: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
  });
}

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Prometheus text format → samples (the subset prom-client writes: no timestamps, no exemplars). */
function parseMetrics(text: string): Sample[] {
  return text.split("\n").filter((l) => l && !l.startsWith("#")).map((line) => {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    return { name: m[1]!, labels, value: Number(m[3] === "+Inf" ? Infinity : m[3]) };
  });
}

const sum = (samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

interface EvtRun {
  readonly child: ChildProcess;
  readonly port: Promise<number>;
  readonly exit: Promise<number | null>;
  stderr(): string;
  scrape(): Promise<Sample[]>;
  get(pathname: string): Promise<number>;
  stop(): Promise<number | null>;
}

function startRun(file: string, duckdbPath: string, prefix: string): EvtRun {
  const child = spawn(process.execPath, [
    path.join(REPO_ROOT, "bin/run.js"), "run", "--sink", SINK, "--sink-config", file, "--target", "duckdb", "--duckdb-path", duckdbPath,
    "--brokers", kafkaBrokers().join(","), "--group-prefix", prefix, "--metrics-port", "0", "--progress-interval-s", "1",
  ], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  const port = new Promise<number>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      const m = /"msg":"ops endpoint listening".*?"port":(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", () => reject(new Error(`evt run exited before listening: ${stderr}`)));
  });
  port.catch(() => {});
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return {
    child, port, exit,
    stderr: () => stderr,
    async scrape() {
      const res = await fetch(`http://127.0.0.1:${await port}/metrics`);
      expect(res.headers.get("content-type")).toContain("text/plain");
      return parseMetrics(await res.text());
    },
    async get(pathname) {
      return (await fetch(`http://127.0.0.1:${await port}${pathname}`)).status;
    },
    async stop() {
      child.kill("SIGTERM");
      return exit;
    },
  };
}

interface StatusJson {
  result: { sinks: { sink: string; behind: number; dlq: { records: number }; newestRowAgeSeconds: number | null; slo: { objective: string; ok: boolean; actual: number }[] }[] };
}

function status(file: string, duckdbPath: string, extra: string[] = []) {
  const run = runEvt(["status", "--sink", SINK, "--sink-config", file, "--duckdb-path", duckdbPath, "--brokers", kafkaBrokers().join(","), "--json", ...extra]);
  return { code: run.code, json: run.stdout ? (JSON.parse(run.stdout) as StatusJson) : undefined, stderr: run.stderr };
}

const freshness = (s: StatusJson) => s.result.sinks[0]!.slo.find((v) => v.objective === "freshness_minutes")!;

/** promtool (Debian package `prometheus`) evaluates the generated rules over a scrape replayed as a 20-minute ramp. */
function promtoolAlerts(scrape: readonly Sample[], expected: Record<string, readonly Record<string, string>[]>): { code: number | null; out: string } {
  const series = scrape.filter((s) => s.labels.sink === SINK).map((s) => {
    const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(",");
    const value = Number.isFinite(s.value) ? s.value : 0;
    const isCounter = /_total$|_bucket$|_count$|_sum$/.test(s.name);
    // counters grow linearly from 0 (the run's start) to the scraped value; gauges hold it
    const values = Array.from({ length: 21 }, (_, i) => (isCounter ? (value * i) / 20 : value)).join(" ");
    return { series: `${s.name}{${labels}}`, values };
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), "evt-promtool-"));
  const test = {
    rule_files: [path.join(REPO_ROOT, "generated/monitoring/evt-alerts.yaml")],
    evaluation_interval: "1m",
    tests: [{
      interval: "1m",
      input_series: series,
      alert_rule_test: Object.entries(expected).map(([alertname, alerts]) => ({
        eval_time: "15m", alertname, exp_alerts: alerts.map((labels) => ({ exp_labels: labels, exp_annotations: annotationsOf(alertname) })),
      })),
    }],
  };
  const file = path.join(dir, "test.yaml");
  writeFileSync(file, JSON.stringify(test, null, 2)); // JSON is YAML
  const res = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8" });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

interface RuleFile {
  groups: { rules: { alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
}
const RULES = parse(readFileSync(path.join(REPO_ROOT, "generated/monitoring/evt-alerts.yaml"), "utf8")) as RuleFile;
const annotationsOf = (alert: string) => RULES.groups[0]!.rules.find((r) => r.alert === alert && r.labels.sink === SINK)!.annotations;

const ALERT_LABELS = { severity: "page", sink: SINK, event: "clickstream.v1.PageViewed", owner: "team-growth-data" };

describe("metrics, evt status and SLO alerts of a sink", () => {
  it("lag grows while stopped and drains after restart; DLQ reason counted; status exit codes; alert rules fire only on a breach", async () => {
    const { config, file } = freshConfig([SINK]);
    const sink = config.sinks[0]!;
    expect(sink.slo).toEqual({ freshnessMinutes: 60, maxRejectRate: 0.05, minEventsPerHour: 0 });
    await createTopics(config);
    const duckdbPath = path.join(mkdtempSync(path.join(os.tmpdir(), "evt-status-")), "w.duckdb");
    const prefix = `evt-metrics-test-${Date.now()}`;
    const now = () => new Date().toISOString();

    // run 1: healthy traffic and one poison record (no ce_id)
    await produce(Array.from({ length: 100 }, (_, i) => ({ sink, event: pageViewed(i), partition: i % 2 })), now());
    let run = startRun(file, duckdbPath, prefix);
    await run.port;
    expect(await run.get("/healthz")).toBe(200);
    await waitUntil(async () => sum(await run.scrape(), "evt_sink_rows_written_total", { sink: SINK }) === 100, "100 rows written", 90_000);
    expect(await run.get("/readyz")).toBe(200);
    await produce([{ sink, event: pageViewed(999), partition: 0, id: "" }], now());
    await waitUntil(async () => sum(await run.scrape(), "evt_sink_dead_lettered_total", { sink: SINK, reason: "missing_id" }) === 1, "poison counted", 60_000);
    await waitUntil(async () => sum(await run.scrape(), "evt_sink_records_behind", { sink: SINK }) === 0, "caught up", 30_000);
    const healthy = await run.scrape();
    // progress a person can see: the start-up steps, then one line per sink each interval
    await waitUntil(() => /"msg":"CLICKSTREAM\.PAGE_VIEWED: [\d.]+ rows\/s, 0 behind, 1 dead-lettered"/.test(run.stderr()), "a progress line", 10_000);
    expect(run.stderr()).toMatch(/"msg":"evt run: (starting|connecting|joining group of|checking the warehouse|creating DLQ topics)/);
    expect(sum(healthy, "evt_consumed_records_total", { topic: sink.topic })).toBe(101);
    expect(sum(healthy, "evt_sink_freshness_seconds_count", { sink: SINK })).toBeGreaterThan(0);
    expect(await run.stop()).toBe(0);

    // stopped: records behind grows, as evt status reads it from Kafka and the warehouse
    await produce(Array.from({ length: 50 }, (_, i) => ({ sink, event: pageViewed(i), partition: i % 2 })), now());
    let st = status(file, duckdbPath);
    expect(st.code, st.stderr).toBe(0);
    expect(st.json!.result.sinks[0]!.behind).toBe(50);
    await produce(Array.from({ length: 50 }, (_, i) => ({ sink, event: pageViewed(i), partition: i % 2 })), now());
    st = status(file, duckdbPath);
    expect(st.json!.result.sinks[0]!.behind).toBe(100);
    expect(st.json!.result.sinks[0]!.dlq.records).toBe(1);
    expect(freshness(st.json!).ok).toBe(true); // waiting, but the last ingest was seconds ago

    // run 2: restart drains to 0 on /metrics, then in evt status (met freshness SLO: exit 0)
    run = startRun(file, duckdbPath, prefix);
    await run.port;
    await waitUntil(async () => {
      const s = await run.scrape();
      return sum(s, "evt_sink_rows_written_total", { sink: SINK }) === 100 && sum(s, "evt_sink_records_behind", { sink: SINK }) === 0;
    }, "drained after restart", 90_000);
    expect(await run.stop()).toBe(0);
    st = status(file, duckdbPath);
    expect(st.code, st.stderr).toBe(0);
    expect(st.json!.result.sinks[0]!.behind).toBe(0);
    expect(freshness(st.json!)).toMatchObject({ ok: true });

    // run 3: a breach — events 3 h old, and a third of the records poison
    const old = new Date(Date.now() - 3 * 3_600_000).toISOString();
    await produce(Array.from({ length: 20 }, (_, i) => ({ sink, event: pageViewed(i), partition: i % 2 })), old);
    await produce(Array.from({ length: 10 }, (_, i) => ({ sink, event: pageViewed(i), partition: i % 2, id: "" })), old);
    run = startRun(file, duckdbPath, prefix);
    await run.port;
    await waitUntil(async () => {
      const s = await run.scrape();
      return sum(s, "evt_sink_dead_lettered_total", { sink: SINK }) === 10 && sum(s, "evt_sink_records_behind", { sink: SINK }) === 0;
    }, "breach run caught up", 90_000);
    const breach = await run.scrape();
    expect(await run.stop()).toBe(0);
    st = status(file, duckdbPath);
    expect(st.code, st.stderr).toBe(1);
    expect(freshness(st.json!)).toMatchObject({ ok: false });
    expect(freshness(st.json!).actual).toBeGreaterThan(170);
    const text = runEvt(["status", "--sink", SINK, "--sink-config", file, "--duckdb-path", duckdbPath, "--brokers", kafkaBrokers().join(",")]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/FAIL freshness_minutes 60: /);

    // unreachable Kafka: exit 2, one line naming it
    const down = runEvt(["status", "--sink", SINK, "--sink-config", file, "--duckdb-path", duckdbPath, "--brokers", "127.0.0.1:1"]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain("cannot reach Kafka at 127.0.0.1:1");

    // the generated rules, evaluated by Prometheus over the scraped metrics
    const quiet = promtoolAlerts(healthy, { EvtSinkFreshnessSlo: [], EvtSinkRejectRateSlo: [] });
    expect(quiet.code, quiet.out).toBe(0);
    const firing = promtoolAlerts(breach, { EvtSinkFreshnessSlo: [{ ...ALERT_LABELS }], EvtSinkRejectRateSlo: [{ ...ALERT_LABELS }] });
    expect(firing.code, firing.out).toBe(0);
    // and the check is real: expecting silence on the breach fails
    expect(promtoolAlerts(breach, { EvtSinkFreshnessSlo: [] }).code).not.toBe(0);
  }, 600_000);
});
