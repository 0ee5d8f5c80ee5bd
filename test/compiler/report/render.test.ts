import { describe, expect, it } from "vitest";
import {
  escapeGithubData,
  escapeGithubProperty,
  findingsEnvelope,
  formatGithubAnnotation,
  renderFindings,
  sortFindings,
  summarize,
  type Finding,
} from "../../../compiler/report/index.js";

function f(over: Partial<Finding>): Finding {
  return { ruleId: "EVT_X", layer: "lint", category: "TOPIC", severity: "error", message: "m", file: "a.proto", line: 1, column: 1, ...over };
}

describe("sortFindings", () => {
  it("orders by file, line, column, rule and drops exact duplicates", () => {
    const input = [
      f({ file: "b.proto", line: 1 }),
      f({ file: "a.proto", line: 9, column: 2 }),
      f({ file: "a.proto", line: 9, column: 1, ruleId: "EVT_B" }),
      f({ file: "a.proto", line: 9, column: 1, ruleId: "EVT_A" }),
      f({ file: "a.proto", line: 9, column: 1, ruleId: "EVT_A" }),
    ];
    const out = sortFindings(input);
    expect(out.map((x) => `${x.file}:${x.line}:${x.column}:${x.ruleId}`)).toEqual([
      "a.proto:9:1:EVT_A",
      "a.proto:9:1:EVT_B",
      "a.proto:9:2:EVT_X",
      "b.proto:1:1:EVT_X",
    ]);
  });

  it("keeps the unapproved copy when duplicates differ only in approval", () => {
    const out = sortFindings([f({ approved: { reason: "ok" } }), f({})]);
    expect(out).toHaveLength(1);
    expect(out[0]!.approved).toBeUndefined();
  });

  it("keeps findings that differ only in element", () => {
    expect(sortFindings([f({ element: "a.B" }), f({ element: "a.C" })])).toHaveLength(2);
  });
});

describe("summarize", () => {
  it("counts unapproved errors, warnings and approvals separately", () => {
    const s = summarize([f({}), f({ severity: "warning", file: "b.proto" }), f({ approved: { reason: "r" }, line: 3 })]);
    expect(s).toEqual({ total: 3, errors: 1, warnings: 1, approved: 1, files: 2, failed: true });
    expect(summarize([f({ severity: "warning" })]).failed).toBe(false);
  });
});

describe("text", () => {
  it("prints file:line:col: RULE_ID message and a summary", () => {
    const out = renderFindings(
      [f({ file: "o.proto", line: 3, column: 5, ruleId: "EVT_TOPIC_MISSING", message: "event a.B has no topic" }), f({ severity: "warning", line: 7 })],
      "text",
      { command: "lint" },
    );
    expect(out).toBe("a.proto:7:1: EVT_X m [warning]\no.proto:3:5: EVT_TOPIC_MISSING event a.B has no topic\n\n1 error, 1 warning in 2 files\n");
  });

  it("separates files for check-compat, every line starting with file:line:col, and marks approvals", () => {
    const out = renderFindings([f({ file: "b.proto" }), f({ approved: { reason: "planned" } })], "text", { command: "check-compat", groupByFile: true });
    expect(out).toBe("a.proto:1:1: EVT_X m [approved: planned]\n\nb.proto:1:1: EVT_X m\n\n1 error, 0 warnings, 1 approved in 2 files\n");
  });

  it("says no findings when empty", () => {
    expect(renderFindings([], "text", { command: "lint" })).toBe("no findings\n");
  });
});

describe("json", () => {
  it("emits the versioned envelope with a fixed key order and no undefined keys", () => {
    const env = findingsEnvelope([f({ element: "a.B", endLine: 2, endColumn: 4 }), f({ line: 0, column: 0 })], { command: "lint" });
    expect(env.version).toBe(1);
    expect(env.command).toBe("lint");
    expect(Object.keys(env.findings[1]!)).toEqual(["ruleId", "layer", "category", "severity", "message", "file", "line", "column", "endLine", "endColumn", "element"]);
    expect(Object.keys(env.findings[0]!)).not.toContain("approved");
    expect(env.summary).toEqual({ total: 2, errors: 2, warnings: 0, approved: 0, files: 1, failed: true });
    const text = renderFindings([f({})], "json", { command: "lint" });
    expect(JSON.parse(text)).toEqual(findingsEnvelope([f({})], { command: "lint" }));
  });
});

describe("github", () => {
  it("escapes data and property values per GitHub's rules", () => {
    expect(escapeGithubData("100%\r\nok: a,b")).toBe("100%25%0D%0Aok: a,b");
    expect(escapeGithubProperty("a:b,c%\n")).toBe("a%3Ab%2Cc%25%0A");
  });

  it("renders errors, warnings and approved findings with positions and the rule as title", () => {
    expect(formatGithubAnnotation(f({ file: "x,y.proto", line: 3, column: 4, ruleId: "EVT_A", message: "bad: 50%\nnext" }))).toBe(
      "::error file=x%2Cy.proto,line=3,col=4,title=EVT_A::bad: 50%25%0Anext",
    );
    expect(formatGithubAnnotation(f({ severity: "warning", endLine: 5, endColumn: 6 }))).toBe("::warning file=a.proto,line=1,col=1,endLine=5,endColumn=6,title=EVT_X::m");
    expect(formatGithubAnnotation(f({ approved: { reason: "ok" } }))).toBe("::notice file=a.proto,line=1,col=1,title=EVT_X::m (approved: ok)");
    expect(formatGithubAnnotation(f({ line: 0, column: 0 }))).toBe("::error file=a.proto,title=EVT_X::m");
  });

  it("ends with the summary line", () => {
    expect(renderFindings([f({})], "github", { command: "lint" })).toBe("::error file=a.proto,line=1,col=1,title=EVT_X::m\n1 error, 0 warnings in 1 file\n");
  });
});
