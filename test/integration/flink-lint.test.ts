/**
 * `evt lint` over processor files, planned by Flink's own planner (a real JVM): a wrong column,
 * a type that does not fit the output contract and an unknown input contract each become a finding
 * at its file:line:col in the YAML, and lint exits 1. The example processors lint clean.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/compile-proto.js";

const GOOD = readFileSync(path.join(REPO_ROOT, "processors", "sessionize.yaml"), "utf8");

/** [file, text]; `mark` is the text a finding must point at (first char), on the line containing it. */
const CASES = {
  // a column page_viewed does not have
  "wrong-column.yaml": { text: GOOD.replace("SELECT anonymous_id, device.platform AS platform, page_name, event_time", "SELECT anonymous_id, device.platform AS platform, page_title, event_time"), mark: "page_title", rule: "EVT_PROCESSOR_SQL" },
  // page_count is BIGINT in the contract, this makes it a STRING
  "type-mismatch.yaml": { text: GOOD.replace("COUNT(*) AS page_count", "CAST(COUNT(*) AS STRING) AS page_count"), mark: "page_count", rule: "EVT_PROCESSOR_OUTPUT" },
  "unknown-input.yaml": { text: GOOD.replace("contract: clickstream.v1.PageViewed", "contract: clickstream.v1.PageView"), mark: "clickstream.v1.PageView", rule: "EVT_PROCESSOR_CONTRACT" },
} as const;

