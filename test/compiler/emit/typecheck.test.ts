/**
 * The generated TypeScript compiles under `tsc --strict --noEmit`: the committed generated/ts
 * against the repo's runtime, and an `evt generate --out` into another directory with its own
 * runtime import mapped by tsconfig `paths` (as in a service repository).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/compile-proto.js";
import { runEvt } from "../../helpers/run-cli.js";

function tsc(dir: string, files: string[], paths: Record<string, string[]>): { code: number | null; out: string } {
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [path.join(REPO_ROOT, "node_modules", "@types")],
        paths,
      },
      files,
    }),
  );
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(dir, "tsconfig.json")], { encoding: "utf8" });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("generated TypeScript type-checks", () => {
  it("compiles generated/ts under --strict", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "evt-tsc-"));
    const r = tsc(dir, [path.join(REPO_ROOT, "generated", "ts", "index.ts")], { "@evt/runtime": [path.join(REPO_ROOT, "runtime", "index.ts")] });
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });

  it("compiles `evt generate --out` output with a configured runtime import mapped by paths", () => {
    const project = mkdtempSync(path.join(tmpdir(), "evt-out-"));
    // A service repository: its own evt.yaml, @bufbuild/protobuf installed (linked), the runtime under another name.
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    writeFileSync(path.join(project, "evt.yaml"), `proto: ${JSON.stringify(path.join(REPO_ROOT, "proto"))}\nruntimeImport: "@acme/evt/runtime"\n`);
    const gen = runEvt(["generate", "--out", "src/gen", "--quiet"], { cwd: project });
    expect(gen.stderr).toBe("");
    expect(gen.code).toBe(0);
    const mod = readFileSync(path.join(project, "src", "gen", "ts", "orders", "v1", "orders_evt.ts"), "utf8");
    expect(mod).toContain('from "@acme/evt/runtime";');
    expect(mod).not.toContain('"@evt/runtime"');
    const r = tsc(project, ["src/gen/ts/index.ts"], { "@acme/evt/runtime": [path.join(REPO_ROOT, "runtime", "index.ts")] });
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });

  it("fails to compile when a contract's key accessor is wrong (the check is real)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "evt-tsc-bad-"));
    const src = readFileSync(path.join(REPO_ROOT, "generated", "ts", "deliveries", "v1", "deliveries_evt.ts"), "utf8");
    // A copy outside the repo (never touch generated/ while others build), importing the real _pb module.
    const pb = path.join(REPO_ROOT, "generated", "ts", "deliveries", "v1", "deliveries_pb.js");
    const broken = path.join(dir, "broken_evt.ts");
    writeFileSync(broken, src.replace('"./deliveries_pb.js"', JSON.stringify(pb)).replace("e.courier?.courierId", "e.courier?.courierIdent"));
    const r = tsc(dir, [broken], { "@evt/runtime": [path.join(REPO_ROOT, "runtime", "index.ts")] });
    expect(r.out).toMatch(/broken_evt\.ts.*courierIdent/);
    expect(r.code).not.toBe(0);
  });
});
