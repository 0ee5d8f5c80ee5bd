/**
 * Proves the pair used by every warehouse test: snowflake-sdk (Node) against fakesnow started by
 * scripts/fakesnow.sh through infra/fakesnow/launcher.py (SELECT results re-encoded as JSON
 * rowsets). Values read by the Node driver are cross-checked by reading the same rows through
 * Python's snowflake-connector against the same server. The "fakesnow findings" block pins what
 * fakesnow accepts, rejects or ignores (see infra/fakesnow/README.md), so an upgrade that
 * changes any of it shows up here.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureFakesnow, fakesnowPython, restartFakesnow } from "../helpers/fakesnow.js";
import { type Connection, connectFakesnow, destroy, query } from "../helpers/snowflake-connect.js";

const run = promisify(execFile);

const DATABASE = "EVT_FAKESNOW_IT";
const SCHEMA = `RUN_${Date.now().toString(36).toUpperCase()}_${process.pid}`;
const UINT64_MAX = "18446744073709551615";

const CREATE_EVENTS = `CREATE TABLE IF NOT EXISTS EVENTS (
  ID NUMBER(20,0), NAME VARCHAR, OK BOOLEAN, SCORE FLOAT, PAYLOAD BINARY,
  TS TIMESTAMP_NTZ(9), DOC VARIANT, TAGS ARRAY)`;

/** One row as both readers are normalised to: exact id, hex payload, ISO µs timestamp, parsed JSON. */
interface Normal {
  id: string;
  name: string | null;
  ok: boolean | null;
  score: number | null;
  payload: string | null;
  ts: string | null;
  doc: unknown;
  tags: unknown;
}

/** Reads rows through Python's snowflake-connector (the venv's python) and prints them as JSON. */
async function readWithPython(port: number, sql: string): Promise<Normal[]> {
  const script = `
import json, sys, snowflake.connector
port, db, schema, sql = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
conn = snowflake.connector.connect(user="fake", password="snow", account="fakesnow", host="127.0.0.1",
    port=port, protocol="http", database=db, schema=schema, network_timeout=10,
    session_parameters={"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False})
cur = conn.cursor()
cur.execute(sql)
out = []
for (id_, name, ok, score, payload, ts, doc, tags) in cur.fetchall():
    out.append({"id": str(id_), "name": name, "ok": ok, "score": score,
        "payload": None if payload is None else payload.hex().upper(),
        "ts": None if ts is None else ts.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "doc": None if doc is None else json.loads(doc), "tags": None if tags is None else json.loads(tags)})
conn.close()
print(json.dumps(out))
`;
  const { stdout } = await run(fakesnowPython, ["-c", script, String(port), DATABASE, SCHEMA, sql], { timeout: 60_000 });
  return JSON.parse(stdout) as Normal[];
}

type SfDate = Date & { getEpochSeconds(): number; getNanoSeconds(): number };

function isoMicros(d: SfDate): string {
  const secs = new Date(d.getEpochSeconds() * 1000).toISOString().slice(0, 19);
  return `${secs}.${String(Math.floor(d.getNanoSeconds() / 1000)).padStart(6, "0")}`;
}

function normaliseNode(r: Record<string, unknown>): Normal {
  return {
    id: String(r.ID),
    name: r.NAME as string | null,
    ok: r.OK as boolean | null,
    score: r.SCORE as number | null,
    payload: r.PAYLOAD == null ? null : (r.PAYLOAD as Buffer).toString("hex").toUpperCase(),
    ts: r.TS == null ? null : isoMicros(r.TS as SfDate),
    doc: r.DOC ?? null,
    tags: r.TAGS ?? null,
  };
}

const SELECT_EVENTS = "SELECT ID, NAME, OK, SCORE, PAYLOAD, TS, DOC, TAGS FROM EVENTS ORDER BY ID";

