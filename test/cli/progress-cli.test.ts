/**
 * Long commands show progress to a person at a terminal and stay quiet elsewhere (issue 15 item
 * 4): the built `evt` runs under a real pseudo-terminal (util-linux `script`), under CI, with
 * `--quiet`, and with plain pipes.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSyntheticSpec, writeSyntheticCatalog } from "../../bench/synthetic/catalog.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { runEvt } from "../helpers/run-cli.js";

const CLEAR = "\r\u001b[2K";
const EVENTS = 30;

/** `evt ARGS` with stdout and stderr on a pseudo-terminal; returns what the terminal showed. */
function runInTerminal(args: readonly string[], cwd: string, env: Record<string, string> = {}): { code: number | null; screen: string } {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, path.join(REPO_ROOT, "bin", "run.js"), ...args].map(quote).join(" ");
  const { CI: _ci, ...rest } = process.env; // the test suite itself may run under CI
  const res = spawnSync("script", ["--quiet", "--return", "--flush", "--command", command, "/dev/null"], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...rest, TERM: "xterm-256color", NO_COLOR: "1", ...env },
    timeout: 60_000,
  });
  if (res.error) throw res.error;
  return { code: res.status, screen: res.stdout };
}

/** Everything the terminal shows after the last progress line was cleared. */
const afterProgress = (screen: string): string => screen.slice(screen.lastIndexOf(CLEAR) + CLEAR.length);

let project: string;

beforeAll(() => {
  project = mkdtempSync(path.join(tmpdir(), "evt-progress-"));
  writeSyntheticCatalog(path.join(project, "proto"), buildSyntheticSpec({ events: EVENTS, seed: 1 }));
  cpSync(path.join(project, "proto"), path.join(project, "baseline"), { recursive: true });
  writeFileSync(path.join(project, "evt.yaml"), "proto: proto\nout: generated\n");
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("evt generate", () => {
  it("on a terminal: each step with its counts, overwritten in place, cleared before the summary", () => {
    const { code, screen } = runInTerminal(["generate"], project);
    expect(code).toBe(0);
    for (const step of [
      "evt generate: comparing the inputs with the last run (",
      "evt generate: compiling proto with buf (",
      "evt generate: modelling ",
      `evt generate: generating code and DDL for ${EVENTS} events (`,
      "evt generate: writing ",
    ]) {
      expect(screen).toContain(`${CLEAR}${step}`);
    }
    expect(screen).toMatch(/\(\d+\.\d s\)/);
    expect(afterProgress(screen)).toMatch(/^[\s\S]*wrote \d+ files to generated/);
    expect(afterProgress(screen)).not.toContain("evt generate:");
  });

  it("on a terminal under CI: no progress, the summary only", () => {
    const { code, screen } = runInTerminal(["generate"], project, { CI: "true" });
    expect(code).toBe(0);
    expect(screen).not.toContain("evt generate:");
    expect(screen).not.toContain("\u001b[");
    expect(screen).toMatch(/generated is up to date/);
  });

  it("on a terminal with --quiet: nothing at all", () => {
    const { code, screen } = runInTerminal(["generate", "--quiet", "--force"], project);
    expect(code).toBe(0);
    expect(screen).toBe("");
  });

  it("through pipes: no progress on stderr", () => {
    rmSync(path.join(project, ".cache"), { recursive: true, force: true }); // a full run, every step taken
    const r = runEvt(["generate"], { cwd: project, env: { CI: "" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/generated is up to date/);
  });
});

describe("evt check-compat", () => {
  it("on a terminal: the steps, then the findings' summary alone", () => {
    const { code, screen } = runInTerminal(["check-compat", "--against", "baseline"], project);
    expect(code).toBe(0);
    expect(screen).toContain(`${CLEAR}evt check-compat: compiling proto with buf, loading baseline (`);
    expect(screen).toContain(`${CLEAR}evt check-compat: checking ${EVENTS} events against baseline (`);
    expect(afterProgress(screen)).not.toContain("evt check-compat:");
  });

  it("through pipes, or with --quiet: no progress", () => {
    const piped = runEvt(["check-compat", "--against", "baseline"], { cwd: project, env: { CI: "" } });
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe("");
    const quiet = runInTerminal(["check-compat", "--against", "baseline", "--quiet"], project);
    expect(quiet.screen).not.toContain("evt check-compat:");
    expect(quiet.screen.replace(/\r/g, "")).toBe(piped.stdout); // the findings are printed as always
  });
});

describe("evt ddl apply", () => {
  it("on a terminal: the tables counted as they are applied; through pipes and with --quiet: no progress", () => {
    const db = (name: string): string[] => ["--target", "duckdb", "--duckdb-path", path.join(project, `${name}.duckdb`)];
    const { code, screen } = runInTerminal(["ddl", "apply", ...db("tty")], project);
    expect(code).toBe(0);
    expect(screen).toContain(`${CLEAR}evt ddl apply: opening `);
    expect(screen).toMatch(/evt ddl apply: applying tables \d+\/\d+ \(/);
    expect(afterProgress(screen)).toMatch(/^applied \d+ table file\(s\) to duckdb/);

    const piped = runEvt(["ddl", "apply", ...db("piped")], { cwd: project, env: { CI: "" } });
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe("");
    expect(piped.stdout).toMatch(/^applied \d+ table file\(s\) to duckdb/);

    const quiet = runInTerminal(["ddl", "apply", "--quiet", ...db("quiet")], project);
    expect(quiet.code).toBe(0);
    expect(quiet.screen).toBe("");
  });
});
