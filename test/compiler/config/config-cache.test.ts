/**
 * evt.yaml's cached parse (compiler/config/config-cache.ts, decisions D106): used only for the very
 * bytes, path and parser it was made from; anything else is parsed again, with loadConfig's errors.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configCacheFile, loadConfigCached } from "../../../compiler/config/config-cache.js";
import { loadConfig } from "../../../compiler/config/index.js";
import { isEvtError } from "../../../compiler/errors.js";

const YAML = "proto: contracts\nout: gen\nwarehouse:\n  schemaPrefix: DEV_\n  batch: { rows: 500 }\nkafka:\n  brokers: [a:9092, b:9092]\n";

function project(text = YAML): string {
  const dir = mkdtempSync(path.join(tmpdir(), "evt-config-cache-"));
  writeFileSync(path.join(dir, "evt.yaml"), text);
  return dir;
}

/** Rewrites the cached parse (key kept) so a read of the cache is told apart from a parse. */
function tamperCachedOut(dir: string, out: string): void {
  const file = configCacheFile(dir);
  const entry = JSON.parse(readFileSync(file, "utf8")) as { config: { out: string } };
  entry.config.out = out;
  writeFileSync(file, JSON.stringify(entry));
}

describe("loadConfigCached", () => {
  it("gives loadConfig's parse, and the next run reads it from .cache/evt", async () => {
    const dir = project();
    expect(await loadConfigCached(dir)).toEqual(loadConfig({ cwd: dir }));
    tamperCachedOut(dir, "/from-the-cache");
    expect((await loadConfigCached(dir)).out).toBe("/from-the-cache");
  });

  it("parses again when evt.yaml's bytes change, even by one character", async () => {
    const dir = project();
    await loadConfigCached(dir);
    tamperCachedOut(dir, "/from-the-cache");
    writeFileSync(path.join(dir, "evt.yaml"), YAML.replace("out: gen", "out: gen2"));
    const c = await loadConfigCached(dir);
    expect(c.out).toBe(path.join(dir, "gen2"));
    expect(c).toEqual(loadConfig({ cwd: dir }));
  });

  it("parses again in another directory (paths resolve against it), and over a corrupt cache", async () => {
    const dir = project();
    await loadConfigCached(dir);
    const copy = mkdtempSync(path.join(tmpdir(), "evt-config-cache-copy-"));
    cpSync(dir, copy, { recursive: true });
    expect((await loadConfigCached(copy)).protoRoot).toBe(path.join(copy, "contracts"));
    writeFileSync(configCacheFile(dir), "{ not json");
    expect(await loadConfigCached(dir)).toEqual(loadConfig({ cwd: dir }));
  });

  it("reports a broken evt.yaml as loadConfig does, whatever the cache holds", async () => {
    const dir = project();
    await loadConfigCached(dir);
    writeFileSync(path.join(dir, "evt.yaml"), "out: [unclosed\n");
    const error = await loadConfigCached(dir).then(() => undefined, (e: unknown) => e);
    expect(isEvtError(error) && error.message).toMatch(/invalid config evt.yaml: not valid YAML/);
  });

  it("without an evt.yaml gives the defaults and writes no cache", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "evt-config-cache-none-"));
    expect(await loadConfigCached(dir)).toEqual(loadConfig({ cwd: dir }));
    expect(() => readFileSync(configCacheFile(dir))).toThrow(/ENOENT/);
  });
});
