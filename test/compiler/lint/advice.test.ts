/**
 * Issue 9 item 5: advice the tool cannot follow. A type change no migration can express suggests
 * pinning the old type with column_type only where lint accepts that column_type, and following
 * the suggestion lints clean and plans no problem.
 */
import { describe, expect, it } from "vitest";
import { lintCatalog } from "../../../compiler/rules/lint/index.js";
import { planWarehouse } from "../../../compiler/warehouse/migrations.js";
import { compileProto } from "../../helpers/compile-proto.js";
import { FILE, HEADER } from "./fixtures.js";

const contract = (field: string): string =>
  HEADER + `\n// A happened.\nmessage A {\n  option (evt.v1.event) = { topic: "t.a.v1" owner: "team-a" sink: { table: "T.A" } };\n  string id = 1;\n  ${field}\n}\n`;

async function plan(before: string, after: string) {
  const [b, a] = await Promise.all([compileProto({ [FILE]: contract(before) }), compileProto({ [FILE]: contract(after) })]);
  return { problems: planWarehouse(b.catalog, a.catalog, { schemaPrefix: "" }).problems, lint: lintCatalog(a.catalog) };
}

describe("type-change advice", () => {
  it("int64 → int32 suggests pinning NUMBER(19,0), and following it plans cleanly and lints clean", async () => {
    const { problems } = await plan("int64 n = 2;", "int32 n = 2;");
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('Pin the old type with column_type: "NUMBER(19,0)"');
    const followed = await plan("int64 n = 2;", 'int32 n = 2 [(evt.v1.field) = { column_type: "NUMBER(19,0)" }];');
    expect(followed.problems).toEqual([]);
    expect(followed.lint).toEqual([]);
  });

  it("string → bytes never suggests a column_type lint would reject", async () => {
    const { problems } = await plan("string n = 2;", "bytes n = 2;");
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).not.toContain("column_type");
    expect(problems[0]!.message).toContain("Add a new field (new column) instead");
    // The suggestion it used to make is indeed rejected by lint.
    const pinned = await plan("string n = 2;", 'bytes n = 2 [(evt.v1.field) = { column_type: "VARCHAR" }];');
    expect(pinned.lint.map((f) => f.ruleId)).toContain("EVT_COLUMN_TYPE_MISMATCH");
  });
});
