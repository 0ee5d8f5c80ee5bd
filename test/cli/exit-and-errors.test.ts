import { describe, expect, it } from "vitest";
import { describeError, errorEnvelope, formatErrorGithub, formatErrorText } from "../../cli/error-output.js";
import { exitCodeFor } from "../../cli/exit-codes.js";
import { ConfigError, ProtoCompileError } from "../../compiler/errors.js";

describe("exitCodeFor", () => {
  it("maps every outcome to 0, 1 or 2", () => {
    expect(exitCodeFor({ ok: true })).toBe(0);
    expect(exitCodeFor({ findings: [] })).toBe(0);
    expect(exitCodeFor({ findings: [{ severity: "warning" }] })).toBe(0);
    expect(exitCodeFor({ findings: [{ severity: "error", approved: { reason: "r" } }] })).toBe(0);
    expect(exitCodeFor({ findings: [{ severity: "warning" }, { severity: "error" }] })).toBe(1);
    expect(exitCodeFor({ failed: true })).toBe(1);
    expect(exitCodeFor({ failed: false })).toBe(0);
    expect(exitCodeFor({ error: new Error("boom") })).toBe(2);
    expect(exitCodeFor({ error: new ConfigError("bad") })).toBe(2);
  });
});

describe("error output", () => {
  it("input errors: one message plus positioned diagnostics, no stack", () => {
    const d = describeError(new ProtoCompileError("proto: 1 compile error(s)", [{ file: "proto/a.proto", line: 3, column: 7, message: "syntax error" }]), "lint");
    expect(d.kind).toBe("input");
    expect(formatErrorText(d, false)).toBe("error: proto: 1 compile error(s)\n  proto/a.proto:3:7: syntax error\n");
    expect(formatErrorGithub(d)).toBe("::error file=proto/a.proto,line=3,col=7,title=evt::syntax error\n");
  });

  it("internal errors: one line, the stack only with --verbose", () => {
    const e = new TypeError("cannot read properties of undefined\nsecond line");
    const d = describeError(e, "lint");
    expect(d.kind).toBe("internal");
    const quiet = formatErrorText(d, false);
    expect(quiet).toBe("internal error: cannot read properties of undefined\n(run with --verbose for the stack trace)\n");
    const loud = formatErrorText(d, true);
    expect(loud.startsWith("internal error: cannot read properties of undefined\nTypeError:")).toBe(true);
    expect(loud).toContain("    at ");
    expect(errorEnvelope(d, false).error).not.toHaveProperty("stack");
    expect(errorEnvelope(d, true).error.stack).toContain("TypeError");
  });

  it("non-Error throws are internal too", () => {
    expect(formatErrorText(describeError("just a string", undefined), false)).toMatch(/^internal error: just a string\n/);
  });
});
