/**
 * Snowflake DDL and sink config from proto text: every type of the mapping (read from the mapping
 * data, not a copy), oneofs, flattening, PII, merge keys, escaping, identifier errors.
 */
import { describe, expect, it } from "vitest";
import { isEvtError } from "../../../compiler/errors.js";
import { isLintRefusalError, type LintRefusalError } from "../../../compiler/rules/lint/refuse.js";
import { mappingRow, WAREHOUSE_MAPPING } from "../../../compiler/warehouse/mapping.js";
import { compileProto } from "../../helpers/compile-proto.js";
import { columnLine, fileOf, generateAll } from "./helpers.js";

const HEADER = `syntax = "proto3";
package t.v1;
import "evt/v1/options.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
`;

const SCALARS = ["double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes"];
const WKTS = ["Timestamp", "Duration", "Struct", "Value", "ListValue", "DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value", "BoolValue", "StringValue", "BytesValue"];

const ALL_TYPES = HEADER + `
enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; }
// A point.
message Point { double x = 1; double y = 2; string label = 3 [(evt.v1.field) = { pii: SENSITIVE }]; }

// Every type. It's the widest event.
message Wide {
  option (evt.v1.event) = {
    topic: "t.wide.v1" key: "id" owner: "team-t"
    sink: { table: "T.WIDE" mode: UPSERT cluster_by: ["S_INT64"] }
  };
  string id = 1 [(evt.v1.field) = { required: true }];
${SCALARS.map((s, i) => `  // The ${s}'s "value" \\ here.\n  ${s} s_${s} = ${i + 2};`).join("\n")}
${WKTS.map((w, i) => `  google.protobuf.${w} w_${w.toLowerCase()} = ${i + 30};`).join("\n")}
  Color color = 50;
  repeated int64 r_int64 = 51;
  repeated Color r_color = 52;
  repeated Point r_point = 53;
  map<string, int32> m = 54;
  Point point = 55;
  oneof choice {
    string c_text = 56;
    Point c_point = 57 [(evt.v1.field) = { pii: PERSONAL }];
  }
}
`;

describe("Snowflake DDL follows the mapping data", async () => {
  const loaded = await compileProto({ "t/v1/wide.proto": ALL_TYPES });
  const files = await generateAll(loaded);
  const ddl = fileOf(files, "snowflake/tables/T.WIDE.sql");
  const config = JSON.parse(fileOf(files, "sinks/evt-sinks.json")) as { sinks: { columns: { name: string; kind: string; sqlType: string; duckdbType: string; path: string[]; oneof?: string; wrapper?: boolean; elementKind?: string; pii?: string }[]; mergeKey: string[] }[] };
  const columns = new Map(config.sinks[0]!.columns.map((c) => [c.name, c]));

  it("maps every scalar through its row", () => {
    for (const s of SCALARS) {
      const row = mappingRow(s);
      expect(columnLine(ddl, `S_${s.toUpperCase()}`)).toMatch(new RegExp(`^"S_${s.toUpperCase()}" ${row.snowflake.replace(/[()]/g, "\\$&")} COMMENT`));
      expect(columns.get(`S_${s.toUpperCase()}`)).toMatchObject({ kind: row.kind, sqlType: row.snowflake, duckdbType: row.duckdb, path: [`s_${s}`] });
    }
    expect(columnLine(ddl, "S_UINT64")).toContain(" NUMBER(20,0) ");
    expect(columnLine(ddl, "S_FIXED64")).toContain(" NUMBER(20,0) ");
  });

  it("maps every well-known type through its row (wrappers marked)", () => {
    for (const w of WKTS) {
      const row = mappingRow(`google.protobuf.${w}`);
      const name = `W_${w.toUpperCase()}`;
      expect(columnLine(ddl, name)).toContain(` ${row.snowflake}`);
      expect(columns.get(name)).toMatchObject({ kind: row.kind, sqlType: row.snowflake });
      expect(columns.get(name)!.wrapper ?? false).toBe(row.wrapper ?? false);
    }
    expect(columnLine(ddl, "W_TIMESTAMP")).toBe('"W_TIMESTAMP" TIMESTAMP_NTZ(9),');
  });

  it("maps enums, repeated, maps and nested messages", () => {
    expect(columns.get("COLOR")).toMatchObject({ kind: "enum_name", sqlType: mappingRow("enum").snowflake });
    expect(columns.get("R_INT64")).toMatchObject({ kind: "array", elementKind: "number", sqlType: "ARRAY", duckdbType: "BIGINT[]" });
    expect(columns.get("R_COLOR")).toMatchObject({ kind: "array", elementKind: "enum_name", duckdbType: "VARCHAR[]" });
    expect(columns.get("R_POINT")).toMatchObject({ kind: "variant", sqlType: mappingRow("repeated_message").snowflake });
    expect(columns.get("M")).toMatchObject({ kind: "variant", sqlType: mappingRow("map").snowflake });
    expect(columns.get("POINT")).toMatchObject({ kind: "variant", sqlType: mappingRow("message").snowflake, pii: "sensitive" });
  });

  it("gives a oneof one nullable column per member plus <ONEOF>_CASE", () => {
    expect(columnLine(ddl, "C_TEXT")).toBe('"C_TEXT" VARCHAR,');
    expect(columnLine(ddl, "C_POINT")).toMatch(/^"C_POINT" VARIANT COMMENT '\[PII:SENSITIVE\]/);
    expect(columnLine(ddl, "CHOICE_CASE")).toMatch(/^"CHOICE_CASE" VARCHAR COMMENT/);
    expect(columns.get("CHOICE_CASE")).toMatchObject({ kind: "oneof_case", path: ["choice"], oneof: "choice" });
    expect(columns.get("C_TEXT")).toMatchObject({ oneof: "choice", path: ["c_text"] });
  });

  it("escapes quotes and backslashes in comments", () => {
    expect(columnLine(ddl, "S_STRING")).toContain(`COMMENT 'The string''s "value" \\\\ here.'`);
    expect(ddl).toContain("COMMENT = 'Event contract t.v1.Wide (topic t.wide.v1, owner team-t, UPSERT). Every type. It''s the widest event.';");
  });

  it("keeps a single backslash in DuckDB comments (standard SQL literals: backslash is not an escape there)", () => {
    const duck = fileOf(files, "duckdb/tables/T.WIDE.sql");
    expect(duck).toContain(`COMMENT ON COLUMN "T"."WIDE"."S_STRING" IS 'The string''s "value" \\ here.';`);
    expect(duck).not.toContain("\\\\");
  });

  it("keys an UPSERT sink on the key column and clusters as asked", () => {
    expect(config.sinks[0]!.mergeKey).toEqual(["ID"]);
    expect(ddl).toContain('-- Mode UPSERT, merge key "ID"');
    expect(ddl).toContain('CLUSTER BY ("S_INT64")');
    expect(columnLine(ddl, "ID")).toContain("VARCHAR NOT NULL");
  });

  it("never replaces or alters: only IF NOT EXISTS", () => {
    expect(ddl).toMatch(/^CREATE TABLE IF NOT EXISTS "T"\."WIDE" \(/m);
    for (const f of files.filter((x) => x.path.endsWith(".sql"))) expect(f.content).not.toMatch(/CREATE OR (REPLACE|ALTER)/i);
  });

  it("covers every row of the mapping table with this fixture", () => {
    const used = new Set(config.sinks[0]!.columns.map((c) => c.kind));
    for (const row of WAREHOUSE_MAPPING) expect(used).toContain(row.kind);
  });

  it("emits a PII tag statement per PII column", () => {
    const tags = fileOf(files, "snowflake/governance/pii_tags.sql");
    expect(tags).toContain(`CREATE TAG IF NOT EXISTS "EVT_GOVERNANCE"."PII" ALLOWED_VALUES 'PERSONAL', 'SENSITIVE'`);
    expect(tags).toContain(`ALTER TABLE IF EXISTS "T"."WIDE" MODIFY COLUMN "C_POINT" SET TAG "EVT_GOVERNANCE"."PII" = 'SENSITIVE';`);
    expect(tags).not.toContain('"C_TEXT"');
  });
});

describe("flattening and identifier problems", () => {
  it("flattens recursively with PARENT__CHILD and inherits PII and oneof membership", async () => {
    const loaded = await compileProto({
      "t/v1/f.proto": HEADER + `
