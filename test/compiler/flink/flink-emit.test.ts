/** Flink SQL tables, the processor wrapper and processor files, without a JVM (the planner is in test/integration/flink-*.test.ts). */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../compiler/config/load-config.js";
import { defaultTableName, flinkTableDdl } from "../../../compiler/emit/flink/table-ddl.js";
import { WIRE_CONTENT_TYPE, WIRE_HEADERS, WIRE_SPEC_VERSION } from "../../../compiler/emit/flink/wire.js";
import { protocCamelCase } from "../../../compiler/emit/java/class-names.js";
import { loadCatalog } from "../../../compiler/model/build-catalog.js";
import { outputColumnProblems } from "../../../compiler/processors/output-columns.js";
import { runRequest, type PlannedProcessor } from "../../../compiler/processors/project.js";
import { intervalLiteral, processorScript } from "../../../compiler/processors/script.js";
import { parseDuration, parseProcessorSpec, sqlToYamlPosition } from "../../../compiler/processors/spec.js";
import { CONTENT_TYPE, H, SPEC_VERSION } from "../../../runtime/kafka/headers.js";
import { REPO_ROOT } from "../../helpers/compile-proto.js";

const SESSIONIZE = readFileSync(path.join(REPO_ROOT, "processors", "sessionize.yaml"), "utf8");
const { catalog } = await loadCatalog(path.join(REPO_ROOT, "proto"), "proto");
const event = (name: string) => catalog.events.find((e) => e.fullName === name)!;

