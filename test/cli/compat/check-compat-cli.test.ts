/**
 * `evt check-compat` end to end (the built binary): a git-ref baseline read from a temporary
 * repository without touching its working tree, a directory and a buf image baseline, the three
 * output formats and the JSON schema, exit codes, approvals, and the shallow-clone error.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDescriptorSet } from "../../../compiler/load/buf-build.js";
import { VOCABULARY } from "../../helpers/compile-proto.js";
import { runEvt } from "../../helpers/run-cli.js";

const FILE = "proto/t/v1/t.proto";
const V1 = `syntax = "proto3";
package t.v1;
import "evt/v1/options.proto";

// A happened.
message A {
  option (evt.v1.event) = { topic: "t.a.v1" key: "id" owner: "team-a" compatibility: BACKWARD };
  string id = 1;
  int64 amount = 2;
  string note = 3;
}
`;
// amount narrowed (backward break), note deleted without reservation, a new field (compatible).
const V2 = V1.replace("int64 amount = 2;", "int32 amount = 2;").replace("  string note = 3;\n", "  bool urgent = 4;\n");

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
}

function writeTree(dir: string, text: string): void {
  mkdirSync(path.join(dir, "proto", "t", "v1"), { recursive: true });
  mkdirSync(path.join(dir, "proto", "evt", "v1"), { recursive: true });
  cpSync(VOCABULARY, path.join(dir, "proto", "evt", "v1", "options.proto"));
  writeFileSync(path.join(dir, FILE), text);
}

let repo: string;

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), "evt-compat-repo-"));
  git(repo, "init", "-q", "-b", "main");
  writeTree(repo, V1);
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "v1");
  writeFileSync(path.join(repo, FILE), V2); // uncommitted change in the working tree
});

const lineOf = (text: string, needle: string): number => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("evt check-compat --against <git ref>", () => {
  it("reports the breaking changes in text, each line starting with file:line:col, and a summary, exit 1", () => {
    const status = git(repo, "status", "--porcelain");
    const r = runEvt(["check-compat", "--against", "main"], { cwd: repo });
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${FILE}:\\d+:\\d+: `)); // problem-matcher shape, no header or indentation
    for (const l of lines.filter(Boolean).slice(0, -1)) expect(l).toMatch(/^[^\s:]+:\d+:\d+: [A-Z_]+ /);
    expect(r.stdout).toContain(`${FILE}:${lineOf(V2, "int32 amount")}:3: FIELD_WIRE_COMPATIBLE_TYPE Field "2" with name "amount" on message "A" changed type from "int64" to "int32"`);
    expect(r.stdout).toContain(`${FILE}:${lineOf(V2, "message A")}:1: FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED Previously present field "3" with name "note"`);
    expect(r.stdout.trimEnd().split("\n").pop()).toMatch(/^\d+ errors?, 0 warnings in 1 file$/);
    // The working tree and index are untouched.
    expect(git(repo, "status", "--porcelain")).toBe(status);
    expect(readFileSync(path.join(repo, FILE), "utf8")).toBe(V2);
  });

  it("emits the documented JSON envelope", () => {
    const r = runEvt(["check-compat", "--against", "main", "--format", "json"], { cwd: repo });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { version: number; command: string; findings: Record<string, unknown>[]; summary: Record<string, unknown> };
    expect(Object.keys(out)).toEqual(["version", "command", "findings", "summary"]);
    expect(out.version).toBe(1);
    expect(out.command).toBe("check-compat");
    for (const f of out.findings) {
      expect(Object.keys(f)).toEqual(["ruleId", "layer", "category", "severity", "message", "file", "line", "column", "element"]);
      expect(["wire", "contract", "warehouse", "approvals"]).toContain(f.layer);
      expect(typeof f.line).toBe("number");
    }
    const amount = out.findings.find((f) => f.ruleId === "FIELD_WIRE_COMPATIBLE_TYPE")!;
    expect(amount).toMatchObject({ layer: "wire", category: "WIRE", severity: "error", file: FILE, line: lineOf(V2, "int32 amount"), column: 3, element: "t.v1.A.amount" });
    expect(out.summary).toMatchObject({ errors: out.findings.length, warnings: 0, approved: 0, failed: true });
  });

  it("emits GitHub annotations", () => {
    const r = runEvt(["check-compat", "--against", "main", "--format", "github"], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`::error file=${FILE},line=${lineOf(V2, "int32 amount")},col=3,title=FIELD_WIRE_COMPATIBLE_TYPE::`);
  });

  it("--mode FORWARD drops the backward-only break and keeps the rest", () => {
    const r = runEvt(["check-compat", "--against", "main", "--mode", "FORWARD", "--format", "json"], { cwd: repo });
    const ids = (JSON.parse(r.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId);
    expect(ids).not.toContain("FIELD_WIRE_COMPATIBLE_TYPE");
    expect(ids).toContain("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED");
  });

  it("passes (exit 0) against itself", () => {
    const r = runEvt(["check-compat", "--against", "HEAD"], { cwd: repo });
    expect(r.code).toBe(1); // the working tree differs from HEAD
    const clean = mkdtempSync(path.join(tmpdir(), "evt-compat-clean-"));
    writeTree(clean, V1);
    const same = runEvt(["check-compat", "--against", path.join(clean, "proto")], { cwd: clean });
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(same.stdout.trim()).toBe("no findings");
  });

  it("approvals make findings pass visibly; an unused approval is a warning", () => {
    const approvals = [
      { rule: "FIELD_WIRE_COMPATIBLE_TYPE", element: "t.v1.A.amount", reason: "amount never exceeds 2^31" },
      { rule: "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", element: "t.v1.A.note", reason: "field never shipped" },
      { rule: "FIELD_NO_DELETE_UNLESS_NAME_RESERVED", element: "t.v1.A.note", reason: "field never shipped" },
      { rule: "EVENT_SAME_TOPIC", element: "t.v1.Gone", reason: "stale" },
    ];
    const yaml = approvals.map((a) => `- rule: ${a.rule}\n  element: ${a.element}\n  reason: "${a.reason}"\n`).join("");
    writeFileSync(path.join(repo, "evt-approvals.yaml"), yaml);
    try {
      const r = runEvt(["check-compat", "--against", "main", "--format", "json"], { cwd: repo });
      expect(r.code, r.stdout).toBe(0);
      const out = JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string; approved?: { reason: string }; file: string; line: number }[] };
      const approved = out.findings.filter((f) => f.approved);
      expect(approved.map((f) => f.ruleId).sort()).toEqual(approvals.slice(0, 3).map((a) => a.rule).sort());
      expect(approved.find((f) => f.ruleId === "FIELD_WIRE_COMPATIBLE_TYPE")!.approved!.reason).toBe("amount never exceeds 2^31");
      const unused = out.findings.filter((f) => f.ruleId === "APPROVAL_UNUSED");
      expect(unused).toHaveLength(1);
      expect(unused[0]).toMatchObject({ severity: "warning", file: "evt-approvals.yaml", line: 10 });
      const text = runEvt(["check-compat", "--against", "main"], { cwd: repo });
      expect(text.stdout).toContain("[approved: amount never exceeds 2^31]");
    } finally {
      writeFileSync(path.join(repo, "evt-approvals.yaml"), "[]\n");
    }
  });

  it("reads a buf image baseline and a directory baseline alike", async () => {
    const base = mkdtempSync(path.join(tmpdir(), "evt-compat-base-"));
    writeTree(base, V1);
    const image = path.join(base, "base.binpb");
    writeFileSync(image, (await buildDescriptorSet(path.join(base, "proto"))).bytes);
    const fromImage = runEvt(["check-compat", "--against", image, "--format", "json"], { cwd: repo });
    const fromDir = runEvt(["check-compat", "--against", path.join(base, "proto"), "--format", "json"], { cwd: repo });
    expect(fromImage.code).toBe(1);
    const ids = (s: string): string[] => (JSON.parse(s) as { findings: { ruleId: string; line: number }[] }).findings.map((f) => `${f.ruleId}@${f.line}`);
    expect(ids(fromImage.stdout)).toEqual(ids(fromDir.stdout));
  });

  it("explains how to fetch a base ref missing from a shallow clone (exit 2)", () => {
    git(repo, "stash", "-q"); // the clone source must be committed; restored below
    try {
      git(repo, "checkout", "-q", "-b", "feature");
      writeFileSync(path.join(repo, "marker.txt"), "x");
      git(repo, "add", "marker.txt");
      git(repo, "commit", "-q", "-m", "feature");
      git(repo, "checkout", "-q", "main");
    } finally {
      git(repo, "stash", "pop", "-q");
    }
    const shallow = mkdtempSync(path.join(tmpdir(), "evt-compat-shallow-"));
    git(shallow, "clone", "-q", "--depth=1", "--single-branch", "--branch", "feature", `file://${repo}`, "c");
    const r = runEvt(["check-compat", "--against", "origin/main"], { cwd: path.join(shallow, "c") });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("git fetch --depth=1 origin main");
    expect(r.stderr).toMatch(/shallow/);
  });

  it("rejects a bad --mode with exit 2", () => {
    const r = runEvt(["check-compat", "--against", "main", "--mode", "SIDEWAYS"], { cwd: repo });
    expect(r.code).toBe(2);
  });
});