message Geo { double latitude = 1; }
message Addr { string line1 = 1; Geo location = 2 [(evt.v1.field) = { pii: PERSONAL }]; oneof kind { string a = 3; string b = 4; } }
message Flat {
  option (evt.v1.event) = { topic: "t.flat.v1" owner: "o" sink: { table: "T.FLAT" flatten_nested: true } };
  Addr dropoff_address = 1;
}`,
    });
    const files = await generateAll(loaded);
    const ddl = fileOf(files, "snowflake/tables/T.FLAT.sql");
    expect(columnLine(ddl, "DROPOFF_ADDRESS__LOCATION__LATITUDE")).toMatch(/^"DROPOFF_ADDRESS__LOCATION__LATITUDE" FLOAT COMMENT '\[PII:PERSONAL\] /);
    expect(columnLine(ddl, "DROPOFF_ADDRESS__LINE1")).not.toContain("[PII:");
    expect(columnLine(ddl, "DROPOFF_ADDRESS__KIND_CASE")).toContain("VARCHAR");
    const config = JSON.parse(fileOf(files, "sinks/evt-sinks.json")) as { sinks: { columns: { name: string; path: string[] }[] }[] };
    expect(config.sinks[0]!.columns.find((c) => c.name === "DROPOFF_ADDRESS__KIND_CASE")!.path).toEqual(["dropoff_address", "kind"]);
  });

  it("refuses (lint findings, positioned) reserved words and collisions", async () => {
    const text = HEADER + `
