/**
 * Start-up (issue 16 item 3, decisions D87): oclif reads oclif.manifest.json instead of importing
 * every command, the manifest is the commands' own description (never stale), and the short
 * commands import only what they use.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { BUILD_INFO, MANIFEST_FILE, buildStamp, cliLoadOptions, commandManifest, manifestState, writeManifest } from "../../cli/manifest.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { moduleOwner, traceEvt } from "../helpers/module-trace.js";
import { runEvt } from "../helpers/run-cli.js";

describe("oclif.manifest.json", () => {
  it("is what the built command modules declare: ids, summaries, descriptions, flags, args", async () => {
    const onDisk = JSON.parse(readFileSync(path.join(REPO_ROOT, MANIFEST_FILE), "utf8")) as unknown;
    const fromModules = await commandManifest(REPO_ROOT);
    // A round trip through JSON: the manifest holds only what JSON keeps (undefined keys drop out).
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(fromModules)));
    expect(manifestState(REPO_ROOT)).toBe("current");
    const generate = fromModules.commands["generate"]!;
    expect(Object.keys(generate.flags)).toEqual(expect.arrayContaining(["check", "out", "quiet", "json", "verbose", "config"]));
    expect(generate.description).toMatch(/byte-identical on rerun/);
  });

  describe("a manifest older than the build", () => {
    // A package of its own inside the repository (so @oclif/core resolves): one command, built twice.
    const root = path.join(REPO_ROOT, ".tmp", `manifest-${process.pid}`);
    const command = (flag: string): string =>
      `import { Command, Flags } from "@oclif/core";\n` +
      `export default class Hello extends Command {\n` +
      `  static summary = "Says hello.";\n` +
      `  static flags = { ${flag}: Flags.boolean({ summary: "The ${flag} flag." }) };\n` +
      `  async run() {}\n}\n`;
    const build = (flag: string, mtime: Date): void => {
      writeFileSync(path.join(root, "dist", "commands", "hello.js"), command(flag));
      writeFileSync(path.join(root, BUILD_INFO), JSON.stringify({ flag }));
      utimesSync(path.join(root, BUILD_INFO), mtime, mtime);
    };

    beforeAll(() => {
      mkdirSync(path.join(root, "dist", "commands"), { recursive: true });
      writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "hello-cli", version: "1.0.0", type: "module", oclif: { bin: "hello", commands: "./dist/commands" } }));
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it("is ignored: the commands are loaded from their modules, and the manifest is rewritten", async () => {
      build("polite", new Date(2026, 0, 1));
      writeManifest(root, await commandManifest(root));
      expect(manifestState(root)).toBe("current");
      expect(await cliLoadOptions(root)).toBe(root); // oclif reads the manifest

      build("loud", new Date(2026, 0, 2)); // a rebuild without the manifest step (`npx tsc -b`)
      expect(manifestState(root)).toBe("stale");
      // A process of its own, as `evt` would be: this one keeps the first build's module cached.
      const script =
        `import { Config } from "@oclif/core"; import { cliLoadOptions } from ${JSON.stringify(path.join(REPO_ROOT, "dist", "cli", "manifest.js"))};` +
        `const config = await Config.load(await cliLoadOptions(${JSON.stringify(root)}));` +
        `console.log(JSON.stringify(Object.keys(config.findCommand("hello").flags)));`;
      const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
      expect(child.stderr).toBe("");
      expect(JSON.parse(child.stdout)).toEqual(["loud"]);

      const rewritten = JSON.parse(readFileSync(path.join(root, MANIFEST_FILE), "utf8")) as { commands: Record<string, { flags: object }>; evtBuild: string };
      expect(Object.keys(rewritten.commands["hello"]!.flags)).toContain("loud");
      expect(rewritten.evtBuild).toBe(buildStamp(root));
      expect(manifestState(root)).toBe("current");
    });

    it("is trusted where no build info is shipped (an installed package)", () => {
      const installed = `${root}-installed`;
      cpSync(root, installed, { recursive: true });
      try {
        rmSync(path.join(installed, BUILD_INFO));
        writeFileSync(path.join(installed, MANIFEST_FILE), JSON.stringify({ version: "1.0.0", commands: {}, evtBuild: "0:0" }));
        expect(manifestState(installed)).toBe("current");
      } finally {
        rmSync(installed, { recursive: true, force: true });
      }
    });
  });
});

describe("what the short commands load", () => {
  const heavy = ["@bufbuild/protobuf", "@bufbuild/protoc-gen-es", "@bufbuild/protoplugin", "@bufbuild/buf", "kafkajs", "@duckdb/node-api", "snowflake-sdk", "fastify", "prom-client", "ts-morph", "typescript"];

  it("evt --help prints every command without importing one, nor the compiler", () => {
    const t = traceEvt(["--help"]);
    expect(t.code).toBe(0);
    const owners = new Set(t.files.map(moduleOwner));
    expect([...owners].filter((o) => o.startsWith(path.join("dist", "cli", "commands")))).toEqual([]);
    expect([...owners].filter((o) => o.startsWith(path.join("dist", "compiler")) || o === "yaml")).toEqual([]);
    expect(heavy.filter((h) => owners.has(h))).toEqual([]);
    expect(owners.has("semver")).toBe(false); // oclif's engine check, skipped by bin/run.js
    const help = runEvt(["--help"]).stdout;
    for (const id of ["generate", "check-compat", "ddl", "run", "status"]) expect(help).toContain(id);
  });

  it("a no-change evt generate is answered before oclif loads, with the command's own output", () => {
    // The repository's contracts in a project of their own: the first run generates, the second changes nothing.
    const project = mkdtempSync(path.join(tmpdir(), "evt-startup-"));
    cpSync(path.join(REPO_ROOT, "proto"), path.join(project, "proto"), { recursive: true });
    cpSync(path.join(REPO_ROOT, "evt.yaml"), path.join(project, "evt.yaml"));
    onTestFinished(() => rmSync(project, { recursive: true, force: true }));
    expect(runEvt(["generate", "--quiet"], { cwd: project }).code).toBe(0);
    const t = traceEvt(["generate"], { cwd: project });
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/is up to date \(\d+ files, nothing written, cached\)/);
    // Modules, not the package.json files the fingerprint reads dependency versions from.
    const owners = new Set(t.files.filter((f) => !f.endsWith(".json")).map(moduleOwner));
    expect([...owners].filter((o) => o.startsWith(path.join("dist", "cli", "commands")))).toEqual([]);
    expect(owners.has("@oclif/core")).toBe(false); // cli/no-change-generate.ts (D101)
    expect(owners.has("yaml")).toBe(false); // evt.yaml's parse comes from .cache/evt (D106)
    // The same text as the command through oclif (--out takes that path), the run time aside.
    const seconds = (out: string) => out.replace(/ in \d+\.\d+ s/, " in N s");
    const viaOclif = runEvt(["generate", "--out", "generated"], { cwd: project });
    expect(viaOclif.code).toBe(0);
    expect(seconds(t.stdout)).toBe(seconds(viaOclif.stdout));
    const check = traceEvt(["generate", "--check", "--quiet"], { cwd: project });
    expect([check.code, check.stdout]).toEqual([0, ""]);
    expect(check.files.some((f) => moduleOwner(f) === "@oclif/core")).toBe(false);
    // Work to do (a generated file edited): the fast path declines and the command reports it through oclif.
    writeFileSync(path.join(project, "generated", "catalog.json"), "{}\n");
    const stale = traceEvt(["generate", "--check"], { cwd: project });
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain("catalog.json");
    expect(stale.files.some((f) => moduleOwner(f) === "@oclif/core")).toBe(true);
    const compilerStages = ["load", "model", "rules", "emit/ts", "emit/snowflake", "emit/web"].map((s) => path.join("dist", "compiler", s));
    expect([...owners].filter((o) => compilerStages.some((s) => o.startsWith(s)))).toEqual([]);
    expect(heavy.filter((h) => owners.has(h)), t.files.filter((f) => heavy.some((h) => f.includes(`/${h}/`))).join("\n")).toEqual([]);
  });
});
