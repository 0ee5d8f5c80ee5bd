/**
 * Golden: `generated/` (committed) is exactly what generate produces for the example catalog in
 * proto/, file for file, plus targeted checks of the example's special cases.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { OutputFile } from "../../../compiler/emit/generate.js";
import { contentHashes, listOutputFiles, MANIFEST_FILE, manifestText } from "../../../compiler/emit/write-output.js";
import { loadCatalog, type LoadedContracts } from "../../../compiler/model/build-catalog.js";
import { mappingRow, METADATA_COLUMNS } from "../../../compiler/warehouse/mapping.js";
import { REPO_ROOT } from "../../helpers/compile-proto.js";
import { columnLine, fileOf, generateAll } from "./helpers.js";

const GENERATED = path.join(REPO_ROOT, "generated");
let loaded: LoadedContracts;
let files: OutputFile[];

beforeAll(async () => {
  loaded = await loadCatalog(path.join(REPO_ROOT, "proto"), "");
  // the repository's evt.yaml opts in to generated/java (flink.java: true)
  files = await generateAll(loaded, { javaProtoRoot: "../../proto" });
});

describe("generated/ is the golden output of proto/", () => {
  it("has exactly the generated files (none missing, none extra)", () => {
    expect(listOutputFiles(GENERATED).filter((p) => !p.startsWith("snowflake/migrations/") && p !== MANIFEST_FILE)).toEqual(files.map((f) => f.path));
  });

  it("has the manifest of exactly those files (output ownership, docs/decisions.md D40)", () => {
    expect(readFileSync(path.join(GENERATED, MANIFEST_FILE), "utf8")).toBe(manifestText(contentHashes(files)));
  });

  it("matches every generated file byte for byte", () => {
    const differing = files.filter((f) => readFileSync(path.join(GENERATED, f.path), "utf8") !== f.content).map((f) => f.path);
    expect(differing).toEqual([]);
  });

  it("has one contract module per proto file with events, one DDL and one connector config per sink", () => {
    const withEvents = new Set(loaded.catalog.events.map((e) => e.file));
    expect(files.filter((f) => f.path.endsWith("_evt.ts")).map((f) => f.path)).toEqual([...withEvents].sort().map((f) => `ts/${f.replace(/\.proto$/, "_evt.ts")}`));
    const sinks = loaded.catalog.events.flatMap((e) => e.sinks.map((s) => s.table)).sort();
    expect(sinks).toHaveLength(16);
    expect(files.filter((f) => f.kind === "snowflake-ddl").map((f) => f.path)).toEqual(sinks.map((t) => `snowflake/tables/${t}.sql`));
    expect(files.filter((f) => f.kind === "kafka-connect").map((f) => f.path)).toEqual(sinks.map((t) => `sinks/kafka-connect/${t}.json`));
  });
});

describe("example catalog specifics", () => {
  it("flattens the two-level nested Address → GeoPoint into PARENT__CHILD columns", () => {
    const ddl = fileOf(files, "snowflake/tables/DELIVERIES.DELIVERY_ASSIGNED.sql");
    expect(columnLine(ddl, "DROPOFF_ADDRESS__LOCATION__LATITUDE")).toMatch(/^"DROPOFF_ADDRESS__LOCATION__LATITUDE" FLOAT COMMENT '\[PII:PERSONAL\] Latitude/);
    expect(ddl).not.toMatch(/"DROPOFF_ADDRESS" /);
    // The nested key courier.courier_id is a required chain: NOT NULL.
    expect(columnLine(ddl, "COURIER__COURIER_ID")).toMatch(/NUMBER\(19,0\) NOT NULL/);
  });

  it("uses column_type overrides and column renames", () => {
    const ddl = fileOf(files, "snowflake/tables/PAYMENTS.PAYMENT_AUTHORIZED.sql");
    expect(columnLine(ddl, "NETWORK_TRANSACTION_ID")).toMatch(/^"NETWORK_TRANSACTION_ID" NUMBER\(38,0\) /);
    expect(columnLine(ddl, "AUTH_CODE")).toMatch(/^"AUTH_CODE" VARCHAR COMMENT '\[PII:SENSITIVE\] /);
    expect(ddl).not.toContain('"AUTHORIZATION_CODE"');
  });

  it("keys UPSERT sinks on the key column and APPEND sinks on EVT_EVENT_ID, in DDL and sink config", () => {
    const config = JSON.parse(fileOf(files, "sinks/evt-sinks.json")) as { sinks: { name: string; mode: string; mergeKey: string[] }[] };
    const byName = new Map(config.sinks.map((s) => [s.name, s]));
    expect(byName.get("ORDERS.ORDER_STATUS_LATEST")).toMatchObject({ mode: "UPSERT", mergeKey: ["ORDER_ID"] });
    expect(byName.get("COURIER.COURIER_LOCATION_LATEST")).toMatchObject({ mode: "UPSERT", mergeKey: ["COURIER_ID"] });
    expect(byName.get("ORDERS.ORDER_STATUS_HISTORY")).toMatchObject({ mode: "APPEND", mergeKey: ["EVT_EVENT_ID"] });
    expect(fileOf(files, "snowflake/tables/ORDERS.ORDER_STATUS_LATEST.sql")).toContain('-- Mode UPSERT, merge key "ORDER_ID"');
    expect(fileOf(files, "snowflake/tables/ORDERS.ORDER_STATUS_HISTORY.sql")).toContain('-- Mode APPEND, merge key "EVT_EVENT_ID"');
  });

  it("writes both sinks of the two-sink event into the contract", () => {
    const mod = fileOf(files, "ts/orders/v1/orders_evt.ts");
    expect(mod).toContain('sinks: [{ table: "ORDERS.ORDER_STATUS_HISTORY", mode: "APPEND" }, { table: "ORDERS.ORDER_STATUS_LATEST", mode: "UPSERT" }],');
  });

  it("puts the metadata columns with their documented types first in every table", () => {
    for (const f of files.filter((x) => x.kind === "snowflake-ddl")) {
      const lines = f.content.split("\n").filter((l) => l.startsWith('  "'));
      METADATA_COLUMNS.forEach((m, i) => expect(lines[i]).toMatch(new RegExp(`^  "${m.name}" ${m.snowflake.replace(/[()]/g, "\\$&")}${m.nullable ? " COMMENT" : " NOT NULL COMMENT"}`)));
    }
  });

  it("maps every WKT of the example through its mapping row", () => {
    const ddl = fileOf(files, "snowflake/tables/CLICKSTREAM.PAGE_VIEWED.sql");
    expect(columnLine(ddl, "PROPERTIES")).toContain(` ${mappingRow("google.protobuf.Struct").snowflake} `);
    expect(columnLine(ddl, "TIME_ON_PREVIOUS_PAGE")).toContain(` ${mappingRow("google.protobuf.Duration").snowflake} `);
    expect(columnLine(ddl, "VIEWED_AT")).toContain(` ${mappingRow("google.protobuf.Timestamp").snowflake} NOT NULL `);
    expect(columnLine(ddl, "USER_ID")).toContain(` ${mappingRow("google.protobuf.StringValue").snowflake} `);
    const search = fileOf(files, "snowflake/tables/CLICKSTREAM.SEARCH_PERFORMED.sql");
    expect(columnLine(search, "FILTERS")).toContain(" VARIANT ");
    expect(columnLine(search, "PREVIOUS_QUERY_FINGERPRINT")).toContain(` ${mappingRow("google.protobuf.UInt64Value").snowflake} `);
    expect(columnLine(search, "QUERY_FINGERPRINT")).toContain(" NUMBER(20,0) ");
    expect(columnLine(search, "RELEVANCE_SCORES")).toContain(" ARRAY ");
  });

  it("emits catalog.json with formatVersion 1 first and sorted keys", () => {
    const text = fileOf(files, "catalog.json");
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const keys = Object.keys(parsed);
    expect(keys[0]).toBe("formatVersion");
    expect(keys.slice(1)).toEqual([...keys.slice(1)].sort());
    expect(keys).toEqual(expect.arrayContaining(["enums", "events", "files", "messages"]));
    expect(parsed.formatVersion).toBe(1);
    expect((parsed.events as unknown[]).length).toBe(16);
  });
});