describe("Flink tables of the contracts", () => {
  it("uses the runtime's header names (the compiler may not import them)", () => {
    expect(WIRE_HEADERS).toEqual(H);
    expect([WIRE_SPEC_VERSION, WIRE_CONTENT_TYPE]).toEqual([SPEC_VERSION, CONTENT_TYPE]);
  });

  it("maps fields, metadata, the event-time watermark and leaves recursive types out", () => {
    const ddl = flinkTableDdl(event("clickstream.v1.PageViewed"), catalog, { name: "pv", topic: "t", bootstrapServers: "b:1", javaClass: "C", role: "source" });
    expect(ddl).toContain("`viewed_at` ROW<`seconds` BIGINT, `nanos` INT>");
    expect(ddl).toContain("`user_id` ROW<`value` STRING>");
    expect(ddl).toContain("`utm_parameters` MAP<STRING, STRING>");
    expect(ddl).toContain("`kafka_offset` BIGINT METADATA FROM 'offset' VIRTUAL");
    expect(ddl).toContain("`event_time` AS TO_TIMESTAMP_LTZ(`viewed_at`.`seconds` * 1000 + `viewed_at`.`nanos` / 1000000, 3)");
    expect(ddl).toContain("WATERMARK FOR `event_time` AS `event_time` - INTERVAL '5' SECOND");
    expect(ddl).toMatch(/-- properties: left out \(google\.protobuf\.Struct is recursive/);
    expect(ddl).not.toMatch(/`properties` /);
    expect(ddl).toContain("'properties.isolation.level' = 'read_committed'");
  });

  it("falls back to ce_time without an event_time option, and writes a transactional keyed sink", () => {
    const placed = flinkTableDdl(event("orders.v1.OrderPlaced"), catalog, { name: "o", topic: "t", bootstrapServers: "b:1", javaClass: "C", role: "source" });
    expect(placed).toMatch(/`event_time` AS TO_TIMESTAMP_LTZ\(DECODE\(`headers`\['ce_time'\]/);
    const sink = flinkTableDdl(event("clickstream.v1.SessionSummarized"), catalog, { name: "s", topic: "t", bootstrapServers: "b:1", javaClass: "C", role: "sink", transactionalIdPrefix: "p" });
    expect(sink).toContain("`headers` MAP<STRING, BYTES> METADATA\n");
    expect(sink).toContain("'sink.delivery-guarantee' = 'exactly-once'");
    expect(sink).not.toContain("'key.fields'"); // SessionSummarized has no Kafka key (its visitor id is personal data)
    const keyed = flinkTableDdl(event("orders.v1.OrderPlaced"), catalog, { name: "k", topic: "t", bootstrapServers: "b:1", javaClass: "C", role: "sink", transactionalIdPrefix: "p" });
    expect(keyed).toContain("'key.fields' = 'order_id'");
    expect(defaultTableName(event("clickstream.v1.SessionSummarized"))).toBe("session_summarized");
  });

  it("names Java classes as protoc does", () => {
    expect(protocCamelCase("page_views2go")).toBe("PageViews2Go");
    expect(protocCamelCase("v1beta-x")).toBe("V1BetaX");
  });
});

describe("processor files", () => {
  it("parses sessionize.yaml and maps SQL positions into the YAML", () => {
    const { spec, problems } = parseProcessorSpec(SESSIONIZE, "processors/sessionize.yaml");
    expect(problems).toEqual([]);
    expect(spec!.inputs[0]).toMatchObject({ contract: "clickstream.v1.PageViewed", as: "page_viewed", watermarkDelayMs: 120_000 });
    expect(spec!.output.id).toEqual(["anonymous_id", "platform", "session_start"]);
    const lines = SESSIONIZE.split("\n");
    const sqlLine = lines.findIndex((l) => l.startsWith("sql: |")) + 2;
    // SQL line 2, column 3 is "SELECT" of the CTE; the YAML block indents it by two more
    expect(sqlToYamlPosition(spec!, 2, 3)).toEqual({ file: "processors/sessionize.yaml", line: sqlLine + 1, column: 5 });
    expect(lines[sqlLine]!.slice(4, 10)).toBe("SELECT");
  });

  it("reports bad files at the offending node", () => {
    const bad = SESSIONIZE.replace("parallelism: 1", "parallelism: zero").replace("watermark_delay: 2 minutes", "watermark_delay: soon");
    const { problems } = parseProcessorSpec(bad, "p.yaml");
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/watermark_delay "soon" is not a duration/);
    expect(problems[0]!.position.line).toBe(bad.split("\n").findIndex((l) => l.includes("watermark_delay")) + 1);
    expect(parseProcessorSpec("inputs: [\n", "p.yaml").problems[0]!.message).toMatch(/not valid YAML/);
    expect(parseDuration("10 seconds")).toBe(10_000);
    expect(intervalLiteral(120_000)).toBe("INTERVAL '00:02:00.000' HOUR TO SECOND");
  });

  it("wraps the SELECT: Timestamp conversion, casts, evt headers with a deterministic ce_id", () => {
    const { spec } = parseProcessorSpec(SESSIONIZE, "processors/sessionize.yaml");
    const types = new Map([["anonymous_id", "STRING"], ["platform", "STRING"], ["session_start", "TIMESTAMP_LTZ(3) *ROWTIME*"], ["session_end", "TIMESTAMP_LTZ(3)"], ["page_count", "BIGINT"]]);
    const s = processorScript(spec!, catalog, { bootstrapServers: "b:1", topics: { "clickstream.v1.PageViewed": "in" } }, types);
    expect(s.statements[0]).toContain("'topic' = 'in'");
    // no per-row text round trip (DATE_FORMAT → UNIX_TIMESTAMP) for Timestamp fields: arithmetic on EXTRACT (D94)
    expect(s.insert).toContain("ROW(EXTRACT(EPOCH FROM evt_q.`session_start`) - CASE WHEN EXTRACT(MILLISECOND FROM evt_q.`session_start`) < 0 THEN 1 ELSE 0 END, CAST(MOD(EXTRACT(MILLISECOND FROM evt_q.`session_start`) + 1000, 1000) AS INT) * 1000000)");
    expect(s.insert).not.toMatch(/UNIX_TIMESTAMP/);
    expect(s.insert).toContain("'ce_id', ENCODE(CONCAT(SUBSTRING(MD5(CONCAT_WS('|', COALESCE(CAST(evt_q.`anonymous_id` AS STRING), '')");
    expect(s.insert).toContain(`'evt_schema', ENCODE('${event("clickstream.v1.SessionSummarized").fingerprint}', 'UTF-8')`);
    expect(s.settings["table.local-time-zone"]).toBe("UTC");
    expect(s.insert.split("\n").slice(s.insertPrefixLines)[0]).toBe(spec!.sql.split("\n")[0]);
  });

  it("a bounded run checkpoints every second at most: its output commits on the last checkpoint (D94)", () => {
    const { spec } = parseProcessorSpec(SESSIONIZE, "processors/sessionize.yaml");
    const script = processorScript(spec!, catalog, { bootstrapServers: "b:1" }, new Map([["session_start", "TIMESTAMP_LTZ(3)"]]));
    const planned = { spec: spec!, script, columns: [], setup: {} } as unknown as PlannedProcessor;
    const bounded = runRequest(planned, { checkpoints: "/c", bounded: true });
    expect(bounded.config["execution.checkpointing.interval"]).toBe("1000 ms");
    expect(bounded.statements[0]).toContain("'scan.bounded.mode' = 'latest-offset'");
    // an unbounded run keeps the YAML's interval (10 seconds): output appears once per interval
    expect(runRequest(planned, { checkpoints: "/c" }).config["execution.checkpointing.interval"]).toBe("10000 ms");
  });

  it("checks the SELECT's columns against the output contract", () => {
    const { spec } = parseProcessorSpec(SESSIONIZE, "processors/sessionize.yaml");
    const out = event("clickstream.v1.SessionSummarized");
    const cols = (extra: { name: string; type: string }[]) =>
      [{ name: "anonymous_id", type: "STRING" }, { name: "platform", type: "STRING" }, { name: "session_start", type: "TIMESTAMP(3)" }, { name: "session_end", type: "TIMESTAMP_LTZ(3) *ROWTIME*" }, ...extra].map((c) => ({ ...c, nullable: true }));
    expect(outputColumnProblems(spec!, out, catalog, cols([{ name: "page_count", type: "INT" }]))).toEqual([]);
    const problems = outputColumnProblems(spec!, out, catalog, cols([{ name: "page_count", type: "STRING" }, { name: "pages", type: "BIGINT" }]));
    expect(problems.map((p) => p.column)).toEqual(["page_count", "pages"]);
    expect(outputColumnProblems(spec!, out, catalog, cols([]).slice(1)).map((p) => p.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/required field clickstream\.v1\.SessionSummarized\.anonymous_id is not selected/)]),
    );
  });

  it("reads flink.java and flink.processors from evt.yaml", () => {
    const c = parseConfig("flink:\n  java: true\n  processors: jobs\n", "evt.yaml", "/p");
    expect(c.flink).toEqual({ java: true, processors: "/p/jobs" });
    expect(() => parseConfig("flink:\n  java: yes please\n", "evt.yaml", "/p")).toThrow(/evt\.yaml: flink\.java: must be true or false/);
  });
});