describe("snowflake-sdk against fakesnow (via infra/fakesnow/launcher.py)", () => {
  let port: number;
  let conn: Connection;

  beforeAll(async () => {
    ({ port } = await ensureFakesnow());
    conn = await connectFakesnow({ database: DATABASE, schema: SCHEMA });
  });

  afterAll(async () => {
    if (!conn) return;
    await query(conn, `DROP SCHEMA IF EXISTS ${DATABASE}.${SCHEMA}`).catch(() => undefined);
    await destroy(conn).catch(() => undefined);
  });

  it("creates a database, schema and table with every column type the sinks use", async () => {
    await query(conn, `CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
    await query(conn, `CREATE SCHEMA IF NOT EXISTS ${DATABASE}.${SCHEMA}`);
    await query(conn, `USE SCHEMA ${DATABASE}.${SCHEMA}`);
    expect(await query(conn, CREATE_EVENTS)).toEqual([{ status: "Table EVENTS successfully created." }]);
    const [ctx] = await query(conn, "SELECT CURRENT_DATABASE() AS D, CURRENT_SCHEMA() AS S");
    expect(ctx).toEqual({ D: DATABASE, S: SCHEMA });
  });

  it("inserts with bound parameters: one row, and multi-row array binds (nulls in later rows)", async () => {
    const one = await query(conn, "INSERT INTO EVENTS (ID, NAME, OK, SCORE) VALUES (?, ?, ?, ?)", [
      UINT64_MAX,
      "max",
      true,
      1.5,
    ]);
    expect(one).toEqual([{ "number of rows inserted": 1 }]);

    const many = await query(conn, "INSERT INTO EVENTS (ID, NAME, OK, SCORE) VALUES (?, ?, ?, ?)", [
      [1, "one", false, 2.25],
      [2, null, null, null],
      [3, "three", true, -0.5],
    ]);
    expect(many).toEqual([{ "number of rows inserted": 3 }]);

    // VARIANT/ARRAY/BINARY/TIMESTAMP need an expression around the bind: INSERT ... SELECT
    const typed = await query(
      conn,
      "INSERT INTO EVENTS (ID, PAYLOAD, TS, DOC, TAGS) SELECT ?, TO_BINARY(?, 'HEX'), TO_TIMESTAMP_NTZ(?), PARSE_JSON(?), PARSE_JSON(?)",
      ["4", "DEADBEEF", "2024-01-02 03:04:05.123456", JSON.stringify({ a: 1, b: [1, 2], s: "x" }), JSON.stringify([1, "two", null])],
    );
    expect(typed).toEqual([{ "number of rows inserted": 1 }]);

    // array binds through INSERT ... SELECT PARSE_JSON(?) (fakesnow runs the batch row by row)
    const docs = await query(conn, "INSERT INTO EVENTS (ID, DOC) SELECT ?, PARSE_JSON(?)", [
      [5, '{"k":5}'],
      [6, '{"k":[6]}'],
    ]);
    expect(docs).toEqual([{ "number of rows inserted": 2 }]);

    // a timestamp before the epoch (negative epoch seconds, positive fraction)
    await query(conn, "INSERT INTO EVENTS (ID, TS) SELECT ?, TO_TIMESTAMP_NTZ(?)", [7, "1969-12-31 23:59:58.5"]);
  });

  it("reads every value back through snowflake-sdk", async () => {
    const rows = await query(conn, SELECT_EVENTS, undefined, { fetchAsString: ["Number"] });
    expect(rows.map((r) => r.ID)).toEqual(["1", "2", "3", "4", "5", "6", "7", UINT64_MAX]);

    const byId = new Map(rows.map((r) => [r.ID as string, r]));
    expect(byId.get(UINT64_MAX)).toMatchObject({ NAME: "max", OK: true, SCORE: "1.5" }); // fetchAsString: Number
    expect(byId.get("2")).toMatchObject({ NAME: null, OK: null, SCORE: null, PAYLOAD: null, TS: null, DOC: null });

    const four = byId.get("4")!;
    expect((four.PAYLOAD as Buffer).equals(Buffer.from("deadbeef", "hex"))).toBe(true);
    const ts = four.TS as SfDate;
    expect(ts.getEpochSeconds()).toBe(Date.UTC(2024, 0, 2, 3, 4, 5) / 1000);
    expect(ts.getNanoSeconds()).toBe(123_456_000);
    expect(four.DOC).toEqual({ a: 1, b: [1, 2], s: "x" });
    expect(four.TAGS).toEqual([1, "two", null]);
    expect(byId.get("6")!.DOC).toEqual({ k: [6] });
    expect(isoMicros(byId.get("7")!.TS as SfDate)).toBe("1969-12-31T23:59:58.500000");

    // without fetchAsString, NUMBER arrives as a JS number: exact below 2^53, lossy above
    const [plain] = await query(conn, "SELECT ID, SCORE FROM EVENTS WHERE ID = 3");
    expect(plain).toEqual({ ID: 3, SCORE: -0.5 });
    const [exact] = await query(conn, "SELECT TO_VARCHAR(ID) AS ID FROM EVENTS WHERE ID = ?", [UINT64_MAX]);
    expect(exact).toEqual({ ID: UINT64_MAX });
  });

  it("reads the same rows through Python's snowflake-connector (cross-check of the launcher's re-encoding)", async () => {
    const node = (await query(conn, SELECT_EVENTS, undefined, { fetchAsString: ["Number"] })).map((r) => ({
      ...normaliseNode(r),
      score: r.SCORE == null ? null : Number(r.SCORE),
    }));
    const python = await readWithPython(port, SELECT_EVENTS);
    expect(python).toEqual(node);
    expect(python.at(-1)!.id).toBe(UINT64_MAX);
  });

  it("commits a BEGIN/COMMIT transaction and discards a rolled-back one", async () => {
    await query(conn, "BEGIN");
    await query(conn, "INSERT INTO EVENTS (ID, NAME) VALUES (?, ?)", [10, "committed"]);
    await query(conn, "COMMIT");
    await query(conn, "BEGIN TRANSACTION");
    await query(conn, "INSERT INTO EVENTS (ID, NAME) VALUES (?, ?)", [[11, "rolled back"], [12, "rolled back"]]);
    expect(await query(conn, "SELECT COUNT(*) AS N FROM EVENTS WHERE ID >= 10 AND ID < 20")).toEqual([{ N: 3 }]);
    await query(conn, "ROLLBACK");
    expect(await query(conn, "SELECT ID, NAME FROM EVENTS WHERE ID >= 10 AND ID < 20")).toEqual([
      { ID: 10, NAME: "committed" },
    ]);
  });

  it("MERGE INTO from a staging table updates matches and inserts the rest", async () => {
    await query(conn, "CREATE OR REPLACE TEMPORARY TABLE EVENTS_STAGE (ID NUMBER(20,0), NAME VARCHAR, DOC VARIANT)");
    await query(conn, "INSERT INTO EVENTS_STAGE (ID, NAME, DOC) SELECT ?, ?, PARSE_JSON(?)", [
      [10, "merged", '{"v":10}'],
      [20, "new", '{"v":20}'],
    ]);
    const merged = await query(
      conn,
      `MERGE INTO EVENTS t USING EVENTS_STAGE s ON t.ID = s.ID
       WHEN MATCHED THEN UPDATE SET NAME = s.NAME, DOC = s.DOC
       WHEN NOT MATCHED THEN INSERT (ID, NAME, DOC) VALUES (s.ID, s.NAME, s.DOC)`,
    );
    expect(merged).toEqual([{ "number of rows inserted": 1, "number of rows updated": 1 }]);
    expect(await query(conn, "SELECT ID, NAME, DOC FROM EVENTS WHERE ID IN (10, 20) ORDER BY ID")).toEqual([
      { ID: 10, NAME: "merged", DOC: { v: 10 } },
      { ID: 20, NAME: "new", DOC: { v: 20 } },
    ]);
  });

  describe("fakesnow findings (what it accepts, rejects, ignores)", () => {
    const ok = (sql: string) => expect(query(conn, sql)).resolves.toBeDefined();
    const rejects = (sql: string, message: RegExp) => expect(query(conn, sql)).rejects.toThrow(message);

    it("TRANSIENT tables work; CREATE TABLE IF NOT EXISTS is idempotent and keeps rows", async () => {
      await ok("CREATE OR REPLACE TRANSIENT TABLE T_TRANSIENT (ID NUMBER(20,0))");
      await query(conn, "INSERT INTO T_TRANSIENT VALUES (1)");
      expect(await query(conn, "SELECT ID FROM T_TRANSIENT")).toEqual([{ ID: 1 }]);
      await ok(CREATE_EVENTS);
      expect(await query(conn, "SELECT COUNT(*) AS N FROM EVENTS")).toEqual([{ N: 10 }]);
      await ok("ALTER TABLE EVENTS ADD COLUMN IF NOT EXISTS EXTRA BOOLEAN");
      await ok("ALTER TABLE EVENTS ADD COLUMN IF NOT EXISTS EXTRA BOOLEAN");
    });

    it("no-ops: CLUSTER BY, tags, inline column comments, VARCHAR(n) length", async () => {
      await ok("CREATE TABLE IF NOT EXISTS T_CLUSTERED (ID NUMBER(20,0), D DATE) CLUSTER BY (D)");
      await ok("ALTER TABLE T_CLUSTERED CLUSTER BY (ID)");
      const [shown] = await query(conn, "SHOW TABLES LIKE 'T_CLUSTERED'");
      expect(shown).toMatchObject({ name: "T_CLUSTERED", cluster_by: "" }); // not recorded
      await ok("CREATE TAG IF NOT EXISTS PII ALLOWED_VALUES 'email', 'name'");
      await ok("ALTER TABLE T_CLUSTERED MODIFY COLUMN ID SET TAG PII = 'email'");
      await rejects("SHOW TAGS", /TAGS does not exist/);
      await ok("CREATE TABLE IF NOT EXISTS T_COMMENTED (ID NUMBER(20,0) COMMENT 'the id', V VARCHAR(3)) COMMENT = 'tbl'");
      const cols = await query(
        conn,
        "SELECT COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH, COMMENT FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'T_COMMENTED' ORDER BY COLUMN_NAME",
        [SCHEMA],
      );
      expect(cols).toEqual([
        { COLUMN_NAME: "ID", CHARACTER_MAXIMUM_LENGTH: null, COMMENT: null }, // inline comment dropped
        { COLUMN_NAME: "V", CHARACTER_MAXIMUM_LENGTH: 3, COMMENT: null },
      ]);
      await ok("INSERT INTO T_COMMENTED (ID, V) VALUES (1, 'longer than three')"); // Snowflake: error 100074
    });

    it("column comments: ALTER ... COMMENT is ignored; COMMENT ON COLUMN applies but answers an error", async () => {
      const comment = async () =>
        (await query(conn, "SHOW COLUMNS IN TABLE T_COMMENTED")).find((c) => c.column_name === "V")?.comment;
      await ok("ALTER TABLE T_COMMENTED ALTER COLUMN V COMMENT 'via alter'");
      expect(await comment()).toBe(""); // accepted, not recorded
      await rejects("COMMENT ON COLUMN T_COMMENTED.V IS 'via comment on'", /syntax error at or near "ON"/);
      expect(await comment()).toBe("via comment on"); // recorded, yet the statement reported an error
      await ok("COMMENT ON TABLE T_COMMENTED IS 'table comment'");
      const [shown] = await query(conn, "SHOW TABLES LIKE 'T_COMMENTED'");
      expect(shown).toMatchObject({ comment: "" }); // SHOW TABLES does not show it...
      const tables = await query(
        conn,
        "SELECT COMMENT FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'T_COMMENTED'",
        [SCHEMA],
      );
      expect(tables).toEqual([{ COMMENT: "table comment" }]); // ...information_schema does
    });

    it("rejected: masking policies, time travel, ARRAY_CONSTRUCT; type errors differ from Snowflake's", async () => {
      await rejects(
        "CREATE MASKING POLICY IF NOT EXISTS MASK_EMAIL AS (VAL STRING) RETURNS STRING -> '***'",
        /syntax error at or near "MASKING"/,
      );
      await rejects("SELECT * FROM T_TRANSIENT AT(OFFSET => -60)", /syntax error/);
      await rejects("SELECT ARRAY_CONSTRUCT(1, 2) AS A", /Unhandled exception/);
      expect(await query(conn, "SELECT PARSE_JSON('[1,2]')::ARRAY AS A")).toEqual([{ A: [1, 2] }]);
      // Snowflake: 100038 "Numeric value 'not a number' is not recognized"
      await rejects("INSERT INTO EVENTS (ID) VALUES ('not a number')", /Could not convert string/);
    });

    it("TIMESTAMP_NTZ(9) keeps microseconds only (DuckDB TIMESTAMP)", async () => {
      await query(conn, "CREATE OR REPLACE TABLE T_NANOS (TS TIMESTAMP_NTZ(9))");
      await query(conn, "INSERT INTO T_NANOS SELECT TO_TIMESTAMP_NTZ(?)", ["2024-01-02 03:04:05.123456789"]);
      const [row] = await query(conn, "SELECT TS FROM T_NANOS");
      expect((row.TS as SfDate).getNanoSeconds()).toBe(123_456_000); // Snowflake: 123456789
    });
  });

  it("keeps rows across a server restart; old sessions must reconnect", async () => {
    await query(conn, "CREATE OR REPLACE TABLE T_DURABLE (ID NUMBER(20,0), NAME VARCHAR)");
    await query(conn, "INSERT INTO T_DURABLE VALUES (?, ?)", [[1, "before"], [2, "restart"]]);
    await restartFakesnow();
    // the server forgot the session token: snowflake-sdk reports 401004 "Invalid token"
    await expect(query(conn, "SELECT COUNT(*) AS N FROM T_DURABLE")).rejects.toMatchObject({ code: 401004 });
    await destroy(conn).catch(() => undefined);
    conn = await connectFakesnow({ database: DATABASE, schema: SCHEMA });
    expect(await query(conn, "SELECT ID, NAME FROM T_DURABLE ORDER BY ID")).toEqual([
      { ID: 1, NAME: "before" },
      { ID: 2, NAME: "restart" },
    ]);
    expect(await query(conn, "SELECT COUNT(*) AS N FROM EVENTS")).toEqual([{ N: 10 }]);
  });
});
