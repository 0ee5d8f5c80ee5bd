/**
 * Running protoc-gen-es in-process does not load TypeScript (protoplugin requires it only for
 * target=js/dts), and TypeScript still works for anyone who requires it afterwards.
 * Runs the built module (dist/, built by the global setup) in a fresh process: a clean require cache.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/compile-proto.js";

const SCRIPT = `
import { createRequire } from "node:module";
import { buildDescriptorSet } from ${JSON.stringify(path.join(REPO_ROOT, "dist/compiler/load/buf-build.js"))};
import { runProtocGenEs } from ${JSON.stringify(path.join(REPO_ROOT, "dist/compiler/emit/ts/protoc-gen-es.js"))};
const require = createRequire(${JSON.stringify(path.join(REPO_ROOT, "package.json"))});
const tsLoaded = () => Object.keys(require.cache).some((k) => k.includes("/node_modules/typescript/"));
const { set } = await buildDescriptorSet(${JSON.stringify(path.join(REPO_ROOT, "proto"))});
const files = runProtocGenEs(set, ["orders/v1/orders.proto"], "target=ts,import_extension=js");
const before = tsLoaded();
const ts = require("typescript");
console.log(JSON.stringify({ files: files.map((f) => f.name), before, after: tsLoaded(), version: typeof ts.version, transpile: typeof ts.transpileModule }));
`;

describe("in-process protoc-gen-es", () => {
  it("generates without loading TypeScript; a later require gets the real TypeScript", () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", SCRIPT], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { files: string[]; before: boolean; after: boolean; version: string; transpile: string };
    expect(out.files).toEqual(["orders/v1/orders_pb.ts"]);
    expect(out.before).toBe(false);
    expect(out.after).toBe(true);
    expect(out.version).toBe("string");
    expect(out.transpile).toBe("function");
  });
});
