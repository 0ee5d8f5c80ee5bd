/** `evt run` from the built CLI: sinks from a sink config into DuckDB, JSON logs, graceful SIGTERM. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { kafkaBrokers } from "../helpers/kafka.js";
import { runEvt } from "../helpers/run-cli.js";
import { searchPerformed } from "./fixtures/sink-events.js";
import { committedTotal, createTopics, freshConfig, produce, waitUntil } from "./fixtures/sink-setup.js";

describe("evt run", () => {
  it("runs the selected sink into DuckDB, logs JSON lines to stderr, and stops on SIGTERM after committing (exit 0)", async () => {
    const { config, file } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED", "ORDERS.ORDER_PLACED"]);
    const sink = config.sinks[0]!;
    await createTopics(config);
    const ids = await produce(Array.from({ length: 300 }, (_, i) => ({ sink, event: searchPerformed(i), partition: i % 2 })));
    const duckdbPath = path.join(mkdtempSync(path.join(os.tmpdir(), "evt-run-")), "w.duckdb");
    const prefix = `evt-run-test-${Date.now()}`;
    const child = spawn(process.execPath, [
      path.join(REPO_ROOT, "bin/run.js"), "run", "--sink", sink.name, "--sink-config", file, "--target", "duckdb",
      "--duckdb-path", duckdbPath, "--brokers", kafkaBrokers().join(","), "--group-prefix", prefix,
    ], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      await waitUntil(async () => (await committedTotal(`${prefix}.${sink.table}`, sink.topic)) === 300, "300 committed", 90_000);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exit).toBe(0);
    const lines = stderr.trim().split("\n");
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const msgs = lines.map((l) => JSON.parse(l) as { msg: string; sink?: string; sinks?: { sink: string }[] });
    expect(msgs.some((m) => m.msg === "batch committed")).toBe(true);
    expect(msgs.some((m) => m.msg === "signal received; finishing the in-flight batch")).toBe(true);
    // only the selected sink ran
    expect(msgs.find((m) => m.msg === "sinks started")!.sinks!.map((s) => s.sink)).toEqual([sink.name]);
    expect(stdout).toContain(`${sink.name}: 300 row(s)`);
    const inst = await DuckDBInstance.create(duckdbPath);
    const c = await inst.connect();
    const rows = (await c.runAndReadAll('SELECT "EVT_EVENT_ID" AS id FROM "CLICKSTREAM"."SEARCH_PERFORMED"')).getRowObjectsJson();
    c.closeSync();
    inst.closeSync();
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
    expect(rows).toHaveLength(300);
  });

  it("exits 2 naming the known sinks when --sink is unknown", () => {
    const { file } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    const run = runEvt(["run", "--sink", "NOPE.NOPE", "--sink-config", file, "--brokers", kafkaBrokers().join(",")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown sink NOPE.NOPE (known: CLICKSTREAM.SEARCH_PERFORMED)");
  });

  it("documents the warehouse, SIGTERM behaviour and the EVT_SNOWFLAKE_* variables in --help", () => {
    const help = runEvt(["run", "--help"]);
    expect(help.code).toBe(0);
    for (const s of ["--sink=NAME", "--sink-config=FILE", "--target", "SIGTERM", "EVT_SNOWFLAKE_PASSWORD", "EVT_SNOWFLAKE_ACCESS_URL", "JSON lines"]) {
      expect(help.stdout.replace(/\s+/g, " ")).toContain(s);
    }
  });
});
