/**
 * `evt generate` runs protoc-gen-es on a worker (ts/protoc-gen-es-thread.ts); the main thread must
 * not load the plugin as well: its ~0.45 s of module loading competed with buf for the two cores.
 * (generate() without a worker still runs it, imported on use: the golden tests take that path.)
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

describe("protoc-gen-es on the main thread", () => {
  it("is not loaded with the generator", () => {
    const generate = JSON.stringify(path.resolve("compiler/emit/generate.ts"));
    const script = `import { createRequire } from "node:module";
      await import(${generate});
      const cache = createRequire(import.meta.url).cache;
      const plugin = Object.keys(cache).filter((k) => /@bufbuild[\\\\/]protoc(-gen-es|plugin)[\\\\/]/.test(k));
      console.log(JSON.stringify({ plugin: plugin.length }));`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const loaded = JSON.parse(run.stdout.trim().split("\n").pop()!) as { plugin: number };
    expect(loaded.plugin).toBe(0);
  });
});
