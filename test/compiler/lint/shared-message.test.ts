/** Issue 9 item 12: a finding on a shared message (another file) names the event that made it relevant. */
import { describe, expect, it } from "vitest";
import { lintCatalog } from "../../../compiler/rules/lint/index.js";
import { compileProto } from "../../helpers/compile-proto.js";

const SHARED = 'syntax = "proto3";\npackage common.v1;\nimport "evt/v1/options.proto";\nmessage Geo {\n  double lat = 1 [(evt.v1.field) = { column_type: "VARCHAR" }];\n  string label = 2;\n}\n';
const EVENT =
  'syntax = "proto3";\npackage shop.v1;\nimport "evt/v1/options.proto";\nimport "common/v1/geo.proto";\n// Bought happened.\nmessage Bought {\n  option (evt.v1.event) = { topic: "shop.bought.v1" owner: "team-a" sink: { table: "SHOP.BOUGHT" flatten_nested: true } };\n  string id = 1;\n  common.v1.Geo geo = 2;\n}\n';

describe("findings in a shared message", () => {
  it("name the event whose table makes the field a column", async () => {
    const { catalog } = await compileProto({ "common/v1/geo.proto": SHARED, "shop/v1/shop.proto": EVENT });
    const inShared = lintCatalog(catalog).filter((f) => f.file === "common/v1/geo.proto");
    expect(inShared.map((f) => f.ruleId)).toEqual(["EVT_COLUMN_TYPE_MISMATCH"]);
    for (const f of inShared) expect(f.message).toContain("shop.v1.Bought");
  });
});