message Bad {
  option (evt.v1.event) = { topic: "t.bad.v1" key: "id" owner: "o" sink: { table: "T.BAD" mode: UPSERT } };
  string id = 1;
  string order = 2;
  string foo_bar = 3;
  string x = 4 [(evt.v1.field) = { column: "FOO_BAR" }];
}`;
    const loaded = await compileProto({ "t/v1/bad.proto": text });
    const err = await generateAll(loaded).catch((e: unknown) => e);
    expect(isEvtError(err)).toBe(true);
    expect(isLintRefusalError(err)).toBe(true);
    const messages = (err as LintRefusalError).findings.map((f) => ({ message: f.message, line: f.line, file: f.file }));
    expect(messages.map((d) => d.message).join("\n")).toMatch(/"ORDER" is a Snowflake reserved word/);
    expect(messages.map((d) => d.message).join("\n")).toMatch(/column "FOO_BAR" of t.v1.Bad.x collides with "FOO_BAR"/);
    const reserved = messages.find((d) => d.message.includes("reserved"))!;
    expect(reserved.file).toBe("t/v1/bad.proto");
    expect(reserved.line).toBe(text.split("\n").findIndex((l) => l.includes("string order = 2")) + 1);
  });

  it("stops on an UPSERT whose key is inside a VARIANT (lint, or the mapping when lint lets it by)", async () => {
    const text = HEADER + `
message Bad {
  option (evt.v1.event) = { topic: "t.bad.v1" key: "part.id" owner: "o" sink: { table: "T.BAD" mode: UPSERT } };
  message Inner { string id = 1; }
  Inner part = 1;
}`;
    const loaded = await compileProto({ "t/v1/bad.proto": text });
    const err = await generateAll(loaded).catch((e: unknown) => e);
    expect(isEvtError(err)).toBe(true);
    const messages = isLintRefusalError(err) ? err.findings : (err as { diagnostics: { message: string }[] }).diagnostics;
    expect(messages.map((d) => d.message).join("\n")).toMatch(/UPSERT needs the event key as a column/);
  });
});
