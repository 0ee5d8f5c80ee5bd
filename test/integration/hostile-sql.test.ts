/**
 * No SQL injection through a contract string (issue 10 item 1). Every case of
 * test/fixtures/hostile/sql-corpus.json goes into one annotation or comment of an otherwise clean
 * contract, then through lint and generate: either lint reports an error and generate refuses
 * (nothing emitted), or the output is applied by `evt ddl apply` to DuckDB and to the
 * Snowflake-protocol server, where afterwards exactly the expected tables and columns exist — the
 * canary table the payloads try to drop included — and the stored comments hold the text itself.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import { generate } from "../../compiler/emit/generate.js";
import { loadCatalog } from "../../compiler/model/build-catalog.js";
import { isBlocking } from "../../compiler/report/index.js";
import { lintCatalog } from "../../compiler/rules/lint/index.js";
import { isLintRefusalError } from "../../compiler/rules/lint/refuse.js";
import { METADATA_COLUMNS } from "../../compiler/warehouse/mapping.js";
import { plainText } from "../../compiler/warehouse/sql-escape.js";
import { REPO_ROOT, writeProtoTree } from "../helpers/compile-proto.js";
import { fakesnowInfo } from "../helpers/fakesnow.js";
import { runEvt } from "../helpers/run-cli.js";
import { connectFakesnow, destroy, query } from "../helpers/snowflake-connect.js";

interface Case { readonly name: string; readonly where: string; readonly value: string }
const corpus = JSON.parse(readFileSync(path.join(REPO_ROOT, "test/fixtures/hostile/sql-corpus.json"), "utf8")) as { cases: Case[] };

const lit = (s: string): string => JSON.stringify(s); // ASCII corpus: JSON escapes are proto escapes

function protoOf(c: Case): string {
  const v = (where: string, fallback: string): string => (c.where === where ? c.value : fallback);
  const messageComment = c.where === "message_comment" ? `// ${c.value}` : c.where === "message_block_comment" ? `/* ${c.value} */` : "// A thing happened.";
  const fieldOptions = [
    ...(c.where === "column" ? [`column: ${lit(c.value)}`] : []),
    ...(c.where === "column_type" ? [`column_type: ${lit(c.value)}`] : []),
  ];
  return `syntax = "proto3";

package hostile.v1;

import "evt/v1/options.proto";

