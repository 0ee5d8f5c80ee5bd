/**
 * `evt ddl plan` end to end: the next migration file with a stable name and deterministic
 * content, idempotent re-runs, numbers never reused, check-compat passing once the migration is
 * committed, and inexpressible changes reported with exit 1.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { VOCABULARY } from "../../helpers/compile-proto.js";
import { runEvt } from "../../helpers/run-cli.js";

const FILE = "proto/t/v1/t.proto";
const MIGRATIONS = "generated/snowflake/migrations";
const body = (fields: string): string => `syntax = "proto3";
package t.v1;
import "evt/v1/options.proto";

// A happened.
message A {
  option (evt.v1.event) = { topic: "t.a.v1" key: "id" owner: "team-a" sink: { table: "SALES.A" } };
  string id = 1;
${fields}
}
`;

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
}

function repoWith(fields: string): string {
  const repo = mkdtempSync(path.join(tmpdir(), "evt-ddl-"));
  mkdirSync(path.join(repo, "proto", "t", "v1"), { recursive: true });
  mkdirSync(path.join(repo, "proto", "evt", "v1"), { recursive: true });
  cpSync(VOCABULARY, path.join(repo, "proto", "evt", "v1", "options.proto"));
  writeFileSync(path.join(repo, FILE), body(fields));
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "v1");
  return repo;
}

describe("evt ddl plan", () => {
  it("writes V0001__<slug>.sql for a new column, then nothing, then V0002 for the next change", () => {
    const repo = repoWith('  string code = 2 [(evt.v1.field) = { column_type: "VARCHAR(16)" }];');
    writeFileSync(path.join(repo, FILE), body('  string code = 2 [(evt.v1.field) = { column_type: "VARCHAR(16)" }];\n  // Amount in cents.\n  int64 amount = 3;'));

    const before = runEvt(["check-compat", "--against", "main", "--format", "json"], { cwd: repo });
    expect(before.code).toBe(1);
    expect(before.stdout).toContain("WAREHOUSE_MIGRATION_MISSING");

    const r1 = runEvt(["ddl", "plan", "--against", "main"], { cwd: repo });
    expect(r1.code, r1.stdout + r1.stderr).toBe(0);
    expect(readdirSync(path.join(repo, MIGRATIONS))).toEqual(["V0001__add_columns_sales_a.sql"]);
    const v1 = readFileSync(path.join(repo, MIGRATIONS, "V0001__add_columns_sales_a.sql"), "utf8");
    expect(v1).toContain(`ALTER TABLE "SALES"."A" ADD COLUMN "AMOUNT" NUMBER(19,0) COMMENT 'Amount in cents.';`);
    expect(v1).not.toMatch(/CREATE OR (REPLACE|ALTER)|DROP COLUMN/);

    // Idempotent: the committed statements are not planned again.
    const again = runEvt(["ddl", "plan", "--against", "main", "--dry-run"], { cwd: repo });
    expect(again.stderr).toContain("no migration needed");

    const after = runEvt(["check-compat", "--against", "main"], { cwd: repo });
    expect(after.code, after.stdout).toBe(0);

    // Commit the change and its migration; widen the VARCHAR next.
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "v2");
    writeFileSync(path.join(repo, FILE), body('  string code = 2 [(evt.v1.field) = { column_type: "VARCHAR(64)" }];\n  // Amount in cents.\n  int64 amount = 3;'));
    const r2 = runEvt(["ddl", "plan", "--against", "main"], { cwd: repo });
    expect(r2.code).toBe(0);
    expect(readdirSync(path.join(repo, MIGRATIONS))).toEqual(["V0001__add_columns_sales_a.sql", "V0002__widen_sales_a.sql"]);
    expect(readFileSync(path.join(repo, MIGRATIONS, "V0001__add_columns_sales_a.sql"), "utf8")).toBe(v1);
    expect(readFileSync(path.join(repo, MIGRATIONS, "V0002__widen_sales_a.sql"), "utf8")).toContain(
      `ALTER TABLE "SALES"."A" ALTER COLUMN "CODE" SET DATA TYPE VARCHAR(64);`,
    );
  });

  it("produces identical files from identical inputs", () => {
    const a = repoWith("");
    const b = repoWith("");
    for (const repo of [a, b]) {
      writeFileSync(path.join(repo, FILE), body("  bool urgent = 2;\n  double weight = 3;"));
      expect(runEvt(["ddl", "plan", "--against", "main"], { cwd: repo }).code).toBe(0);
    }
    const read = (repo: string): string => readFileSync(path.join(repo, MIGRATIONS, readdirSync(path.join(repo, MIGRATIONS))[0]!), "utf8");
    expect(read(a)).toBe(read(b));
  });

  it("reports a narrowing no migration can express (exit 1) and writes nothing for it", () => {
    const repo = repoWith("  int64 n = 2;");
    writeFileSync(path.join(repo, FILE), body("  int32 n = 2;"));
    const r = runEvt(["ddl", "plan", "--against", "main"], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/COLUMN_TYPE_COMPATIBLE Column "N" of table SALES.A changed type from NUMBER\(19,0\) to NUMBER\(10,0\)/);
    expect(existsSync(path.join(repo, MIGRATIONS))).toBe(false);
  });
});
