/**
 * The warehouse plan between two contract versions (issue 9 items 2–4): one step rendered for both
 * dialects; a deleted `required` field plans DROP NOT NULL and is reported by check-compat until
 * the migration is committed (one fixture per case); `ddl plan` honours the same approvals as
 * check-compat and names the table work an approved type change still needs.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isBlocking } from "../../../compiler/report/index.js";
import { checkCompat } from "../../../compiler/rules/compat/check.js";
import { normalizeStatement } from "../../../compiler/rules/compat/migrations-index.js";
import { COMPAT_RULES } from "../../../compiler/rules/compat/registry.js";
import { planWarehouse } from "../../../compiler/warehouse/migrations.js";
import { runDdlPlan } from "../../../compiler/warehouse/migrations-plan.js";
import { compileProto, writeProtoTree } from "../../helpers/compile-proto.js";

const event = (body: string): string => `syntax = "proto3";
package t.v1;
import "evt/v1/options.proto";
// A happened.
message A {
  option (evt.v1.event) = { topic: "t.a.v1" key: "id" owner: "team-a" sink: { table: "T.A" } };
  // The id.
  string id = 1 [(evt.v1.field) = { required: true }];
${body}
}
`;

const WAREHOUSE = COMPAT_RULES.filter((r) => r.layer === "warehouse");
const DROP = 'ALTER TABLE "T"."A" ALTER COLUMN "LEGACY" DROP NOT NULL';

async function versions(before: string, after: string) {
  const [b, a] = await Promise.all([compileProto({ "t/v1/a.proto": before }), compileProto({ "t/v1/a.proto": after })]);
  return { before: b.catalog, after: a.catalog };
}

describe("a field that left the contract", () => {
  it("required, number and name reserved: DROP NOT NULL in both dialects, reported until committed", async () => {
    const v = await versions(event('  // Old.\n  string legacy = 2 [(evt.v1.field) = { required: true }];'), event('  reserved 2;\n  reserved "legacy";'));
    const plan = planWarehouse(v.before, v.after, { schemaPrefix: "" });
    expect(plan.steps.map((s) => ({ kind: s.kind, column: s.column, snowflake: s.statements, duckdb: s.duckdb }))).toEqual([
      { kind: "drop_not_null", column: "LEGACY", snowflake: [DROP], duckdb: [DROP] },
    ]);
    expect(plan.problems).toEqual([]);
    const open = checkCompat(v, { rules: WAREHOUSE, schemaPrefix: "" });
    expect(open.map((f) => [f.ruleId, f.element, f.line])).toEqual([["WAREHOUSE_MIGRATION_MISSING", "T.A.LEGACY", 5]]); // on the surviving message
    expect(open[0]!.message).toContain("drop NOT NULL on LEGACY (its field left the contract)");
    expect(checkCompat(v, { rules: WAREHOUSE, schemaPrefix: "", migrations: new Set([normalizeStatement(DROP)]) })).toEqual([]);
  });

  it("optional: nothing to plan, nothing reported (the column stays nullable)", async () => {
    const v = await versions(event("  // Old.\n  string legacy = 2;"), event("  reserved 2;"));
    expect(planWarehouse(v.before, v.after, { schemaPrefix: "" }).steps).toEqual([]);
    expect(checkCompat(v, { rules: WAREHOUSE, schemaPrefix: "" })).toEqual([]);
  });

  it("required and replaced by a new field on another column: DROP NOT NULL plus the new nullable column", async () => {
    const v = await versions(event('  // Old.\n  string legacy = 2 [(evt.v1.field) = { required: true }];'), event("  reserved 2;\n  // New.\n  string fresh = 3;"));
    const plan = planWarehouse(v.before, v.after, { schemaPrefix: "" });
    expect(plan.steps.map((s) => `${s.kind} ${s.column}`).sort()).toEqual(["add_column FRESH", "drop_not_null LEGACY"]);
    expect(plan.steps.find((s) => s.kind === "add_column")!.duckdb).toEqual([
      'ALTER TABLE "T"."A" ADD COLUMN "FRESH" VARCHAR',
      `COMMENT ON COLUMN "T"."A"."FRESH" IS 'New.'`,
    ]);
  });
});

describe("evt ddl plan and check-compat give one verdict", () => {
  const before = event("  // A label.\n  string label = 2;\n  // Quantity.\n  int32 qty = 3;");
  const after = event("  // A label.\n  bytes label = 2;\n  // Quantity.\n  int64 qty = 3;");

  async function plan(approvals: string | undefined) {
    const baseline = writeProtoTree({ "t/v1/a.proto": before });
    const root = writeProtoTree({ "t/v1/a.proto": after });
    const out = mkdtempSync(path.join(os.tmpdir(), "evt-plan-"));
    const approvalsFile = path.join(out, "evt-approvals.yaml");
    if (approvals !== undefined) writeFileSync(approvalsFile, approvals);
    mkdirSync(path.join(out, "gen"), { recursive: true });
    const result = await runDdlPlan({
      protoRoot: root, cwd: out, against: baseline, schemaPrefix: "",
      migrationsDir: path.join(out, "gen/snowflake/migrations"), duckdbMigrationsDir: path.join(out, "gen/duckdb/migrations"), approvalsFile,
    });
    return { result, out };
  }

  it("fails an unapproved string → bytes, as check-compat does; still writes the widening for both dialects", async () => {
    const { result, out } = await plan(undefined);
    expect(result.findings.filter(isBlocking).map((f) => [f.ruleId, f.element])).toEqual([["COLUMN_TYPE_COMPATIBLE", "T.A.LABEL"]]);
    expect(result.manual).toEqual([]);
    const name = result.file!.name;
    expect(readFileSync(path.join(out, "gen/snowflake/migrations", name), "utf8")).toContain('ALTER TABLE "T"."A" ALTER COLUMN "QTY" SET DATA TYPE NUMBER(19,0);');
    expect(readFileSync(path.join(out, "gen/duckdb/migrations", name), "utf8")).toContain('ALTER TABLE "T"."A" ALTER COLUMN "QTY" SET DATA TYPE BIGINT;');
  });

  it("passes it once approved in evt-approvals.yaml, naming the table work the approval still needs", async () => {
    const { result } = await plan("- rule: COLUMN_TYPE_COMPATIBLE\n  element: T.A.LABEL\n  reason: labels are bytes now\n- rule: FIELD_WIRE_JSON_COMPATIBLE_TYPE\n  element: t.v1.A.label\n  reason: no JSON readers\n");
    expect(result.findings.filter(isBlocking)).toEqual([]);
    expect(result.findings.find((f) => f.ruleId === "COLUMN_TYPE_COMPATIBLE")!.approved).toEqual({ reason: "labels are bytes now" });
    // the wire approval is check-compat's to judge: not reported as unused here
    expect(result.findings.some((f) => f.ruleId === "APPROVAL_UNUSED")).toBe(false);
    expect(result.manual).toEqual([{
      ruleId: "COLUMN_TYPE_COMPATIBLE", element: "T.A.LABEL", table: "T.A", column: "LABEL",
      snowflake: [
        'ALTER TABLE "T"."A" ADD COLUMN "LABEL__EVT_NEW" BINARY',
        `UPDATE "T"."A" SET "LABEL__EVT_NEW" = TO_BINARY("LABEL", 'UTF-8')`,
        'ALTER TABLE "T"."A" DROP COLUMN "LABEL"',
        'ALTER TABLE "T"."A" RENAME COLUMN "LABEL__EVT_NEW" TO "LABEL"',
      ],
      duckdb: ['ALTER TABLE "T"."A" ALTER COLUMN "LABEL" SET DATA TYPE BLOB USING encode("LABEL")'],
    }]);
  });
});