${messageComment}
message Thing {
  option (evt.v1.event) = {
    topic: ${lit(v("topic", "hostile.thing.v1"))}
    key: ${lit(v("key", "id"))}
    owner: ${lit(v("owner", "team-h"))}
    sink: { table: ${lit(v("table", "HOSTILE.THING"))}${c.where === "cluster_by" ? ` cluster_by: [${lit(c.value)}]` : ""} }
  };
  // The id.
  string id = 1;
  // ${c.where === "field_comment" ? c.value : "A note."}
  string note = 2${fieldOptions.length > 0 ? ` [(evt.v1.field) = { ${fieldOptions.join(" ")} }]` : ""};
}
`;
}

const EXPECTED_COLUMNS = [...METADATA_COLUMNS.map((m) => m.name), "ID", "NOTE"];
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function duckdbShape(file: string): Promise<{ tables: string[]; columns: string[]; tableComment: string; noteComment: string }> {
  const inst = await DuckDBInstance.create(file);
  const c = await inst.connect();
  try {
    const rows = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, string>[];
    const tables = (await rows("SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() WHERE schema_name NOT IN ('EVT') ORDER BY t")).map((r) => r.t!);
    const columns = (await rows(`SELECT column_name AS c FROM duckdb_columns() WHERE schema_name = 'HOSTILE' AND table_name = 'THING' ORDER BY column_index`)).map((r) => r.c!);
    const tableComment = (await rows("SELECT comment FROM duckdb_tables() WHERE schema_name = 'HOSTILE' AND table_name = 'THING'"))[0]?.comment ?? "";
    const noteComment = (await rows("SELECT comment FROM duckdb_columns() WHERE schema_name = 'HOSTILE' AND table_name = 'THING' AND column_name = 'NOTE'"))[0]?.comment ?? "";
    return { tables, columns, tableComment, noteComment };
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

async function createDuckdbCanary(file: string): Promise<void> {
  const inst = await DuckDBInstance.create(file);
  const c = await inst.connect();
  await c.run(`CREATE SCHEMA "INJ"; CREATE TABLE "INJ"."X" ("KEEP" VARCHAR)`);
  c.closeSync();
  inst.closeSync();
}

describe("hostile contract strings never reach the warehouse as SQL", () => {
  const outcomes: { name: string; outcome: "refused" | "applied" }[] = [];

  for (const c of corpus.cases) {
    it(`${c.name}: refused by lint and generate, or applied with exactly the expected tables and columns`, async () => {
      const dir = writeProtoTree({ "hostile/v1/thing.proto": protoOf(c) });
      dirs.push(dir);
      const loaded = await loadCatalog(dir, "");
      const lintErrors = lintCatalog(loaded.catalog).filter(isBlocking);
      const generated = await generate(loaded, { runtimeImport: "evt/runtime", schemaPrefix: "", batch: { rows: 100, bytes: 1 << 20, ms: 1000 } }).catch((e: unknown) => e);
      if (lintErrors.length > 0) {
        expect(isLintRefusalError(generated), `lint found ${lintErrors.map((f) => f.ruleId).join(", ")} but generate did not refuse`).toBe(true);
        outcomes.push({ name: c.name, outcome: "refused" });
        return;
      }
      expect(Array.isArray(generated), `lint passed but generate failed: ${String(generated)}`).toBe(true);
      const work = mkdtempSync(path.join(mkdirSync(path.join(REPO_ROOT, ".tmp"), { recursive: true }) ?? path.join(REPO_ROOT, ".tmp"), "hostile-"));
      dirs.push(work);
      for (const f of generated as { path: string; content: string }[]) {
        mkdirSync(path.dirname(path.join(work, "gen", f.path)), { recursive: true });
        writeFileSync(path.join(work, "gen", f.path), f.content);
      }
      writeFileSync(path.join(work, "evt.yaml"), `proto: ${dir}\nout: gen\nwarehouse:\n  duckdbPath: w.duckdb\n`);

      // DuckDB
      await createDuckdbCanary(path.join(work, "w.duckdb"));
      const duck = runEvt(["ddl", "apply", "--target", "duckdb"], { cwd: work });
      expect(duck.code, duck.stderr).toBe(0);
      const shape = await duckdbShape(path.join(work, "w.duckdb"));
      expect(shape.tables).toEqual(["HOSTILE.THING", "INJ.X"]);
      expect(shape.columns).toEqual(EXPECTED_COLUMNS);
      if (c.where === "owner") expect(shape.tableComment).toContain(`owner ${plainText(c.value)},`);
      if (c.where === "message_comment" || c.where === "message_block_comment") expect(shape.tableComment).toContain(plainText(c.value).trim());
      if (c.where === "field_comment") expect(shape.noteComment).toBe(plainText(c.value).trim());

      // Snowflake-protocol server, a fresh database per case
      const database = `HOSTILE_${randomBytes(4).toString("hex").toUpperCase()}`;
      const conn = await connectFakesnow({ database, schema: "PUBLIC" });
      try {
        await query(conn, 'CREATE SCHEMA IF NOT EXISTS "INJ"');
        await query(conn, 'CREATE TABLE "INJ"."X" ("KEEP" VARCHAR)');
        const sf = runEvt(["ddl", "apply", "--target", "snowflake"], {
          cwd: work,
          env: { EVT_SNOWFLAKE_ACCOUNT: "fakesnow", EVT_SNOWFLAKE_USER: "h", EVT_SNOWFLAKE_PASSWORD: "pw", EVT_SNOWFLAKE_DATABASE: database, EVT_SNOWFLAKE_SCHEMA: "PUBLIC", EVT_SNOWFLAKE_ACCESS_URL: fakesnowInfo().accessUrl },
        });
        expect(sf.code, sf.stderr).toBe(0);
        const tables = await query<{ T: string }>(conn,
          "SELECT TABLE_SCHEMA || '.' || TABLE_NAME AS T FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA NOT IN ('INFORMATION_SCHEMA', 'EVT') ORDER BY T");
        expect(tables.map((r) => r.T)).toEqual(["HOSTILE.THING", "INJ.X"]);
        const columns = await query<{ C: string }>(conn,
          "SELECT COLUMN_NAME AS C FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'HOSTILE' AND TABLE_NAME = 'THING' ORDER BY ORDINAL_POSITION");
        expect(columns.map((r) => r.C)).toEqual(EXPECTED_COLUMNS);
      } finally {
        await destroy(conn);
      }
      outcomes.push({ name: c.name, outcome: "applied" });
    }, 120_000);
  }

  it("exercises both outcomes: the injection payloads in identifiers are refused, the free text is applied", () => {
    const refused = outcomes.filter((o) => o.outcome === "refused").map((o) => o.name);
    const applied = outcomes.filter((o) => o.outcome === "applied").map((o) => o.name);
    expect(refused).toEqual(expect.arrayContaining(["topic with newline and DROP", "table with quote and DROP", "column with quote and DROP", "column of 10,000 characters"]));
    expect(applied).toEqual(expect.arrayContaining(["owner with newline and DROP", "message block comment with newlines", "field comment of 10,000 characters"]));
  });

  it("the CLI: evt generate exits 1 naming the lint error of the issue's hostile topic and writes nothing", () => {
    const c = corpus.cases[0]!;
    const dir = writeProtoTree({ "hostile/v1/thing.proto": protoOf(c) });
    const work = mkdtempSync(path.join(mkdirSync(path.join(REPO_ROOT, ".tmp"), { recursive: true }) ?? path.join(REPO_ROOT, ".tmp"), "hostile-"));
    dirs.push(dir, work);
    writeFileSync(path.join(work, "evt.yaml"), `proto: ${dir}\nout: gen\n`);
    const r = runEvt(["generate"], { cwd: work });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/hostile\/v1\/thing\.proto:\d+:\d+: EVT_TOPIC\w* /);
    expect(() => readFileSync(path.join(work, "gen/snowflake/tables/HOSTILE.THING.sql"))).toThrow();
  });
});