function positionOf(text: string, needle: string): { line: number; column: number } {
  const i = text.indexOf(needle);
  const before = text.slice(0, i).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

describe("evt lint: processor files (Flink planner)", () => {
  let cwd: string;
  let result: { code: number | null; stdout: string; stderr: string };

  beforeAll(() => {
    cwd = mkdtempSync(path.join(tmpdir(), "evt-flint-"));
    mkdirSync(path.join(cwd, "processors"));
    writeFileSync(path.join(cwd, "processors", "sessionize.yaml"), GOOD);
    // a second clean processor: two plans share one --out
    writeFileSync(path.join(cwd, "processors", "second.yaml"), GOOD);
    for (const [file, c] of Object.entries(CASES)) writeFileSync(path.join(cwd, "processors", file), c.text);
    writeFileSync(path.join(cwd, "evt.yaml"), `proto: ${path.join(REPO_ROOT, "proto")}\nout: ${path.join(REPO_ROOT, "generated")}\nflink:\n  java: true\n`);
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "run.js"), "lint", "--format", "json"], { cwd, encoding: "utf8", timeout: 420_000 });
    result = { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }, 450_000);

  it("exits 1 with one positioned finding per broken processor and none for the good one", () => {
    expect(result.code, result.stderr).toBe(1);
    const findings = (JSON.parse(result.stdout) as { findings: { ruleId: string; file: string; line: number; column: number; message: string }[] }).findings;
    expect(findings.filter((f) => f.file.endsWith("sessionize.yaml") || f.file.endsWith("second.yaml"))).toEqual([]);
    for (const [file, c] of Object.entries(CASES)) {
      const mine = findings.filter((f) => f.file === path.join("processors", file));
      expect(mine, `${file}: ${JSON.stringify(findings)}`).toHaveLength(1);
      expect(mine[0]).toMatchObject({ ruleId: c.rule, ...positionOf(c.text, c.mark) });
    }
    const byFile = Object.fromEntries(findings.map((f) => [path.basename(f.file), f.message]));
    expect(byFile["wrong-column.yaml"]).toMatch(/page_title/);
    expect(byFile["type-mismatch.yaml"]).toMatch(/page_count.*STRING.*BIGINT/);
    expect(byFile["unknown-input.yaml"]).toMatch(/clickstream\.v1\.PageView is not an event.*did you mean clickstream\.v1\.PageViewed/);
  });

  it("prints file:line:col: RULE message in text format", () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "run.js"), "lint"], { cwd, encoding: "utf8", timeout: 420_000 });
    expect(r.status).toBe(1);
    const { line, column } = positionOf(CASES["unknown-input.yaml"].text, CASES["unknown-input.yaml"].mark);
    expect(r.stdout).toContain(`processors/unknown-input.yaml:${line}:${column}: EVT_PROCESSOR_CONTRACT`);
  }, 450_000);

  it("evt flink plan writes the SQL script and jar list; a processor with findings exits 2 with its position", () => {
    const out = path.join(cwd, "plan");
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "run.js"), "flink", "plan", "sessionize", "--out", out], { cwd, encoding: "utf8", timeout: 420_000 });
    expect(r.status, r.stderr).toBe(0);
    const sql = readFileSync(path.join(out, "sessionize.sql"), "utf8");
    expect(sql).toContain("SET 'table.local-time-zone' = 'UTC';");
    expect(sql).toContain("CREATE TABLE `page_viewed` (");
    expect(sql).toContain("CREATE TABLE `evt_output` (");
    expect(sql).toMatch(/INSERT INTO `evt_output` \(.*`headers`\)/);
    const jars = readFileSync(path.join(out, "sessionize.jars.txt"), "utf8").trim().split("\n");
    expect(jars.map((j) => path.basename(j))).toEqual(["flink-sql-connector-kafka-5.0.0-2.2.jar", "flink-protobuf-2.2.0.jar", "protobuf-java-4.32.1.jar", "evt-contracts-1.jar"]);
    for (const j of jars) expect(existsSync(j), j).toBe(true);

    const bad = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "run.js"), "flink", "plan", "unknown-input"], { cwd, encoding: "utf8", timeout: 420_000 });
    expect(bad.status).toBe(2);
    const { line, column } = positionOf(CASES["unknown-input.yaml"].text, CASES["unknown-input.yaml"].mark);
    expect(bad.stderr).toContain(`processors/unknown-input.yaml:${line}:${column}`);
  }, 450_000);

  it("evt flink plan writes only where it owns the files (the output manifest): foreign directories and files are refused, exit 2", () => {
    const plan = (name: string, out: string, ...extra: string[]) => {
      const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "run.js"), "flink", "plan", name, "--out", out, ...extra], { cwd, encoding: "utf8", timeout: 420_000 });
      return { code: r.status, stderr: r.stderr };
    };
    const oneLine = (stderr: string): string => {
      expect(stderr.trim().split("\n"), stderr).toHaveLength(1);
      return stderr.trim();
    };
    // a directory evt did not create: refused, untouched
    const foreign = path.join(cwd, "deploy");
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, "notes.txt"), "mine\n");
    let r = plan("sessionize", foreign);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^error: output directory .*deploy is not empty and has no \.evt-manifest\.json, so evt did not create it/);
    expect(readdirSync(foreign)).toEqual(["notes.txt"]);

    // plan/ (written by the test above) has a manifest; a user's second.sql there is not evt's
    const out = path.join(cwd, "plan");
    const manifest = (): Record<string, string> => (JSON.parse(readFileSync(path.join(out, ".evt-manifest.json"), "utf8")) as { files: Record<string, string> }).files;
    expect(Object.keys(manifest())).toEqual(["sessionize.jars.txt", "sessionize.sql"]);
    writeFileSync(path.join(out, "second.sql"), "-- my own script\n");
    writeFileSync(path.join(out, "README.md"), "# deploy notes\n");
    r = plan("second", out);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/second\.sql is not listed in \.evt-manifest\.json, so evt did not write it and will not replace it/);
    expect(readFileSync(path.join(out, "second.sql"), "utf8")).toBe("-- my own script\n");

    // without the user's file it writes, keeping the other processor's files and the user's README
    rmSync(path.join(out, "second.sql"));
    r = plan("second", out);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(manifest())).toEqual(["second.jars.txt", "second.sql", "sessionize.jars.txt", "sessionize.sql"]);
    expect(readFileSync(path.join(out, "sessionize.sql"), "utf8")).toContain("CREATE TABLE `evt_output` (");
    expect(readFileSync(path.join(out, "README.md"), "utf8")).toBe("# deploy notes\n");

    // a script edited since evt wrote it is not overwritten without --force
    writeFileSync(path.join(out, "sessionize.sql"), "-- tuned by hand\n");
    r = plan("sessionize", out);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/sessionize\.sql was edited after evt wrote it\. .*--force/);
    expect(readFileSync(path.join(out, "sessionize.sql"), "utf8")).toBe("-- tuned by hand\n");
  }, 450_000);
});
