/** Issue 9 item 12: every path evt prints is relative to the current directory. */
import { cpSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { relativeToCwd } from "../../cli/relative-paths.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { runEvt } from "../helpers/run-cli.js";

describe("relativeToCwd", () => {
  it("shortens paths under the cwd, leaves others and look-alike prefixes alone", () => {
    const cwd = "/work/repo";
    expect(relativeToCwd("generating from /work/repo/proto into /work/repo/generated", cwd)).toBe("generating from proto into generated");
    expect(relativeToCwd("in /work/repo: done", cwd)).toBe("in .: done");
    expect(relativeToCwd("/work/repo2/x and /tmp/y", cwd)).toBe("/work/repo2/x and /tmp/y");
  });
});

describe("commands print relative paths", () => {
  const project = (): string => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "evt-rel-")));
    cpSync(path.join(REPO_ROOT, "proto"), path.join(dir, "proto"), { recursive: true });
    return dir;
  };

  it("generate --verbose, a missing proto root via --config, and history record name no absolute path under the cwd", () => {
    const cwd = project();
    const gen = runEvt(["generate", "--verbose"], { cwd });
    expect(gen.code, gen.stderr).toBe(0);
    expect(gen.stderr).toContain("evt: generating from proto into generated");
    mkdirSync(path.join(cwd, "sub"));
    writeFileSync(path.join(cwd, "sub", "evt.yaml"), "proto: nothere\n");
    const lint = runEvt(["lint", "--config", "sub/evt.yaml"], { cwd });
    expect(lint.code).toBe(2);
    expect(lint.stderr).toBe("error: proto root sub/nothere does not exist or is not a directory\n");
    const rec = runEvt(["history", "record"], { cwd });
    expect(rec.code, rec.stderr).toBe(0);
    for (const out of [gen.stdout, gen.stderr, lint.stderr, rec.stdout, rec.stderr]) expect(out).not.toContain(cwd);
  });
});
