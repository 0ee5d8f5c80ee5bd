import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { positionOf, writeProtoTree } from "../helpers/compile-proto.js";
import { runEvt } from "../helpers/run-cli.js";

const HEADER = 'syntax = "proto3";\npackage t.v1;\nimport "evt/v1/options.proto";\n';

/** A project dir (cwd for evt) whose `proto/` holds `files` plus the vocabulary. */
function project(files: Record<string, string>): string {
  const protoDir = writeProtoTree(files);
  const dir = path.dirname(protoDir);
  // writeProtoTree makes a temp dir; evt reads ./proto by default, so point evt.yaml at it.
  const cwd = mkdtempSync(path.join(tmpdir(), "evt-cli-"));
  writeFileSync(path.join(cwd, "evt.yaml"), `proto: ${JSON.stringify(path.relative(cwd, protoDir) || dir)}\n`);
  return cwd;
}

const GOOD = HEADER + `
// Placed.
message Placed {
  option (evt.v1.event) = { topic: "t.placed.v1" key: "id" owner: "team-a" };
  string id = 1;
}
`;
const BAD_TOPIC = GOOD.replace('topic: "t.placed.v1"', 'topic: "Bad Topic"');

describe("evt --help", () => {
  it("lists the commands at the root", () => {
    const r = runEvt(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/USAGE\s+\$ evt \[COMMAND\]/);
    expect(r.stdout).toMatch(/\blint\b.*annotation and naming rules/);
  });

  it("shows lint's global and output flags", () => {
    const r = runEvt(["lint", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["--config=FILE", "--verbose", "--json", "--format=<option>", "text|json|github"]) expect(r.stdout).toContain(flag);
  });
});

describe("usage errors exit 2", () => {
  it("unknown flag: one sentence naming the command, a did-you-mean and the help hint", () => {
    const r = runEvt(["lint", "--no-such-flag"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: --no-such-flag is not a flag of evt lint. See evt lint --help.\n");
    expect(r.stdout).toBe("");
    expect(runEvt(["lint", "--formt", "json"]).stderr).toBe("error: --formt is not a flag of evt lint. Did you mean --format? See evt lint --help.\n");
  });

  it("bad --format value", () => {
    const r = runEvt(["lint", "--format", "jsno"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --format jsno is not one of: text, json, github. Did you mean "json"? See evt lint --help.\n');
  });

  it("unknown command: did-you-mean for a typo (evt ddl aply), the command list otherwise", () => {
    const r = runEvt(["no-such-command"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: evt no-such-command is not an evt command. Run evt --help for the list of commands.\n");
    const typo = runEvt(["ddl", "aply"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("error: evt ddl aply is not an evt command. Did you mean evt ddl apply?\n");
    const stray = runEvt(["generate", "extra"]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toBe('error: evt generate takes no argument "extra". See evt generate --help.\n');
  });

  it("missing required flag: says what to add, as a sentence (not oclif's 'The following error occurred')", () => {
    const r = runEvt(["check-compat"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: evt check-compat needs --against REF. Baseline: git ref, proto directory, or buf image file. See evt check-compat --help.\n");
  });

  it("--mode takes mode names in any case (as buf and Confluent do), with did-you-mean for a typo", () => {
    const ok = runEvt(["check-compat", "--against", "proto", "--mode", "full"]);
    expect(ok.code, ok.stderr).toBe(0);
    const typo = runEvt(["check-compat", "--against", "proto", "--mode", "fulll"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: --mode "fulll" is not one of: BACKWARD, FORWARD, FULL, .*\. Did you mean "FULL"\? See evt check-compat --help\.\n$/);
  });

  it("missing --config file", () => {
    const r = runEvt(["lint", "--config", "does-not-exist.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: config file does-not-exist.yaml does not exist");
  });
});

describe("input errors exit 2 with one clear message", () => {
  it("missing proto root", () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "evt-cli-"));
    const r = runEvt(["lint"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: proto root .*proto does not exist or is not a directory\n/);
    expect(r.stderr).not.toContain("    at ");
  });

  it("no proto files", () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "evt-cli-"));
    mkdirSync(path.join(cwd, "proto"));
    const r = runEvt(["lint"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no .proto files found under");
  });

  it.each([
    ["syntax error", HEADER + "message A {\n  string id = 1\n}\n", /t\/v1\/t\.proto:6:1: unexpected `}`/],
    ["missing import", HEADER + 'import "nope/v1/missing.proto";\nmessage A { string id = 1; }\n', /t\/v1\/t\.proto:4:1: import "nope\/v1\/missing\.proto" not found/],
    ["unknown option", HEADER + 'message A {\n  option (evt.v1.evnt) = { topic: "a.b" };\n  string id = 1;\n}\n', /t\/v1\/t\.proto:5:11: cannot find `evt\.v1\.evnt`/],
  ])("%s → file:line:col", (_name, text, pattern) => {
    const cwd = project({ "t/v1/t.proto": text });
    const r = runEvt(["lint"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*(compile error|imports "nope\/v1\/missing\.proto", which is not under)/);
    expect(r.stderr).toMatch(pattern);
  });

  it("broken evt.yaml → file:line:col of the key", () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "evt-cli-"));
    writeFileSync(path.join(cwd, "evt.yaml"), "out: generated\nkafka:\n  brokerz: [a:1]\n");
    const r = runEvt(["lint"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("evt.yaml:3:3: kafka.brokerz: unknown key");
  });

  it("prints the error envelope on stdout with --format json", () => {
    const cwd = project({ "t/v1/t.proto": HEADER + "message A {\n  string id = 1\n}\n" });
    const r = runEvt(["lint", "--format", "json"], { cwd });
    expect(r.code).toBe(2);
    const env = JSON.parse(r.stdout);
    expect(env.version).toBe(1);
    expect(env.error).toMatchObject({ kind: "input", name: "ProtoCompileError" });
    expect(env.error.diagnostics[0]).toMatchObject({ line: 6, column: 1 });
    expect(env.error.diagnostics[0].file).toMatch(/t\/v1\/t\.proto$/);
  });
});

describe("findings", () => {
  it("clean tree exits 0", () => {
    const r = runEvt(["lint"], { cwd: project({ "t/v1/t.proto": GOOD }) });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("no findings\n");
  });

  it("text: file:line:col: RULE_ID message, exit 1", () => {
    const cwd = project({ "t/v1/t.proto": BAD_TOPIC });
    const r = runEvt(["lint"], { cwd });
    expect(r.code).toBe(1);
    const at = positionOf(BAD_TOPIC, "(evt.v1.event)");
    expect(r.stdout).toMatch(new RegExp(`^\\S*t/v1/t\\.proto:${at.line}:${at.column}: EVT_TOPIC_NAME topic "Bad Topic" of t\\.v1\\.Placed is not lower-case`));
    expect(r.stdout.trim().split("\n").at(-1)).toBe("1 error, 0 warnings in 1 file");
  });

  it("json: the documented envelope; --json prints the same", () => {
    const cwd = project({ "t/v1/t.proto": BAD_TOPIC });
    const r = runEvt(["lint", "--format", "json"], { cwd });
    expect(r.code).toBe(1);
    const env = JSON.parse(r.stdout);
    expect(Object.keys(env)).toEqual(["version", "command", "findings", "summary"]);
    expect(env.version).toBe(1);
    expect(env.command).toBe("lint");
    expect(env.findings).toHaveLength(1);
    expect(env.findings[0]).toMatchObject({ ruleId: "EVT_TOPIC_NAME", layer: "lint", category: "TOPIC", severity: "error", element: "t.v1.Placed" });
    expect(env.summary).toEqual({ total: 1, errors: 1, warnings: 0, approved: 0, files: 1, failed: true });
    const j = runEvt(["lint", "--json"], { cwd });
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual(env);
  });

  it("github: workflow annotations", () => {
    const cwd = project({ "t/v1/t.proto": BAD_TOPIC });
    const r = runEvt(["lint", "--format", "github"], { cwd });
    expect(r.code).toBe(1);
    const at = positionOf(BAD_TOPIC, "(evt.v1.event)");
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^::error file=\\S*t/v1/t\\.proto,line=${at.line},col=${at.column},title=EVT_TOPIC_NAME::topic "Bad Topic" of t\\.v1\\.Placed`));
    expect(lines.at(-1)).toBe("1 error, 0 warnings in 1 file");
  });

  it("--verbose logs progress to stderr only", () => {
    const r = runEvt(["lint", "--verbose", "--format", "json"], { cwd: project({ "t/v1/t.proto": GOOD }) });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/evt: 1 events in 1 files/);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
  });
});
