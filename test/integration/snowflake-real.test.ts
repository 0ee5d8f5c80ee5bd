/**
 * Opt-in suite for what only a real Snowflake account can show (fakesnow accepts and ignores
 * tags, CLUSTER BY, VARCHAR lengths and comments on columns; see infra/fakesnow/README.md).
 * Runs when EVT_SNOWFLAKE_REAL=1 and EVT_SNOWFLAKE_ACCOUNT / _USER / _PASSWORD (or key pair) /
 * _WAREHOUSE are set; it creates a scratch database and drops it afterwards. Without
 * credentials it is reported as skipped, never as passed.
 */
import { cpSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { runEvt } from "../helpers/run-cli.js";

const enabled = process.env.EVT_SNOWFLAKE_REAL === "1" && !!process.env.EVT_SNOWFLAKE_ACCOUNT && !!process.env.EVT_SNOWFLAKE_USER;
const database = `EVT_REAL_${Date.now().toString(36).toUpperCase()}`;

describe.skipIf(!enabled)("real Snowflake account (opt-in)", () => {
  let work: string;
  let sql: (text: string) => Promise<Record<string, unknown>[]>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const { connectSnowflake, destroySnowflake, execSnowflake, resolveSnowflakeSettings } = await import("../../runtime/warehouse/snowflake.js");
    const settings = resolveSnowflakeSettings({}, { ...process.env, EVT_SNOWFLAKE_DATABASE: undefined });
    const conn = await connectSnowflake(settings, { application: "evt-real-suite" });
    sql = async (text) => (await execSnowflake(conn, text)) as Record<string, unknown>[];
    close = () => destroySnowflake(conn);
    await sql(`CREATE DATABASE IF NOT EXISTS "${database}"`);
    work = mkdtempSync(path.join(os.tmpdir(), "evt-real-"));
    cpSync(path.join(REPO_ROOT, "generated"), path.join(work, "generated"), { recursive: true });
  });

  afterAll(async () => {
    await sql?.(`DROP DATABASE IF EXISTS "${database}"`);
    await close?.();
  });

  it("applies every generated table with its clustering key and column comments", () => {
    const res = runEvt(["ddl", "apply", "--target", "snowflake"], {
      cwd: work,
      env: { EVT_SNOWFLAKE_DATABASE: database },
    });
    expect(res.code, res.stderr).toBe(0);
  });

  it("keeps CLUSTER BY and the PII comment prefix (ignored by fakesnow)", async () => {
    const tables = await sql(`SHOW TABLES LIKE 'ORDER_PLACED' IN SCHEMA "${database}"."ORDERS"`);
    expect(String(tables[0]?.["cluster_by"] ?? "")).toMatch(/STORE_ID/);
    const cols = await sql(
      `SELECT COLUMN_NAME, COMMENT, DATA_TYPE, NUMERIC_PRECISION FROM "${database}".INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'PAYMENTS' AND TABLE_NAME = 'PAYMENT_AUTHORIZED'`,
    );
    expect(cols.some((c) => String(c["COMMENT"] ?? "").startsWith("[PII:"))).toBe(true);
  });
});
