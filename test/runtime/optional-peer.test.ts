/**
 * loadOptionalPeer in a real Node process (not vitest's module runner, whose resolution errors
 * differ): a missing package becomes one MissingPeerError naming it and the install command; a
 * package that is installed but fails inside passes its own error through untouched.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/compile-proto.js";

const OPTIONAL_PEER = pathToFileURL(path.join(REPO_ROOT, "runtime", "dist", "optional-peer.js")).href;

function runScript(body: string): { code: number | null; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "evt-peer-"));
  // An installed package that is broken inside: it imports something that is not there.
  mkdirSync(path.join(dir, "node_modules", "broken-peer"), { recursive: true });
  writeFileSync(path.join(dir, "node_modules", "broken-peer", "package.json"), JSON.stringify({ name: "broken-peer", type: "module", main: "index.js" }));
  writeFileSync(path.join(dir, "node_modules", "broken-peer", "index.js"), 'import "left-pad-that-is-not-installed";\n');
  writeFileSync(path.join(dir, "main.mjs"), `import { loadOptionalPeer } from ${JSON.stringify(OPTIONAL_PEER)};\n${body}\n`);
  const r = spawnSync(process.execPath, [path.join(dir, "main.mjs")], { encoding: "utf8", cwd: dir });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("loadOptionalPeer", () => {
  it("names the missing package, the feature and the install command (with the declared range)", () => {
    const r = runScript(`
try { await loadOptionalPeer("snowflake-sdk", "the Snowflake warehouse", () => import("snowflake-sdk")); }
catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message, context: e.context, retriable: e.retriable })); }`);
    const out = JSON.parse(r.out.trim()) as { name: string; message: string; context: Record<string, string>; retriable: boolean };
    expect(out.name).toBe("MissingPeerError");
    expect(out.message).toBe('the Snowflake warehouse needs the package snowflake-sdk, which is not installed: run `npm install snowflake-sdk@"^3.3.0"`');
    expect(out.context).toEqual({ package: "snowflake-sdk", feature: "the Snowflake warehouse" });
    expect(out.retriable).toBe(false);
  });

  it("passes through the error of a package that is installed but broken inside", () => {
    const r = runScript(`
try { await loadOptionalPeer("broken-peer", "a feature", () => import("broken-peer")); }
catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`);
    const out = JSON.parse(r.out.trim()) as { name: string; code: string; message: string };
    expect(out.name).not.toBe("MissingPeerError");
    expect(out.code).toBe("ERR_MODULE_NOT_FOUND");
    expect(out.message).toContain("left-pad-that-is-not-installed");
  });

  it("returns the module when it is installed", () => {
    const r = runScript(`
const m = await loadOptionalPeer("node-fs", "reading files", () => import("node:fs"));
console.log(typeof m.readFileSync);`);
    expect(r.out.trim()).toBe("function");
  });
});
