/** docs/flink-mapping.md is rendered from the mapping data; a drift fails here (UPDATE_DOCS=1 rewrites it). */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderFlinkMappingDoc } from "../../../compiler/emit/flink/mapping-doc.js";
import { REPO_ROOT } from "../../helpers/compile-proto.js";

const DOC = path.join(REPO_ROOT, "docs", "flink-mapping.md");

describe("docs/flink-mapping.md", () => {
  it("matches the mapping data", () => {
    if (process.env.UPDATE_DOCS) writeFileSync(DOC, renderFlinkMappingDoc());
    expect(readFileSync(DOC, "utf8")).toBe(renderFlinkMappingDoc());
  });
});
