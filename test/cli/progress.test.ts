/** The progress line of long commands (cli/progress.ts): drawn on a terminal only. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createProgress, formatElapsed, isCi, progressEnabled, type ProgressStream } from "../../cli/progress.js";

const CLEAR = "\r\u001b[2K";

function fakeStream(isTTY: boolean, columns = 80): ProgressStream & { readonly out: string[] } {
  const out: string[] = [];
  return { isTTY, columns, out, write: (s: string) => out.push(s) };
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

afterEach(() => vi.useRealTimers());

describe("progress on a terminal", () => {
  it("draws each step over the last one, with its count and the elapsed time, and clears it when done", () => {
    const stream = fakeStream(true);
    const c = clock();
    const p = createProgress({ command: "ddl apply", stream, env: {}, now: c.now });
    expect(p.enabled).toBe(true);
    p.step("opening .evt/warehouse.duckdb");
    c.advance(1_250);
    p.step("applying tables", { done: 3, total: 12 });
    p.done();
    expect(stream.out).toEqual([
      `${CLEAR}evt ddl apply: opening .evt/warehouse.duckdb (0.0 s)`,
      `${CLEAR}evt ddl apply: applying tables 3/12 (1.3 s)`,
      CLEAR,
    ]);
    p.done(); // idempotent: nothing more is written
    expect(stream.out).toHaveLength(3);
  });

  it("redraws the elapsed time while a step lasts", () => {
    vi.useFakeTimers();
    const stream = fakeStream(true);
    const c = clock();
    const p = createProgress({ command: "generate", stream, env: {}, now: c.now, intervalMs: 100 });
    p.step("compiling proto with buf");
    c.advance(2_000);
    vi.advanceTimersByTime(100);
    expect(stream.out.at(-1)).toBe(`${CLEAR}evt generate: compiling proto with buf (2.0 s)`);
    p.done();
    const drawn = stream.out.length;
    vi.advanceTimersByTime(1_000);
    expect(stream.out).toHaveLength(drawn); // the timer stopped with done()
  });

  it("prints a lasting line (a --verbose message) above the progress line and redraws it", () => {
    const stream = fakeStream(true);
    const c = clock();
    const p = createProgress({ command: "generate", stream, env: {}, now: c.now });
    p.step("checking 12 output files");
    p.log("evt: generating from proto into generated");
    expect(stream.out.slice(1)).toEqual([CLEAR, "evt: generating from proto into generated\n", `${CLEAR}evt generate: checking 12 output files (0.0 s)`]);
    p.done();
  });

  it("never wraps: a line wider than the terminal is cut to its width", () => {
    const stream = fakeStream(true, 40);
    const p = createProgress({ command: "check-compat", stream, env: {}, now: () => 0 });
    p.step("checking 1000 events against origin/main (0123456789ab)");
    const line = stream.out[0]!.slice(CLEAR.length);
    expect(line.length).toBe(39);
    expect(line.endsWith("…")).toBe(true);
    p.done();
  });

  it("assumes 80 columns on a terminal that reports none (a pty without a size)", () => {
    const stream = fakeStream(true, 0);
    const p = createProgress({ command: "generate", stream, env: {}, now: () => 0 });
    p.step("x".repeat(100));
    expect(stream.out[0]!.length - CLEAR.length).toBe(79);
    p.done();
  });
});

describe("progress stays quiet", () => {
  const cases: [string, ReturnType<typeof fakeStream>, NodeJS.ProcessEnv, { quiet?: boolean; json?: boolean }][] = [
    ["off a terminal (a pipe, a log file)", fakeStream(false), {}, {}],
    ["under CI", fakeStream(true), { CI: "true" }, {}],
    ["under CI=1", fakeStream(true), { CI: "1" }, {}],
    ["on a dumb terminal", fakeStream(true), { TERM: "dumb" }, {}],
    ["with --quiet", fakeStream(true), {}, { quiet: true }],
    ["with --json", fakeStream(true), {}, { json: true }],
  ];
  it.each(cases)("%s", (_name, stream, env, flags) => {
    const p = createProgress({ command: "generate", stream, env, ...flags });
    expect(p.enabled).toBe(false);
    p.step("compiling proto with buf");
    p.step("applying tables", { done: 1, total: 2 });
    p.done();
    expect(stream.out).toEqual([]);
  });

  it("still prints lasting lines (--verbose) when it draws nothing", () => {
    const stream = fakeStream(false);
    createProgress({ command: "generate", stream, env: {} }).log("evt: opening DuckDB x");
    expect(stream.out).toEqual(["evt: opening DuckDB x\n"]);
  });

  it("reads CI as set unless empty, 0 or false", () => {
    expect([undefined, "", "0", "false", "FALSE"].map((v) => isCi(v === undefined ? {} : { CI: v }))).toEqual([false, false, false, false, false]);
    expect(["true", "1", "yes", "woodpecker"].map((v) => isCi({ CI: v }))).toEqual([true, true, true, true]);
    expect(progressEnabled(fakeStream(true), { CI: "false" }, {})).toBe(true);
  });
});

describe("elapsed time", () => {
  it("reads in tenths of seconds, then minutes", () => {
    expect(formatElapsed(0)).toBe("0.0 s");
    expect(formatElapsed(12_345)).toBe("12.3 s");
    expect(formatElapsed(125_000)).toBe("2 min 05 s");
  });
});
