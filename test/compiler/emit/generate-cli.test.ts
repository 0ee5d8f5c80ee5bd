/** `evt generate` through the built binary: write, no-change rerun, --check, atomic failure, exit 2, output ownership. */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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
    const n = snapshot(path.join(REPO_ROOT, "generated")).size - 1; // the committed output is the golden (minus its manifest)
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
    // A file an earlier run wrote (listed in the manifest) that generate no longer produces…
    writeFileSync(path.join(gen, "ts/leftover.ts"), "export {};\n");
    const manifestFile = path.join(gen, ".evt-manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { files: Record<string, string> };
    manifest.files["ts/leftover.ts"] = createHash("sha256").update("export {};\n").digest("hex");
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + "\n");
    // …and a user's own file, which is not generate's business.
    writeFileSync(path.join(gen, "ts/mine.ts"), "export const mine = 1;\n");
    for (const withCache of [true, false]) {
      if (!withCache) rmSync(path.join(cwd, ".cache"), { recursive: true, force: true });
      const r = runEvt(["generate", "--check", "--quiet"], { cwd });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("stale   generated/snowflake/tables/ORDERS.ORDER_PLACED.sql");
      expect(r.stdout).toContain("missing generated/sinks/evt-sinks.json");
      expect(r.stdout).toContain("extra   generated/ts/leftover.ts");
      expect(r.stdout).toContain("stale   generated/.evt-manifest.json");
      expect(r.stdout.split("\n").filter((l) => l.startsWith("  ")).length).toBe(4);
    }
    // --check never writes.
    expect(readFileSync(path.join(gen, "snowflake/tables/ORDERS.ORDER_PLACED.sql"), "utf8")).toBe("-- edited by hand\n");
    // The hand edit of a generated file is refused; --force overwrites it and repairs the rest.
    const refused = runEvt(["generate", "--quiet"], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      "error: generated/snowflake/tables/ORDERS.ORDER_PLACED.sql was edited after evt wrote it. Revert the edit (or delete the file), or rerun with --force to overwrite it.\n",
    );
    expect(runEvt(["generate", "--quiet", "--force"], { cwd }).code).toBe(0);
    const after = snapshot(gen);
    expect(after.get("ts/mine.ts")).toBe("export const mine = 1;\n");
    after.delete("ts/mine.ts");
    expect(after).toEqual(snapshot(path.join(REPO_ROOT, "generated")));
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
    expect(runEvt(["generate", "--quiet"], { cwd }).code).toBe(2); // an edited generated file is refused…
    expect(runEvt(["generate", "--quiet", "--force"], { cwd }).code).toBe(0); // …unless forced
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("refuses contracts with lint errors (exit 1, the errors listed) and keeps the old output intact, no temp dir", () => {
    const cwd = project();
    expect(runEvt(["generate", "--quiet"], { cwd }).code).toBe(0);
    const before = snapshot(path.join(cwd, "generated"));
    const file = path.join(cwd, "proto/orders/v1/orders.proto");
    writeFileSync(file, readFileSync(file, "utf8").replace("bool is_subscriber = 15;", "bool is_subscriber = 15;\n  string order = 16;"));
    const r = runEvt(["generate"], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/proto\/orders\/v1\/orders\.proto:\d+:\d+: EVT_\w+ .*"ORDER" is a Snowflake reserved word/);
    expect(snapshot(path.join(cwd, "generated"))).toEqual(before);
    expect(readdirSync(cwd).filter((n) => n.includes("evt-tmp") || n.includes("evt-old"))).toEqual([]);
    expect(readdirSync(path.join(cwd, "generated")).filter((n) => n.startsWith(".evt-staging"))).toEqual([]);
  });

  it("exits 2 with a clear message when the output directory cannot be written", () => {
    const cwd = project();
    writeFileSync(path.join(cwd, "blocker"), "a file, not a directory\n");
    const r = runEvt(["generate", "--out", "blocker/gen"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: output directory blocker\/gen is not writable: (ENOTDIR|EEXIST)/m);
    const asFile = runEvt(["generate", "--out", "blocker"], { cwd });
    expect(asFile.code).toBe(2);
    expect(asFile.stderr).toBe("error: output blocker is a file, not a directory. Pass --out a directory (new, empty, or one evt generate wrote).\n");
    expect(runEvt(["generate", "--check", "--out", "blocker"], { cwd }).code).toBe(2);
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

/** Issue 9 item 1: evt may only ever remove or replace files it generated itself. */
describe("evt generate owns only what it wrote (.evt-manifest.json)", () => {
  it("refuses --out on a folder holding user files, touching nothing", () => {
    const cwd = project();
    mkdirSync(path.join(cwd, "src"));
    writeFileSync(path.join(cwd, "src", "publish.ts"), "export const publish = 1;\n");
    const r = runEvt(["generate", "--out", "src"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: output directory src is not empty and has no .evt-manifest.json, so evt did not create it and will not write into it. Pass --out a new or empty directory (e.g. src/gen).\n",
    );
    expect(snapshot(path.join(cwd, "src"))).toEqual(new Map([["publish.ts", "export const publish = 1;\n"]]));
    // A new subdirectory is fine, and the user's file stays next to it.
    expect(runEvt(["generate", "--out", "src/gen", "--quiet"], { cwd }).code).toBe(0);
    expect(readFileSync(path.join(cwd, "src", "publish.ts"), "utf8")).toBe("export const publish = 1;\n");
    expect(existsSync(path.join(cwd, "src", "gen", ".evt-manifest.json"))).toBe(true);
  });

  it("refuses --out . in a git repository: .git, proto/ and package.json survive", () => {
    const cwd = project();
    writeFileSync(path.join(cwd, "package.json"), '{ "name": "service" }\n');
    execFileSync("git", ["init", "-q", cwd]);
    execFileSync("git", ["-C", cwd, "add", "."]);
    execFileSync("git", ["-C", cwd, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"]);
    const before = snapshot(cwd);
    const r = runEvt(["generate", "--out", "."], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: output directory \. is not empty and has no \.evt-manifest\.json/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(snapshot(cwd)).toEqual(before);
    expect(execFileSync("git", ["-C", cwd, "status", "--porcelain"], { encoding: "utf8" })).toBe("");
  });

  it("refuses --out pointing at a file", () => {
    const cwd = project();
    writeFileSync(path.join(cwd, "notes.txt"), "mine\n");
    const r = runEvt(["generate", "--out", "notes.txt"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: output notes\.txt is a file, not a directory/);
    expect(readFileSync(path.join(cwd, "notes.txt"), "utf8")).toBe("mine\n");
  });

  it("keeps a user's file added next to the generated ones through reruns that change and remove output", () => {
    const cwd = project();
    expect(runEvt(["generate", "--quiet"], { cwd }).code).toBe(0);
    const gen = path.join(cwd, "generated");
    writeFileSync(path.join(gen, "ts", "orders", "v1", "helpers.ts"), "export const mine = 1;\n");
    writeFileSync(path.join(gen, "snowflake", "tables", "NOTES.md"), "my notes\n");
    // A change: a new field (files change), then the payments contracts go away (files removed).
    const orders = path.join(cwd, "proto/orders/v1/orders.proto");
    writeFileSync(orders, readFileSync(orders, "utf8").replace("bool is_subscriber = 15;", "bool is_subscriber = 15;\n  string promo_code = 16;"));
    expect(runEvt(["generate", "--quiet"], { cwd }).code).toBe(0);
    rmSync(path.join(cwd, "proto", "payments"), { recursive: true });
    const r = runEvt(["generate"], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\d+ changed, [1-9]\d* removed/);
    expect(readFileSync(path.join(gen, "ts", "orders", "v1", "helpers.ts"), "utf8")).toBe("export const mine = 1;\n");
    expect(readFileSync(path.join(gen, "snowflake", "tables", "NOTES.md"), "utf8")).toBe("my notes\n");
    expect(existsSync(path.join(gen, "ts", "payments"))).toBe(false); // emptied generated directories go too
    expect(readdirSync(path.join(gen, "snowflake", "tables")).some((n) => n.startsWith("PAYMENTS."))).toBe(false);
    const manifest = JSON.parse(readFileSync(path.join(gen, ".evt-manifest.json"), "utf8")) as { files: Record<string, string> };
    expect(Object.keys(manifest.files)).not.toContain("ts/orders/v1/helpers.ts");
    expect(runEvt(["generate", "--check"], { cwd }).code).toBe(0);
  });

  it("refuses to replace a user's file that sits where a generated file goes", () => {
    const cwd = project();
    expect(runEvt(["generate", "--quiet"], { cwd }).code).toBe(0);
    const gen = path.join(cwd, "generated");
    rmSync(path.join(gen, "catalog.json"));
    writeFileSync(path.join(gen, "catalog.json"), "{}\n"); // evt's file deleted, the user's put there instead…
    const manifestFile = path.join(gen, ".evt-manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { files: Record<string, string> };
    delete manifest.files["catalog.json"]; // …and no longer listed as evt's
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + "\n");
    rmSync(path.join(cwd, ".cache"), { recursive: true, force: true });
    for (const args of [["generate"], ["generate", "--force"]]) {
      const r = runEvt(args, { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: generated\/catalog\.json is not listed in \.evt-manifest\.json, so evt did not write it/);
    }
    expect(readFileSync(path.join(gen, "catalog.json"), "utf8")).toBe("{}\n");
  });
});
