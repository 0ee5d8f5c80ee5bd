/**
 * The generated web tracker in a real browser (Debian chromium through playwright-core) against
 * `evt ingest` and `evt run`: 1,000 events recorded while the collector is down survive a reload
 * in IndexedDB and an offline period, go out when the collector is up and the page back online, and land in the DuckDB table exactly once each (by ce_id).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureChromium } from "../helpers/chromium.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { kafkaBrokers, topicSize, uniqueTopic } from "../helpers/kafka.js";
import { committedTotal, createTopics, freshConfig, waitUntil } from "./fixtures/sink-setup.js";
import { freePort, serveTrackerPage } from "./fixtures/tracker-page.js";

/** What the test page exposes (tests compile without the DOM library). */
interface Page {
  trackerReady?: boolean;
  tracker: { pageViewed(d: unknown): string; persisted(): Promise<void>; stats(): Promise<{ queued: number }> };
  indexedDB: { databases(): Promise<{ name?: string }[]> };
  localStorage: { getItem(k: string): string | null };
}

const KEY = "browser-test-key-0123456789";
const N = 1000;

function evt(args: string[], env: Record<string, string> = {}): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin/run.js"), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  return { child, stderr: () => err, exit: new Promise((r) => child.once("exit", (c) => r(c))) };
}

let browser: Browser;
let page: Awaited<ReturnType<typeof serveTrackerPage>>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  const executablePath = await ensureChromium();
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  page = await serveTrackerPage();
}, 900_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  await browser?.close();
  await page?.close();
});

describe("generated web tracker in chromium", () => {
  it("keeps 1,000 events through a reload while offline and the collector down, then every one lands in DuckDB exactly once", async () => {
    const { config, file } = freshConfig(["CLICKSTREAM.PAGE_VIEWED"]);
    const topic = config.sinks[0]!.topic;
    await createTopics(config);
    const badTopic = uniqueTopic("test.browser.bad");
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;

    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${page.origin}/?endpoint=${encodeURIComponent(endpoint)}&key=${KEY}`);
    await tab.waitForFunction(() => (globalThis as unknown as Page).trackerReady === true);

    // 1. the collector is not running: record 1,000 events in ten bursts, each persisted
    const ids = await tab.evaluate(async (n) => {
      const t = (globalThis as unknown as Page).tracker;
      const out: string[] = [];
      for (let burst = 0; burst < 10; burst++) {
        for (let i = 0; i < n / 10; i++) {
          const k = burst * (n / 10) + i;
          out.push(t.pageViewed({ anonymousId: `anon-${k}`, sessionId: `s-${k % 13}`, pageName: "store_menu", viewedAt: new Date().toISOString(), properties: { k } }));
        }
        await t.persisted();
        await new Promise((r) => setTimeout(r, 30));
      }
      return out;
    }, N);
    expect(new Set(ids).size).toBe(N);
    // 2. reload: the queue is read back from IndexedDB by the new page's tracker; then the page goes offline
    await tab.reload();
    await tab.waitForFunction(() => (globalThis as unknown as Page).trackerReady === true);
    await context.setOffline(true);
    const queued = await tab.evaluate(async () => (await (globalThis as unknown as Page).tracker.stats()).queued);
    expect(queued).toBe(N);
    // the queue lives in IndexedDB (not the localStorage fallback)
    expect(await tab.evaluate(async () => (await (globalThis as unknown as Page).indexedDB.databases()).map((d) => d.name))).toContain("evt-tracker");
    expect(await tab.evaluate(() => (globalThis as unknown as Page).localStorage.getItem("evt-tracker"))).toBeNull();

    // 3. the collector comes up, then the page comes back online
    const keys = JSON.stringify({ keys: [{ app: "browser-test", key: KEY, origins: [page.origin], types: ["clickstream.v1.PageViewed"] }] });
    const ingest = evt(
      ["ingest", "--port", String(port), "--brokers", kafkaBrokers().join(","), "--topic", `clickstream.v1.PageViewed=${topic}`, "--bad-topic", badTopic, "--create-topics"],
      { EVT_INGEST_KEYS: keys },
    );
    children.push(ingest.child);
    await waitUntil(async () => (await fetch(`${endpoint}/readyz`).then((r) => r.status).catch(() => 0)) === 200, `evt ingest ready (${ingest.stderr()})`, 60_000);
    await context.setOffline(false);
    await waitUntil(
      async () => (await tab.evaluate(async () => (await (globalThis as unknown as Page).tracker.stats()).queued)) === 0,
      "the tracker's queue to drain",
      90_000,
    );
    const produced = await topicSize(topic);
    expect(produced).toBeGreaterThanOrEqual(N);
    expect(await topicSize(badTopic)).toBe(0);

    // 4. evt run into DuckDB; every event exactly once by ce_id
    const duckdbPath = path.join(mkdtempSync(path.join(os.tmpdir(), "evt-browser-")), "w.duckdb");
    const prefix = `evt-browser-${Date.now()}`;
    const sink = evt(["run", "--sink", "CLICKSTREAM.PAGE_VIEWED", "--sink-config", file, "--target", "duckdb", "--duckdb-path", duckdbPath, "--brokers", kafkaBrokers().join(","), "--group-prefix", prefix]);
    children.push(sink.child);
    try {
      await waitUntil(async () => (await committedTotal(`${prefix}.CLICKSTREAM.PAGE_VIEWED`, topic)) === produced, `evt run to commit ${produced} (${sink.stderr().slice(-500)})`, 120_000);
    } finally {
      sink.child.kill("SIGTERM");
      ingest.child.kill("SIGTERM");
    }
    expect(await sink.exit).toBe(0);
    expect(await ingest.exit).toBe(0);
    const inst = await DuckDBInstance.create(duckdbPath);
    const c = await inst.connect();
    const rows = (await c.runAndReadAll('SELECT "EVT_EVENT_ID" AS id, "ANONYMOUS_ID" AS anon FROM "CLICKSTREAM"."PAGE_VIEWED"')).getRowObjectsJson();
    c.closeSync();
    inst.closeSync();
    expect(rows).toHaveLength(N);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
    expect(new Set(rows.map((r) => r.anon)).size).toBe(N);
    await context.close();
  });
});
