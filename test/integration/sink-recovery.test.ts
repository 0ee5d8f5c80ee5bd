/**
 * Recovery of the sinks against the real broker and DuckDB (issue 10 items 6 and 8):
 *  - a kill loop — 10 SIGKILLs of `evt run`, restarts 5 s apart — still commits batches in every
 *    run (the session timeout decides how soon a restarted member gets the partitions; kafkajs has
 *    no static membership), and the table ends with every event exactly once;
 *  - on assignment the group's offsets move up to the warehouse high-water, so a group left behind
 *    (a kill between the warehouse commit and the Kafka commit) does not report lag forever.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import kafkajs from "kafkajs";
import { startSinks } from "../../runtime/sinks/sink.js";
import { DuckdbWriter } from "../../runtime/sinks/duckdb/writer.js";
import { jsonLogger } from "../../runtime/log.js";
import { catalog } from "../../generated/ts/index.js";
import { kafkaBrokers } from "../helpers/kafka.js";
import { searchPerformed } from "./fixtures/sink-events.js";
import { committedTotal, createTopics, freshConfig, produce, waitUntil } from "./fixtures/sink-setup.js";
import { sleep, spawnRun } from "./fixtures/evt-run-process.js";

const work = mkdtempSync(path.join(os.tmpdir(), "evt-sink-recovery-"));

async function countIds(file: string, table: string, topic: string): Promise<{ n: number; distinct: number }> {
  const inst = await DuckDBInstance.create(file);
  const c = await inst.connect();
  try {
    const r = (await c.runAndReadAll(`SELECT COUNT(*)::INTEGER AS n, COUNT(DISTINCT "EVT_EVENT_ID")::INTEGER AS d FROM ${table} WHERE "EVT_TOPIC" = $1`, [topic])).getRowObjectsJson()[0]!;
    return { n: Number(r.n), distinct: Number(r.d) };
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

describe("kill loop: 10 SIGKILLs of evt run, restarts 5 s apart", () => {
  it("every run commits batches, and the table holds every event exactly once", async () => {
    const { config, file } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    const sink = config.sinks[0]!;
    await createTopics(config);
    const duckdbPath = path.join(work, `loop-${Date.now()}.duckdb`);
    const prefix = `evt-killloop-${Date.now()}`;
    const args = ["--sink", sink.name, "--sink-config", file, "--target", "duckdb", "--duckdb-path", duckdbPath,
      "--brokers", kafkaBrokers().join(","), "--group-prefix", prefix];
    let produced = 0;
    const firstCommitMs: number[] = [];
    for (let run = 0; run < 10; run++) {
      await produce(Array.from({ length: 50 }, (_, i) => ({ sink, event: searchPerformed(produced + i), partition: i % 2 })));
      produced += 50;
      const started = Date.now();
      const p = spawnRun(args);
      await waitUntil(() => p.logs().some((l) => l.msg === "batch committed"), `run ${run + 1} committed a batch`, 25_000).catch(async (e: Error) => {
        p.child.kill("SIGKILL");
        throw new Error(`${e.message}\n${p.stderr()}`);
      });
      firstCommitMs.push(Date.now() - started);
      p.child.kill("SIGKILL");
      await p.exited;
      await sleep(5_000);
    }
    console.log(`kill loop: first commit after restart (ms): ${firstCommitMs.join(", ")}; load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
    const last = spawnRun(args);
    await waitUntil(() => last.logs().some((l) => l.msg === "sinks started"), "final run started", 60_000);
    await waitUntil(async () => (await committedTotal(`${prefix}.${sink.table}`, sink.topic)) === produced, "final run caught up", 120_000);
    expect((await last.signal("SIGTERM")).code, last.stderr()).toBe(0);
    expect(await countIds(duckdbPath, sink.table, sink.topic)).toEqual({ n: produced, distinct: produced });
  });
});

describe("group offsets follow the warehouse high-water", () => {
  it("on assignment, a group left behind is committed up to the warehouse high-water, without new records", async () => {
    const { config } = freshConfig(["CLICKSTREAM.SEARCH_PERFORMED"]);
    const sink = config.sinks[0]!;
    await createTopics(config);
    const duckdbPath = path.join(work, `hw-${Date.now()}.duckdb`);
    const prefix = `evt-hw-${Date.now()}`;
    const group = `${prefix}.${sink.table}`;
    await produce(Array.from({ length: 120 }, (_, i) => ({ sink, event: searchPerformed(i), partition: i % 2 })));
    const start = () => startSinks({
      config, sinks: [sink], contracts: catalog, writer: new DuckdbWriter({ path: duckdbPath }), brokers: kafkaBrokers(), groupPrefix: prefix,
      batch: { maxRows: 50, maxMs: 100 }, logger: jsonLogger({ level: "silent" }), kafka: { logLevel: "nothing" },
    });
    const first = await start();
    await waitUntil(async () => (await committedTotal(group, sink.topic)) === 120, "120 committed", 90_000);
    await first.stop();
    // the state a kill between the warehouse commit and the Kafka commit leaves: the group behind the table
    const admin = new kafkajs.Kafka({ brokers: kafkaBrokers(), logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId: group, topic: sink.topic, partitions: [{ partition: 0, offset: "0" }, { partition: 1, offset: "0" }] });
    } finally {
      await admin.disconnect();
    }
    expect(await committedTotal(group, sink.topic)).toBe(0);
    const second = await start();
    try {
      await waitUntil(async () => (await committedTotal(group, sink.topic)) === 120, "group offsets back at the high-water", 30_000);
    } finally {
      await second.stop();
    }
    expect(await countIds(duckdbPath, sink.table, sink.topic)).toEqual({ n: 120, distinct: 120 });
  });
});
