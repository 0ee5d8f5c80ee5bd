import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { lintProject } from "../../../compiler/rules/lint/index.js";
import { positionOf, REPO_ROOT } from "../../helpers/compile-proto.js";

function copyExample(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "evt-example-"));
  cpSync(path.join(REPO_ROOT, "proto"), dir, { recursive: true });
  return dir;
}

describe("lint on the example catalog", () => {
  it("finds nothing in the catalog as committed", async () => {
    const { findings, catalog } = await lintProject({ root: path.join(REPO_ROOT, "proto"), displayRoot: "" });
    expect(catalog.events.length).toBeGreaterThan(10);
    expect(findings).toEqual([]);
  });

  it("names one planted mistake with its rule id and position", async () => {
    const dir = copyExample();
    const file = path.join(dir, "orders", "v1", "orders.proto");
    const text = readFileSync(file, "utf8").replace('topic: "orders.order_placed.v1"', 'topic: "Orders.OrderPlaced"');
    writeFileSync(file, text);
    const { findings } = await lintProject({ root: dir, displayRoot: "" });
    // The option of the first message in the file is OrderPlaced's.
    const at = positionOf(text, "(evt.v1.event)");
    expect(findings.map((f) => [f.ruleId, f.file, f.line, f.column, f.element])).toEqual([
      ["EVT_TOPIC_NAME", "orders/v1/orders.proto", at.line, at.column, "orders.v1.OrderPlaced"],
    ]);
  });

  it("names a planted UPSERT on a key-less event at the sink", async () => {
    const dir = copyExample();
    const file = path.join(dir, "clickstream", "v1", "clickstream.proto");
    const original = readFileSync(file, "utf8");
    // Make the first sink of the file UPSERT and drop the event's key, if it has one.
    const firstOption = original.indexOf("(evt.v1.event)");
    const optionEnd = original.indexOf("};", firstOption);
    const option = original.slice(firstOption, optionEnd).replace(/\n\s*key: "[^"]*"/, "").replace(/mode: APPEND/, "").replace(/sink: \{/, "sink: {\n      mode: UPSERT");
    const text = original.slice(0, firstOption) + option + original.slice(optionEnd);
    writeFileSync(file, text);
    const { findings } = await lintProject({ root: dir, displayRoot: "" });
    const sinkAt = positionOf(text, "sink:");
    expect(findings.map((f) => [f.ruleId, f.file, f.line, f.column])).toEqual([["EVT_UPSERT_WITHOUT_KEY", "clickstream/v1/clickstream.proto", sinkAt.line, sinkAt.column]]);
  });
});
