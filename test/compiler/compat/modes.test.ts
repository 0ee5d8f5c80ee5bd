/**
 * Direction-aware modes: the same change is reported or not depending on the event's
 * compatibility (or --mode), types inherit the strictest mode of the events reaching them, and
 * _TRANSITIVE modes also compare against the committed history.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDescriptorSet } from "../../../compiler/load/buf-build.js";
import type { CompatibilityMode } from "../../../compiler/model/catalog.js";
import { checkCompat } from "../../../compiler/rules/compat/check.js";
import { runCheckCompat } from "../../../compiler/rules/compat/run.js";
import { compileProto, writeProtoTree } from "../../helpers/compile-proto.js";

const HEADER = `syntax = "proto3";\npackage t.v1;\nimport "evt/v1/options.proto";\n`;

/** Event A in `mode` with a narrowed field n (breaks backward) and a widened field w (breaks forward). */
function tree(mode: CompatibilityMode, after: boolean): Record<string, string> {
  return {
    "t/v1/t.proto": `${HEADER}
message A {
  option (evt.v1.event) = { topic: "t.a.v1" owner: "team-a" compatibility: ${mode} };
  string id = 1;
  ${after ? "int32" : "int64"} n = 2;
  ${after ? "int64" : "int32"} w = 3;
}
`,
  };
}

async function findingsFor(mode: CompatibilityMode, override?: CompatibilityMode): Promise<string[]> {
  const [before, after] = await Promise.all([compileProto(tree(mode, false)), compileProto(tree(mode, true))]);
  return checkCompat({ before: before.catalog, after: after.catalog }, override ? { mode: override } : {})
    .map((f) => `${f.ruleId}:${f.element}`)
    .sort();
}

const N = "FIELD_WIRE_COMPATIBLE_TYPE:t.v1.A.n";
const W = "FIELD_WIRE_COMPATIBLE_TYPE:t.v1.A.w";

describe("compatibility modes", () => {
  it.each([
    ["BACKWARD", [N]],
    ["FORWARD", [W]],
    ["FULL", [N, W]],
    ["NONE", []],
    ["BACKWARD_TRANSITIVE", [N]],
    ["FORWARD_TRANSITIVE", [W]],
    ["FULL_TRANSITIVE", [N, W]],
  ] as const)("%s reports exactly the directions it checks", async (mode, expected) => {
    expect(await findingsFor(mode)).toEqual(expected);
  });

  it("--mode overrides the event's own compatibility", async () => {
    expect(await findingsFor("NONE", "FULL")).toEqual([N, W]);
    expect(await findingsFor("FULL", "FORWARD")).toEqual([W]);
  });

  it("names the direction in the message", async () => {
    const [before, after] = await Promise.all([compileProto(tree("FULL", false)), compileProto(tree("FULL", true))]);
    const msgs = checkCompat({ before: before.catalog, after: after.catalog }).map((f) => f.message);
    expect(msgs.find((m) => m.includes('"n"'))).toMatch(/new readers of older data: int64 values outside the int32 range are truncated/);
    expect(msgs.find((m) => m.includes('"w"'))).toMatch(/old readers of newer data: int64 values outside the int32 range are truncated/);
  });

  it("judges a shared type by the strictest mode of the events reaching it, BACKWARD when none does", async () => {
    const shared = (t: string): string => `message Shared {\n  ${t} w = 1;\n}\n`;
    const ev = (name: string, mode: string): string =>
      `message ${name} {\n  option (evt.v1.event) = { topic: "t.${name.toLowerCase()}.v1" owner: "o" compatibility: ${mode} };\n  Shared s = 1;\n}\n`;
    const loose = (t: string): string => `message Loose {\n  ${t} w = 1;\n}\n`;
    const make = (t: string, modes: string[]): Record<string, string> => ({
      "t/v1/t.proto": HEADER + shared(t) + loose(t) + modes.map((m, i) => ev(`E${i}`, m)).join(""),
    });
    const run = async (modes: string[]): Promise<string[]> => {
      const [b, a] = await Promise.all([compileProto(make("int32", modes)), compileProto(make("int64", modes))]);
      return checkCompat({ before: b.catalog, after: a.catalog }).map((f) => f.element!).sort();
    };
    // int32 → int64 breaks only forward: Loose (BACKWARD by default) never reports it.
    expect(await run(["BACKWARD"])).toEqual([]);
    expect(await run(["FORWARD"])).toEqual(["t.v1.Shared.w"]);
    expect(await run(["BACKWARD", "FORWARD"])).toEqual(["t.v1.Shared.w"]);
    expect(await run(["NONE"])).toEqual([]);
  });
});

describe("transitive modes and the committed history", () => {
  const v = (body: string, mode: string): Record<string, string> => ({
    "t/v1/t.proto": `${HEADER}\nmessage A {\n  option (evt.v1.event) = { topic: "t.a.v1" owner: "o" compatibility: ${mode} };\n  string id = 1;\n${body}\n}\n`,
  });

  async function scenario(mode: string): Promise<string[]> {
    // v1 had `string x = 3`; v2 (the baseline) deleted it (an approved break); v3 reuses 3 as int64.
    const v1 = writeProtoTree(v("  string x = 3;", mode));
    const v2 = writeProtoTree(v("", mode));
    const v3 = writeProtoTree(v("  int64 x = 3;", mode));
    const historyDir = mkdtempSync(path.join(tmpdir(), "evt-history-"));
    writeFileSync(path.join(historyDir, "0001-v1.binpb"), (await buildDescriptorSet(v1)).bytes);
    const cwd = mkdtempSync(path.join(tmpdir(), "evt-cwd-"));
    mkdirSync(path.join(cwd, "none"), { recursive: true });
    const result = await runCheckCompat({
      protoRoot: v3,
      cwd,
      against: v2,
      approvalsFile: path.join(cwd, "none", "evt-approvals.yaml"),
      historyDir,
      migrationsDir: path.join(cwd, "none"),
    });
    return result.findings.map((f) => `${f.ruleId} ${f.message}`);
  }

  it("BACKWARD ignores versions before the baseline", async () => {
    expect(await scenario("BACKWARD")).toEqual([]);
  });

  it("BACKWARD_TRANSITIVE catches the number reused against an earlier version", async () => {
    const found = await scenario("BACKWARD_TRANSITIVE");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^FIELD_WIRE_COMPATIBLE_TYPE .*changed type from "string" to "int64".*\(against 0001-v1\.binpb\)\.$/);
  });
});
