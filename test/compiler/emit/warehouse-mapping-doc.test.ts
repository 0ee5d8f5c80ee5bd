/** docs/warehouse-mapping.md is rendered from the mapping data; a drift fails here. */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderWarehouseMappingDoc } from "../../../compiler/warehouse/mapping-doc.js";
import { METADATA_COLUMNS, WAREHOUSE_MAPPING } from "../../../compiler/warehouse/mapping.js";
import { REPO_ROOT } from "../../helpers/compile-proto.js";

const DOC = path.join(REPO_ROOT, "docs", "warehouse-mapping.md");

describe("docs/warehouse-mapping.md", () => {
  it("is the rendering of compiler/warehouse/mapping.ts", () => {
    const rendered = renderWarehouseMappingDoc();
    if (process.env.EVT_UPDATE_DOCS === "1") writeFileSync(DOC, rendered);
    expect(readFileSync(DOC, "utf8")).toBe(rendered);
  });

  it("lists every mapping row and metadata column with its types", () => {
    const doc = readFileSync(DOC, "utf8");
    for (const r of WAREHOUSE_MAPPING) expect(doc).toContain(`| ${r.protobuf.replace(/\|/g, "\\|")} | ${r.snowflake} | ${r.duckdb} | ${r.kind} |`);
    for (const m of METADATA_COLUMNS) expect(doc).toContain(`| ${m.name} | ${m.snowflake}`);
  });
});
