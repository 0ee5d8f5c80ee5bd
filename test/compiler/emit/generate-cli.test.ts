/** `evt generate` through the built binary: write, no-change rerun, --check, atomic failure, exit 2. */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/compile-proto.js";
import { runEvt } from "../../helpers/run-cli.js";

/** A project directory with its own copy of the example proto tree and the default layout. */
function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "evt-gen-"));
  cpSync(path.join(REPO_ROOT, "proto"), path.join(dir, "proto"), { recursive: true });
  // as the repository's own evt.yaml: the committed generated/ includes the opt-in java/ module
  writeFileSync(path.join(dir, "evt.yaml"), "flink:\n  java: true\n");
  return dir;
}

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.set(r, readFileSync(path.join(d, e.name), "utf8"));
    }
  };
  walk(dir, "");
  return out;
}

describe("evt generate", () => {
  it("writes generated/, reruns without writing, and --check passes on it", () => {
    const cwd = project();
    const first = runEvt(["generate"], { cwd });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/snowflake-ddl\s+16/);
    expect(first.stdout).toMatch(/duckdb-ddl\s+16/);
    const n = snapshot(path.join(REPO_ROOT, "generated")).size; // the committed output is the golden
    expect(first.stdout).toMatch(new RegExp(`wrote ${n} files to generated \\(${n} new, 0 changed, 0 removed\\) in \\d+\\.\\d\\d s`));
    const before = snapshot(path.join(cwd, "generated"));
    expect(before).toEqual(snapshot(path.join(REPO_ROOT, "generated")));
    const mtime = statSync(path.join(cwd, "generated", "catalog.json")).mtimeMs;

    const second = runEvt(["generate"], { cwd });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`generated is up to date \\(${n} files, nothing written, cached\\)`));
    expect(statSync(path.join(cwd, "generated", "catalog.json")).mtimeMs).toBe(mtime);

    // Without the cache the full path also finds nothing to write.
    rmSync(path.join(cwd, ".cache"), { recursive: true, force: true });
    const third = runEvt(["generate", "--quiet"], { cwd });
    expect(third.code).toBe(0);
    expect(third.stdout).toBe("");
    expect(statSync(path.join(cwd, "generated", "catalog.json")).mtimeMs).toBe(mtime);

    const check = runEvt(["generate", "--check"], { cwd });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/generated is up to date/);
  });

  it("--check exits 1 and lists stale, missing and extra files (with and without the cache)", () => {
    const cwd = project();
    expect(runEvt(["generate", "--quiet"], { cwd }).code).toBe(0);
    const gen = path.join(cwd, "generated");
    writeFileSync(path.join(gen, "snowflake/tables/ORDERS.ORDER_PLACED.sql"), "-- edited by hand\n");
    rmSync(path.join(gen, "sinks/evt-sinks.json"));
    writeFileSync(path.join(gen, "ts/leftover.ts"), "export {};\n");
    for (const withCache of [true, false]) {
      if (!withCache) rmSync(path.join(cwd, ".cache"), { recursive: true, force: true });
      const r = runEvt(["generate", "--check", "--quiet"], { cwd });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("stale   generated/snowflake/tables/ORDERS.ORDER_PLACED.sql");
      expect(r.stdout).toContain("missing generated/sinks/evt-sinks.json");
      expect(r.stdout).toContain("extra   generated/ts/leftover.ts");
      expect(r.stdout.split("\n").filter((l) => l.startsWith("  ")).length).toBe(3);
    }
    // --check never writes.
    expect(readFileSync(path.join(gen, "snowflake/tables/ORDERS.ORDER_PLACED.sql"), "utf8")).toBe("-- edited by hand\n");
    // A normal run repairs all three.
    expect(runEvt(["generate", "--quiet"], { cwd }).code).toBe(0);
    expect(snapshot(gen)).toEqual(snapshot(path.join(REPO_ROOT, "generated")));
  });

  it("finds a same-size hand edit on the cached no-change path (stamps skip only untouched files)", () => {
    const cwd = project();
    expect(runEvt(["generate", "--quiet"], { cwd }).code).toBe(0);
    const file = path.join(cwd, "generated", "ts", "index.ts");
    const text = readFileSync(file, "utf8");
    const edited = text.replace("catalog", "katalog");
    expect(edited.length).toBe(text.length);
    writeFileSync(file, edited);
    const check = runEvt(["generate", "--check", "--quiet"], { cwd });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("stale   generated/ts/index.ts");
    expect(runEvt(["generate", "--quiet"], { cwd }).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("keeps the old output intact and leaves no temp dir when generation fails", () => {
    const cwd = project();
    expect(runEvt(["generate", "--quiet"], { cwd }).code).toBe(0);
    const before = snapshot(path.join(cwd, "generated"));
    const file = path.join(cwd, "proto/orders/v1/orders.proto");
    writeFileSync(file, readFileSync(file, "utf8").replace("bool is_subscriber = 15;", "bool is_subscriber = 15;\n  string order = 16;"));
    const r = runEvt(["generate"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"ORDER" is a Snowflake reserved word/);
    expect(r.stderr).toMatch(/proto\/orders\/v1\/orders\.proto:\d+:\d+/);
    expect(snapshot(path.join(cwd, "generated"))).toEqual(before);
    expect(readdirSync(cwd).filter((n) => n.includes("evt-tmp") || n.includes("evt-old"))).toEqual([]);
  });

  it("exits 2 with a clear message when the output directory cannot be written", () => {
    const cwd = project();
    writeFileSync(path.join(cwd, "blocker"), "a file, not a directory\n");
    const r = runEvt(["generate", "--out", "blocker/gen"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: output directory .*blocker\/gen is not writable: (ENOTDIR|EEXIST)/m);
    const asFile = runEvt(["generate", "--out", "blocker"], { cwd });
    expect(asFile.code).toBe(2);
    expect(asFile.stderr).toMatch(/output directory .*blocker is not writable/);
    expect(readFileSync(path.join(cwd, "blocker"), "utf8")).toBe("a file, not a directory\n");
  });

  it("exits 2 on a broken config", () => {
    const cwd = project();
    writeFileSync(path.join(cwd, "evt.yaml"), "protos: proto\n");
    const r = runEvt(["generate"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/evt\.yaml.*protos: unknown key/);
  });
});
