/** `evt history record` and the transitive check it feeds, through the built CLI. */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { historyLabel, nextHistoryNumber } from "../../compiler/history/record.js";
import { writeProtoTree } from "../helpers/compile-proto.js";
import { runEvt } from "../helpers/run-cli.js";

const contract = (body: string): string => `syntax = "proto3";
package h.v1;
import "evt/v1/options.proto";
// A versioned event.
message Pinged {
  option (evt.v1.event) = { topic: "h.pinged.v1" key: "id" owner: "team-h" compatibility: BACKWARD_TRANSITIVE };
  // Id.
  string id = 1;
${body}
}
`;

describe("evt history record", () => {
  it("records numbered images, skips an unchanged tree, and transitive checks read every recorded version", () => {
    const project = mkdtempSync(path.join(tmpdir(), "evt-history-"));
    const proto = writeProtoTree({ "h/v1/h.proto": contract("  // Amount.\n  string amount = 2;") });
    writeFileSync(path.join(project, "evt.yaml"), `proto: ${proto}\n`);
    const file = path.join(proto, "h/v1/h.proto");
    const history = path.join(project, ".evt", "history");

    const v1 = runEvt(["history", "record", "--label", "v1.0.0"], { cwd: project });
    expect(v1.code, v1.stderr).toBe(0);
    expect(v1.stdout).toContain("recorded .evt/history/0001-v1.0.0.binpb");
    const again = runEvt(["history", "record", "--label", "v1.0.1"], { cwd: project });
    expect(again.stdout).toContain("contracts unchanged since .evt/history/0001-v1.0.0.binpb");

    // v2 removes the field properly (number and name reserved): compatible with v1.
    writeFileSync(file, contract('  reserved 2;\n  reserved "amount";'));
    expect(runEvt(["history", "record", "--label", "v2"], { cwd: project }).code).toBe(0);
    expect(readdirSync(history).sort()).toEqual(["0001-v1.0.0.binpb", "0002-v2.binpb"]);

    // v3 drops the reservation and reuses number 2 with another type. Against v2 alone it is a
    // reserved-range deletion; only the transitive check against v1 sees the type change of field 2.
    writeFileSync(file, contract("  // Amount in cents.\n  int64 amount = 2;"));
    const check = runEvt(["check-compat", "--against", path.join(history, "0002-v2.binpb"), "--format", "json"], { cwd: project });
    expect(check.code, check.stderr).toBe(1);
    const findings = JSON.parse(check.stdout).findings as { ruleId: string; message: string }[];
    expect(findings.some((f) => f.ruleId === "FIELD_WIRE_COMPATIBLE_TYPE" && f.message.includes("0001-v1.0.0.binpb"))).toBe(true);
  });

  it("numbers after the highest existing image and sanitises labels", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "evt-history-n-"));
    expect(nextHistoryNumber(path.join(dir, "missing"))).toBe(1);
    writeFileSync(path.join(dir, "0007-old.binpb"), "");
    writeFileSync(path.join(dir, "notes.txt"), "");
    expect(nextHistoryNumber(dir)).toBe(8);
    expect(historyLabel(" release 1/2 ")).toBe("release-1-2");
    expect(() => historyLabel("///")).toThrow(/no usable characters/);
  });
});
