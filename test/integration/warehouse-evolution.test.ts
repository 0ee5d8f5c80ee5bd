/**
 * The three-PR contract evolution, end to end through the built CLI, on DuckDB and on the
 * Snowflake-protocol server (issue 9 items 2–4): PR1 adds fields and deletes a `required` one
 * (number and name reserved); PR2 renames a field kept on its column with `column:` plus an
 * approval; PR3 widens int32 → int64 and turns string → bytes with approvals. After each
 * `ddl plan` + `ddl apply`, `evt run` restarts and every old and new row is in the table, and the
 * DLQ stays empty. Before an apply, `evt run` refuses to start naming the table and the migration.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { create, createFileRegistry, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { DuckDBInstance } from "@duckdb/node-api";
import kafkajs from "kafkajs";
import { uuidv7 } from "../../runtime/uuid7.js";
import { REPO_ROOT, VOCABULARY } from "../helpers/compile-proto.js";
import { fakesnowInfo } from "../helpers/fakesnow.js";
import { kafkaBrokers, topicSize } from "../helpers/kafka.js";
import { runEvt } from "../helpers/run-cli.js";
import { connectFakesnow, destroy, query } from "../helpers/snowflake-connect.js";
import { committedTotal, waitUntil } from "./fixtures/sink-setup.js";
import { loadCatalog } from "../../compiler/model/build-catalog.js";

const V1 = (topic: string): string => `syntax = "proto3";

package evo.v1;

import "evt/v1/options.proto";

// A thing happened.
message Thing {
  option (evt.v1.event) = {
    topic: "${topic}"
    key: "id"
    owner: "team-evo"
    sink: { table: "EVO.THING" }
  };
  // The thing's id.
  string id = 1 [(evt.v1.field) = { required: true }];
  // How much.
  int32 amount = 2;
  // Gone in a later version.
  string legacy = 9 [(evt.v1.field) = { required: true }];
}
`;
/** PR1: three fields added, the required `legacy` deleted (number and name reserved). */
const V2 = (topic: string): string => V1(topic).replace(`  // Gone in a later version.
  string legacy = 9 [(evt.v1.field) = { required: true }];`, `  reserved 9;
  reserved "legacy";
  // A note.
  string note = 3;
  // Quantity.
  int32 qty = 4;
  // A label.
  string label = 5;`);
/** PR2: `note` renamed to `remark`, kept on its column. */
const V3 = (topic: string): string => V2(topic).replace(`  // A note.
  string note = 3;`, `  // A note.
  string remark = 3 [(evt.v1.field) = { column: "NOTE" }];`);
/** PR3: int32 → int64, string → bytes. */
const V4 = (topic: string): string => V3(topic).replace("int32 qty = 4;", "int64 qty = 4;").replace("string label = 5;", "bytes label = 5;");

const APPROVALS_PR2 = `- rule: FIELD_SAME_NAME
  element: evo.v1.Thing.remark
  reason: "renamed in code only; the column keeps NOTE (PLAT-2)"
- rule: FIELD_SAME_JSON_NAME
  element: evo.v1.Thing.remark
  reason: "no JSON consumers (PLAT-2)"
`;
const APPROVALS_PR3 = APPROVALS_PR2 + `- rule: FIELD_WIRE_JSON_COMPATIBLE_TYPE
  element: evo.v1.Thing.label
  reason: "no JSON consumers (PLAT-3)"
- rule: COLUMN_TYPE_COMPATIBLE
  element: EVO.THING.LABEL
  reason: "labels are bytes now; the column is rewritten by V0003 (PLAT-3)"
`;

const work: string[] = [];
afterAll(() => {
  for (const d of work) rmSync(d, { recursive: true, force: true });
});

interface Project {
  readonly dir: string;
  readonly topic: string;
  readonly env: Record<string, string>;
  readonly target: "duckdb" | "snowflake";
  readonly groupPrefix: string;
}

