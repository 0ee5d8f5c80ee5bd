import { it } from "vitest";
import { lintCatalog } from "../compiler/rules/lint/index.js";
import { compileProto } from "../test/helpers/compile-proto.js";
it("x", async () => {
  const HEADER = `syntax = "proto3";\npackage t.v1;\nimport "evt/v1/options.proto";\n`;
  const l = await compileProto({ "t/v1/wide.proto": HEADER + `enum Color { COLOR_UNSPECIFIED = 0; }\nmessage Point { double x = 1; double y = 2 [(evt.v1.field) = { pii: SENSITIVE }]; }\nmessage Wide { option (evt.v1.event) = { topic: "t.wide.v1" key: "id" owner: "team-t" sink: { table: "T.WIDE" mode: UPSERT } }; string id = 1 [(evt.v1.field) = { required: true }]; oneof choice { string c_text = 56; Point c_point = 57 [(evt.v1.field) = { pii: PERSONAL }]; } }` });
  console.log(lintCatalog(l.catalog));
});
