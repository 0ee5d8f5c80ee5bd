/**
 * `evt ddl apply` against the Snowflake-protocol server and DuckDB, through the built CLI:
 * every example sink's DDL applies, migrations run in order once and are recorded, a rerun is a
 * no-op, an edited applied migration is refused (exit 2, file named), secrets never printed.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import { loadCatalog } from "../../compiler/model/build-catalog.js";
import { resolveSinkTables } from "../../compiler/emit/generate.js";
import { emitDuckdbTables } from "../../compiler/emit/duckdb/table-ddl.js";
import { readSinkConfig } from "../../runtime/sinks/config.js";
import { DuckdbWriter } from "../../runtime/sinks/duckdb/writer.js";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { runEvt } from "../helpers/run-cli.js";
import { fakesnowInfo } from "../helpers/fakesnow.js";
import { connectFakesnow, destroy, query, type Connection } from "../helpers/snowflake-connect.js";

const config = readSinkConfig(path.join(REPO_ROOT, "generated/sinks/evt-sinks.json"));
const SECRET = `pw-${Math.random().toString(36).slice(2)}-never-print-me`;
const database = `DDL_${Date.now().toString(36).toUpperCase()}`;
let work: string;
let conn: Connection;

function env(): Record<string, string> {
  return {
    EVT_SNOWFLAKE_ACCOUNT: "fakesnow",
    EVT_SNOWFLAKE_USER: "ddl-test",
    EVT_SNOWFLAKE_PASSWORD: SECRET,
    EVT_SNOWFLAKE_DATABASE: database,
    EVT_SNOWFLAKE_SCHEMA: "PUBLIC",
    EVT_SNOWFLAKE_ACCESS_URL: fakesnowInfo().accessUrl,
  };
}

const V1 = `-- V0001: a new sink table\nCREATE SCHEMA IF NOT EXISTS "EXTRA";\nCREATE TABLE IF NOT EXISTS "EXTRA"."ADDED" ("ID" VARCHAR NOT NULL);\n`;
const V2 = `-- V0002: needs V0001 first\nALTER TABLE "EXTRA"."ADDED" ADD COLUMN "SCORE" NUMBER(10,0) COMMENT 'added later';\nALTER TABLE "ORDERS"."ORDER_PLACED" ADD COLUMN "LOYALTY_TIER" VARCHAR;\n`;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), "evt-ddl-"));
  const out = path.join(work, "gen");
  cpSync(path.join(REPO_ROOT, "generated/snowflake/tables"), path.join(out, "snowflake/tables"), { recursive: true });
  mkdirSync(path.join(out, "snowflake/migrations"), { recursive: true });
  writeFileSync(path.join(out, "snowflake/migrations/V0001__create_extra_added.sql"), V1);
  writeFileSync(path.join(out, "snowflake/migrations/V0002__add_columns_extra_added.sql"), V2);
  // DuckDB DDL from the example catalog, through the emitter
  const { catalog } = await loadCatalog(path.join(REPO_ROOT, "proto"));
  for (const f of emitDuckdbTables(resolveSinkTables(catalog, { schemaPrefix: "" }))) {
    mkdirSync(path.dirname(path.join(out, f.path)), { recursive: true });
    writeFileSync(path.join(out, f.path), f.content);
  }
  writeFileSync(path.join(work, "evt.yaml"), `proto: ${path.join(REPO_ROOT, "proto")}\nout: gen\nwarehouse:\n  duckdbPath: local.duckdb\n`);
  conn = await connectFakesnow({ database, schema: "PUBLIC" });
});

afterAll(async () => {
  await destroy(conn);
});

async function columnsOf(schema: string, table: string): Promise<string[]> {
  const rows = await query<{ COLUMN_NAME: string }>(conn,
    "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", [schema, table]);
  return rows.map((r) => r.COLUMN_NAME);
}

describe("evt ddl apply --target snowflake", () => {
  it("applies every example sink table and the migrations in order, recording them; --verbose never prints the password", async () => {
    const run = runEvt(["ddl", "apply", "--target", "snowflake", "--verbose"], { cwd: work, env: env() });
    expect(run.stderr + run.stdout).not.toContain(SECRET);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("connecting to Snowflake"); // verbose did log the connection (without the secret)
    expect(run.stdout).toContain("applied migration(s): V0001__create_extra_added.sql, V0002__add_columns_extra_added.sql");
    for (const sink of config.sinks) {
      const [schema, table] = sink.table.split(".") as [string, string];
      const expected = [...config.metadataColumns, ...sink.columns].map((c) => c.name);
      if (sink.table === "ORDERS.ORDER_PLACED") expected.push("LOYALTY_TIER");
      expect(await columnsOf(schema, table), sink.table).toEqual(expected);
    }
    expect(await columnsOf("EXTRA", "ADDED")).toEqual(["ID", "SCORE"]);
    const history = await query<{ NAME: string; CHECKSUM: string }>(conn, 'SELECT "NAME", "CHECKSUM" FROM "EVT"."EVT_MIGRATION_HISTORY" ORDER BY "NAME"');
    expect(history).toEqual([
      { NAME: "V0001__create_extra_added.sql", CHECKSUM: createHash("sha256").update(V1).digest("hex") },
      { NAME: "V0002__add_columns_extra_added.sql", CHECKSUM: createHash("sha256").update(V2).digest("hex") },
    ]);
  });

  it("is a no-op on rerun, and --dry-run lists the existing tables and runs nothing", async () => {
    const before = await query(conn, 'SELECT "NAME", "APPLIED_AT" FROM "EVT"."EVT_MIGRATION_HISTORY" ORDER BY "NAME"');
    const rerun = runEvt(["ddl", "apply", "--target", "snowflake"], { cwd: work, env: env() });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain("no pending migrations");
    expect(await query(conn, 'SELECT "NAME", "APPLIED_AT" FROM "EVT"."EVT_MIGRATION_HISTORY" ORDER BY "NAME"')).toEqual(before);
    const dry = runEvt(["ddl", "apply", "--target", "snowflake", "--dry-run"], { cwd: work, env: env() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/-- tables that exist \(changed only by migrations\): .*ORDERS\.ORDER_PLACED\.sql/);
    expect(dry.stdout).not.toContain('CREATE TABLE IF NOT EXISTS "ORDERS"."ORDER_PLACED"');
    expect(dry.stdout).not.toContain("-- migration:");
    expect(dry.stdout).toContain("-- already applied: V0001__create_extra_added.sql, V0002__add_columns_extra_added.sql");
  });

  it("refuses an edited, already-applied migration with exit 2 naming the file, and runs nothing", async () => {
    const file = path.join(work, "gen/snowflake/migrations/V0002__add_columns_extra_added.sql");
    writeFileSync(file, V2.replace("NUMBER(10,0)", "NUMBER(12,0)"));
    writeFileSync(path.join(work, "gen/snowflake/migrations/V0003__later.sql"), `ALTER TABLE "EXTRA"."ADDED" ADD COLUMN "LATER" VARCHAR;\n`);
    try {
      const run = runEvt(["ddl", "apply", "--target", "snowflake"], { cwd: work, env: env() });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("V0002__add_columns_extra_added.sql");
      expect(run.stderr).toMatch(/already applied but its content changed/);
      expect(await columnsOf("EXTRA", "ADDED")).toEqual(["ID", "SCORE"]); // V0003 did not run
    } finally {
      writeFileSync(file, V2);
    }
  });

  it("fails with exit 2 and a clear message when the connection is incomplete", () => {
    const run = runEvt(["ddl", "apply", "--target", "snowflake"], { cwd: work, env: { ...env(), EVT_SNOWFLAKE_PASSWORD: "" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("EVT_SNOWFLAKE_PASSWORD");
  });
});

describe("evt ddl apply --target duckdb: the same history semantics as Snowflake", () => {
  const D1 = `CREATE SCHEMA IF NOT EXISTS "EXTRA";\nCREATE TABLE IF NOT EXISTS "EXTRA"."ADDED" ("ID" VARCHAR NOT NULL);\n`;
  const D2 = `ALTER TABLE "EXTRA"."ADDED" ADD COLUMN "SCORE" INTEGER;\nCOMMENT ON COLUMN "EXTRA"."ADDED"."SCORE" IS 'a\\b';\nALTER TABLE "EXTRA"."ADDED" ALTER COLUMN "ID" DROP NOT NULL;\n`;
  let dir: string;
  const duck = async <T>(f: (c: import("@duckdb/node-api").DuckDBConnection) => Promise<T>): Promise<T> => {
    const inst = await DuckDBInstance.create(path.join(dir, "h.duckdb"));
    const c = await inst.connect();
    try {
      return await f(c);
    } finally {
      c.closeSync();
      inst.closeSync();
    }
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "evt-ddl-duck-"));
    cpSync(path.join(work, "gen/duckdb/tables"), path.join(dir, "gen/duckdb/tables"), { recursive: true });
    mkdirSync(path.join(dir, "gen/duckdb/migrations"), { recursive: true });
    writeFileSync(path.join(dir, "gen/duckdb/migrations/V0001__create_extra_added.sql"), D1);
    writeFileSync(path.join(dir, "gen/duckdb/migrations/V0002__add_columns_extra_added.sql"), D2);
    writeFileSync(path.join(dir, "evt.yaml"), `proto: ${path.join(REPO_ROOT, "proto")}\nout: gen\nwarehouse:\n  duckdbPath: h.duckdb\n`);
  });

  it("runs the migrations in order once, records name and sha256, keeps a backslash single in comments", async () => {
    const run = runEvt(["ddl", "apply", "--target", "duckdb"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("applied migration(s): V0001__create_extra_added.sql, V0002__add_columns_extra_added.sql");
    const history = await duck(async (c) => (await c.runAndReadAll('SELECT "NAME", "CHECKSUM" FROM "EVT"."EVT_MIGRATION_HISTORY" ORDER BY "NAME"')).getRowObjectsJson());
    expect(history).toEqual([
      { NAME: "V0001__create_extra_added.sql", CHECKSUM: createHash("sha256").update(D1).digest("hex") },
      { NAME: "V0002__add_columns_extra_added.sql", CHECKSUM: createHash("sha256").update(D2).digest("hex") },
    ]);
    const cols = await duck(async (c) => (await c.runAndReadAll("SELECT column_name AS c, CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS n, comment FROM duckdb_columns() WHERE table_name = 'ADDED' ORDER BY column_index")).getRowObjectsJson());
    expect(cols).toEqual([{ c: "ID", n: "YES", comment: null }, { c: "SCORE", n: "YES", comment: "a\\b" }]);
    const again = runEvt(["ddl", "apply", "--target", "duckdb"], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("no pending migrations");
  });

  it("refuses an edited, already-applied migration (exit 2, file named) and runs nothing after it", async () => {
    writeFileSync(path.join(dir, "gen/duckdb/migrations/V0002__add_columns_extra_added.sql"), D2.replace("INTEGER", "BIGINT"));
    writeFileSync(path.join(dir, "gen/duckdb/migrations/V0003__later.sql"), `ALTER TABLE "EXTRA"."ADDED" ADD COLUMN "LATER" VARCHAR;\n`);
    const run = runEvt(["ddl", "apply", "--target", "duckdb"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("V0002__add_columns_extra_added.sql");
    expect(run.stderr).toMatch(/already applied but its content changed/);
    const cols = await duck(async (c) => (await c.runAndReadAll("SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'ADDED' ORDER BY ordinal_position")).getRowObjectsJson());
    expect(cols.map((r) => r.c)).toEqual(["ID", "SCORE"]);
  });
});

describe("evt ddl apply --target duckdb", () => {
  it("applies every example sink's DuckDB DDL; the tables match what the DuckDB sink creates itself", async () => {
    const run = runEvt(["ddl", "apply", "--target", "duckdb"], { cwd: work });
    expect(run.code, run.stderr).toBe(0);
    const again = runEvt(["ddl", "apply", "--target", "duckdb"], { cwd: work });
    expect(again.code, again.stderr).toBe(0);
    const selfMade = path.join(work, "self.duckdb");
    const w = new DuckdbWriter({ path: selfMade });
    await w.connect();
    await w.ensureTables(config, config.sinks);
    await w.close();
    const shape = async (file: string) => {
      const inst = await DuckDBInstance.create(file);
      const c = await inst.connect();
      const rows = (await c.runAndReadAll(
        "SELECT table_schema || '.' || table_name AS t, column_name AS c, data_type AS d, is_nullable AS n FROM information_schema.columns " +
        "WHERE table_schema NOT IN ('EVT', 'main', 'information_schema', 'pg_catalog') ORDER BY t, ordinal_position")).getRowObjectsJson();
      c.closeSync();
      inst.closeSync();
      return rows;
    };
    const applied = await shape(path.join(work, "local.duckdb"));
    expect(new Set(applied.map((r) => r.t)).size).toBe(config.sinks.length);
    expect(applied).toEqual(await shape(selfMade));
    expect(applied.find((r) => r.t === "CLICKSTREAM.SEARCH_PERFORMED" && r.c === "QUERY_FINGERPRINT")?.d).toBe("UBIGINT");
    expect(readFileSync(path.join(work, "gen/duckdb/tables/ORDERS.ORDER_PLACED.sql"), "utf8")).toContain('CREATE TABLE IF NOT EXISTS "ORDERS"."ORDER_PLACED"');
  });
});