/** A contract repository inside the checkout (.tmp/ is ignored), so the generated TS resolves `evt/runtime` and protobuf-es. */
function project(target: Project["target"], env: Record<string, string>): Project {
  mkdirSync(path.join(REPO_ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(path.join(REPO_ROOT, ".tmp", `evo-${target}-`));
  work.push(dir);
  const tag = randomBytes(4).toString("hex");
  const topic = `evo${tag}.thing.v1`;
  writeFileSync(path.join(dir, "evt.yaml"), `proto: proto\nout: gen\nwarehouse:\n  target: ${target}\n  duckdbPath: w.duckdb\n`);
  return { dir, topic, env, target, groupPrefix: `evo-${tag}` };
}

/** Writes version `text` as the working tree, and keeps a copy as `baseline-<n>` for --against. */
function checkout(p: Project, text: string, n: number): void {
  for (const root of ["proto", `baseline-${n}`]) {
    rmSync(path.join(p.dir, root), { recursive: true, force: true });
    mkdirSync(path.join(p.dir, root, "evt/v1"), { recursive: true });
    mkdirSync(path.join(p.dir, root, "evo/v1"), { recursive: true });
    cpSync(VOCABULARY, path.join(p.dir, root, "evt/v1/options.proto"));
    writeFileSync(path.join(p.dir, root, "evo/v1/thing.proto"), text);
  }
}

function evt(p: Project, args: readonly string[]) {
  return runEvt(args, { cwd: p.dir, env: p.env });
}

function ok(p: Project, args: readonly string[]): ReturnType<typeof runEvt> {
  const r = evt(p, args);
  expect(r.code, `evt ${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

async function schemaOf(text: string): Promise<DescMessage> {
  const dir = mkdtempSync(path.join(REPO_ROOT, ".tmp", "evo-schema-"));
  work.push(dir);
  mkdirSync(path.join(dir, "evt/v1"), { recursive: true });
  mkdirSync(path.join(dir, "evo/v1"), { recursive: true });
  cpSync(VOCABULARY, path.join(dir, "evt/v1/options.proto"));
  writeFileSync(path.join(dir, "evo/v1/thing.proto"), text);
  const { set } = await loadCatalog(dir, "");
  return createFileRegistry(set).getMessage("evo.v1.Thing")!;
}

const kafka = () => new kafkajs.Kafka({ brokers: kafkaBrokers(), clientId: "evo-test", logLevel: kafkajs.logLevel.NOTHING });

async function produce(topic: string, schema: DescMessage, events: readonly Record<string, unknown>[]): Promise<string[]> {
  const producer = kafka().producer({ allowAutoTopicCreation: false, idempotent: true });
  await producer.connect();
  try {
    const ids = events.map(() => uuidv7());
    await producer.send({
      topic,
      acks: -1,
      messages: events.map((e, i) => ({
        key: String(e.id),
        value: Buffer.from(toBinary(schema, create(schema, e as never))),
        headers: { ce_specversion: "1.0", ce_id: ids[i]!, ce_source: "evo-test", ce_type: "evo.v1.Thing", ce_time: "2024-05-06T07:08:09Z", "content-type": "application/protobuf" },
      })),
    });
    return ids;
  } finally {
    await producer.disconnect();
  }
}

/** Starts `evt run`, waits until the group committed `total` records, stops it with SIGTERM (exit 0). */
async function runUntil(p: Project, total: number): Promise<void> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin/run.js"), "run", "--brokers", kafkaBrokers().join(","), "--group-prefix", p.groupPrefix], {
    cwd: p.dir, env: { ...process.env, ...p.env }, stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  let exited: number | null | undefined;
  void exit.then((c) => (exited = c));
  try {
    await waitUntil(async () => {
      if (exited !== undefined) throw new Error(`evt run exited ${exited} early:\n${stderr}`);
      return (await committedTotal(`${p.groupPrefix}.EVO.THING`, p.topic)) >= total;
    }, `${total} committed`, 120_000);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exit, stderr).toBe(0);
}

/** Writes the table work `ddl plan` printed for an approved change as the user's own migration (both dialects). */
function commitManualWork(p: Project, planStderr: string, name: string): void {
  const line = (dialect: string): string => {
    const m = new RegExp(`^  ${dialect}: (.*)$`, "m").exec(planStderr);
    expect(m, planStderr).not.toBeNull();
    return m![1]!.split(/;\s*/).filter(Boolean).map((s) => `${s};`).join("\n");
  };
  writeFileSync(path.join(p.dir, "gen/snowflake/migrations", name), `-- reviewed: label becomes BINARY (PLAT-3)\n${line("snowflake")}\n`);
  writeFileSync(path.join(p.dir, "gen/duckdb/migrations", name), `-- reviewed: label becomes BLOB (PLAT-3)\n${line("duckdb")}\n`);
}

type Row = Record<string, unknown> & { id: string; amount: string | null; note: string | null; qty: string | null; label: string | null; legacy: string | null };

async function evolve(p: Project, readRows: () => Promise<Row[]>): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: p.topic, numPartitions: 2, replicationFactor: 1 }] });
  await admin.disconnect();

  // PR0: the first contract.
  checkout(p, V1(p.topic), 1);
  ok(p, ["generate", "--quiet"]);
  ok(p, ["ddl", "apply"]);
  const s1 = await schemaOf(V1(p.topic));
  const ids1 = await produce(p.topic, s1, Array.from({ length: 20 }, (_, i) => ({ id: `a${i}`, amount: i, legacy: `l${i}` })));
  await runUntil(p, 20);

  // PR1: add fields, delete the required `legacy`.
  checkout(p, V2(p.topic), 2);
  const plan1 = ok(p, ["ddl", "plan", "--against", "baseline-1"]);
  expect(plan1.stderr).toMatch(/wrote gen\/snowflake\/migrations\/V0001__\w+\.sql and gen\/duckdb\/migrations\/V0001__\w+\.sql/);
  const v1 = readdirSync(path.join(p.dir, "gen/duckdb/migrations"))[0]!;
  expect(readFileSync(path.join(p.dir, "gen/duckdb/migrations", v1), "utf8")).toContain('ALTER TABLE "EVO"."THING" ALTER COLUMN "LEGACY" DROP NOT NULL;');
  expect(evt(p, ["check-compat", "--against", "baseline-1"]).code).toBe(0); // the migration is committed
  ok(p, ["generate", "--quiet"]);
  // the table lags until the migration is applied: refuse, naming table and migration
  const refused = evt(p, ["run", "--brokers", kafkaBrokers().join(","), "--group-prefix", p.groupPrefix]);
  expect(refused.code, refused.stderr).toBe(2);
  // one line besides evt run's JSON log lines
  expect(refused.stderr.trim().split("\n").filter((l) => !l.startsWith("{")), refused.stderr).toHaveLength(1);
  expect(refused.stderr).toContain(`table EVO.THING of sink EVO.THING lags its contract`);
  expect(refused.stderr).toContain(`pending migration ${v1}`);
  expect(ok(p, ["ddl", "apply"]).stdout).toContain(`applied migration(s): ${v1}`);
  expect(ok(p, ["ddl", "apply"]).stdout).toContain("no pending migrations"); // rerun: a no-op
  const s2 = await schemaOf(V2(p.topic));
  const ids2 = await produce(p.topic, s2, Array.from({ length: 20 }, (_, i) => ({ id: `b${i}`, amount: i, note: `n${i}`, qty: i, label: `x${i}` })));
  await runUntil(p, 40);

  // PR2: rename kept on its column, with approvals: nothing to migrate.
  checkout(p, V3(p.topic), 3);
  expect(evt(p, ["check-compat", "--against", "baseline-2"]).code).toBe(1);
  writeFileSync(path.join(p.dir, "evt-approvals.yaml"), APPROVALS_PR2);
  ok(p, ["check-compat", "--against", "baseline-2"]);
  expect(ok(p, ["ddl", "plan", "--against", "baseline-2"]).stderr).toContain("no migration needed");
  ok(p, ["generate", "--quiet"]);
  const s3 = await schemaOf(V3(p.topic));
  const ids3 = await produce(p.topic, s3, Array.from({ length: 20 }, (_, i) => ({ id: `c${i}`, amount: i, remark: `r${i}`, qty: i, label: `y${i}` })));
  await runUntil(p, 60);

  // PR3: int32 → int64 (a widening migration), string → bytes (approved; its table work named by ddl plan).
  checkout(p, V4(p.topic), 4);
  writeFileSync(path.join(p.dir, "evt-approvals.yaml"), APPROVALS_PR2);
  const unapproved = evt(p, ["ddl", "plan", "--against", "baseline-3", "--dry-run"]);
  expect(unapproved.code).toBe(1); // string → bytes fails ddl plan and check-compat alike
  expect(evt(p, ["check-compat", "--against", "baseline-3"]).code).toBe(1);
  writeFileSync(path.join(p.dir, "evt-approvals.yaml"), APPROVALS_PR3);
  const plan3 = ok(p, ["ddl", "plan", "--against", "baseline-3"]);
  expect(plan3.stderr).toContain("approved COLUMN_TYPE_COMPATIBLE on EVO.THING.LABEL still needs table work");
  commitManualWork(p, plan3.stderr, "V0003__label_to_binary.sql");
  ok(p, ["check-compat", "--against", "baseline-3"]);
  ok(p, ["generate", "--quiet"]);
  const lagging = evt(p, ["run", "--brokers", kafkaBrokers().join(","), "--group-prefix", p.groupPrefix]);
  expect(lagging.code).toBe(2);
  expect(lagging.stderr).toMatch(/lags its contract \(column (QTY|LABEL) .*pending migration V0002__widen_evo_thing\.sql, V0003__label_to_binary\.sql/);
  expect(ok(p, ["ddl", "apply"]).stdout).toContain("applied migration(s): V0002__widen_evo_thing.sql, V0003__label_to_binary.sql");
  const s4 = await schemaOf(V4(p.topic));
  const big = 2n ** 40n;
  const ids4 = await produce(p.topic, s4, Array.from({ length: 20 }, (_, i) => ({ id: `d${i}`, amount: i, remark: `r${i}`, qty: big + BigInt(i), label: new Uint8Array([0xff, i]) })));
  await runUntil(p, 80);

  // Every event of every version is in the table, once; the DLQ is empty.
  const rows = await readRows();
  expect(rows.map((r) => r.id).sort()).toEqual([...ids1, ...ids2, ...ids3, ...ids4].sort());
  expect(await topicSize(`${p.topic}.dlq`).catch(() => 0)).toBe(0);
  const byKey = new Map(rows.map((r) => [r.id, r]));
  expect(byKey.get(ids1[3]!)).toMatchObject({ legacy: "l3", note: null });
  expect(byKey.get(ids2[3]!)).toMatchObject({ note: "n3", qty: "3", label: Buffer.from("x3").toString("hex"), legacy: null });
  expect(byKey.get(ids3[3]!)).toMatchObject({ note: "r3", label: Buffer.from("y3").toString("hex") });
  expect(byKey.get(ids4[3]!)).toMatchObject({ note: "r3", qty: String(big + 3n), label: "ff03", legacy: null });
}

const SELECT = (hex: string) =>
  `SELECT "EVT_EVENT_ID" AS "id", CAST("AMOUNT" AS VARCHAR) AS "amount", "NOTE" AS "note", CAST("QTY" AS VARCHAR) AS "qty", LOWER(${hex}("LABEL")) AS "label", "LEGACY" AS "legacy" FROM "EVO"."THING"`;

describe("contract evolution over three PRs", () => {
  it("on DuckDB: migrations planned, applied with history, evt run refuses a lagging table, no row lost, DLQ empty", async () => {
    const p = project("duckdb", {});
    await evolve(p, async () => {
      const inst = await DuckDBInstance.create(path.join(p.dir, "w.duckdb"));
      const c = await inst.connect();
      try {
        return (await c.runAndReadAll(SELECT("hex"))).getRowObjectsJson() as unknown as Row[];
      } finally {
        c.closeSync();
        inst.closeSync();
      }
    });
  }, 600_000);

  it("on the Snowflake-protocol server: the same three PRs, the same outcome", async () => {
    const database = `EVO_${randomBytes(4).toString("hex").toUpperCase()}`;
    const env = {
      EVT_SNOWFLAKE_ACCOUNT: "fakesnow", EVT_SNOWFLAKE_USER: "evo", EVT_SNOWFLAKE_PASSWORD: "pw", EVT_SNOWFLAKE_DATABASE: database,
      EVT_SNOWFLAKE_SCHEMA: "PUBLIC", EVT_SNOWFLAKE_ACCESS_URL: fakesnowInfo().accessUrl,
    };
    const p = project("snowflake", env);
    await evolve(p, async () => {
      const conn = await connectFakesnow({ database, schema: "PUBLIC" });
      try {
        return await query<Row>(conn, SELECT("HEX_ENCODE"));
      } finally {
        await destroy(conn);
      }
    });
  }, 600_000);
});
