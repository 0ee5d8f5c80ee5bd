import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../../compiler/config/index.js";
import { isEvtError, type EvtError } from "../../../compiler/errors.js";

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), "evt-config-"));
}

function configError(text: string): EvtError {
  try {
    parseConfig(text, "evt.yaml", "/repo");
  } catch (e) {
    if (isEvtError(e)) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("uses defaults relative to the cwd when there is no evt.yaml", () => {
    const dir = tmp();
    const c = loadConfig({ cwd: dir });
    expect(c.file).toBeUndefined();
    expect(c.protoRoot).toBe(path.join(dir, "proto"));
    expect(c.out).toBe(path.join(dir, "generated"));
    expect(c.runtimeImport).toBe("@evt/runtime");
    expect(c.approvals).toBe(path.join(dir, "evt-approvals.yaml"));
    expect(c.kafka.brokers).toEqual(["127.0.0.1:9092"]);
    expect(c.snowflake).toBeUndefined();
  });

  it("reads evt.yaml from the cwd and resolves paths against its directory", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "evt.yaml"), "proto: contracts\nout: src/gen\nruntimeImport: '@acme/evt/runtime'\n");
    const c = loadConfig({ cwd: dir });
    expect(c.file).toBe("evt.yaml");
    expect(c.protoRoot).toBe(path.join(dir, "contracts"));
    expect(c.out).toBe(path.join(dir, "src/gen"));
    expect(c.runtimeImport).toBe("@acme/evt/runtime");
  });

  it("resolves --config paths against the config file's directory, not the cwd", () => {
    const dir = tmp();
    mkdirSync(path.join(dir, "conf"));
    writeFileSync(path.join(dir, "conf", "x.yaml"), "protoRoots: [../schemas]\napprovals: appr.yaml\n");
    const c = loadConfig({ cwd: dir, configPath: "conf/x.yaml" });
    expect(c.protoRoot).toBe(path.join(dir, "schemas"));
    expect(c.approvals).toBe(path.join(dir, "conf", "appr.yaml"));
  });

  it("fails with ConfigError when --config names a missing file", () => {
    expect(() => loadConfig({ cwd: tmp(), configPath: "nope.yaml" })).toThrow(/config file nope.yaml does not exist/);
  });
});

describe("parseConfig", () => {
  it("reads every section", () => {
    const c = parseConfig(
      [
        "warehouse:",
        "  database: ANALYTICS",
        "  schemaPrefix: DEV_",
        "  batch: { rows: 500, bytes: 1048576, ms: 250 }",
        "kafka:",
        "  brokers: [k1:9092, k2:9093]",
        "  clientId: svc",
        "snowflake:",
        "  account: acme",
        "  user: loader",
        "  port: 8443",
        "  protocol: https",
        "  passwordEnv: SNOWFLAKE_PASSWORD",
        "history:",
        "  table: EVT.HISTORY",
        "  dir: hist",
      ].join("\n"),
      "evt.yaml",
      "/repo",
    );
    expect(c.warehouse).toEqual({ database: "ANALYTICS", schemaPrefix: "DEV_", batch: { rows: 500, bytes: 1048576, ms: 250 } });
    expect(c.kafka).toEqual({ brokers: ["k1:9092", "k2:9093"], clientId: "svc" });
    expect(c.snowflake).toEqual({ account: "acme", user: "loader", port: 8443, protocol: "https", passwordEnv: "SNOWFLAKE_PASSWORD" });
    expect(c.history).toEqual({ table: "EVT.HISTORY", dir: "/repo/hist" });
  });

  it("treats an empty file as all defaults", () => {
    expect(parseConfig("", "evt.yaml", "/repo").protoRoot).toBe("/repo/proto");
  });

  it.each([
    ["protoo: x\n", 1, 1, "protoo: unknown key"],
    ["kafka:\n  brokers: [ok:1, 'bad host']\n", 2, 19, "kafka.brokers[1]: \"bad host\" is not host:port"],
    ["warehouse:\n  batch:\n    rows: -3\n", 3, 11, "warehouse.batch.rows: must be a positive integer"],
    ["snowflake:\n  password: hunter2\n", 2, 3, "snowflake.password: secrets do not belong in evt.yaml"],
    ["snowflake:\n  protocol: ftp\n", 2, 13, "snowflake.protocol: must be http or https"],
    ["out: 3\n", 1, 6, "out: must be a non-empty string"],
    ["proto: a\nprotoRoots: [b]\n", 2, 1, "protoRoots: set either proto or protoRoots"],
    ["protoRoots: [a, b]\n", 1, 13, "protoRoots: exactly one proto root is supported"],
    ["history:\n  table: nodot\n", 2, 10, "history.table: \"nodot\" is not SCHEMA.TABLE"],
    ["- a\n- b\n", 1, 1, "(document): must be a mapping"],
  ])("rejects %j at its position", (text, line, column, message) => {
    const e = configError(text);
    expect(e.name).toBe("ConfigError");
    expect(e.diagnostics).toHaveLength(1);
    expect(e.diagnostics[0]).toMatchObject({ file: "evt.yaml", line, column });
    expect(e.diagnostics[0]!.message).toContain(message);
  });

  it("suggests the key a typo meant (did-you-mean), and lists the allowed keys", () => {
    expect(configError("protoo: x\n").diagnostics[0]!.message).toMatch(/^protoo: unknown key\. Did you mean "proto"\? Allowed keys: proto, protoRoots, out,/);
    expect(configError("kafka:\n  brokerz: [a:1]\n").diagnostics[0]!.message).toMatch(/^kafka\.brokerz: unknown key\. Did you mean "brokers"\?/);
    expect(configError("frobnicate: 1\n").diagnostics[0]!.message).not.toContain("Did you mean");
  });

  it("accepts YAML aliases (out: *alias) for scalars, lists and mappings", () => {
    const c = parseConfig(
      "proto: &root contracts\nout: *root\nkafka: &k\n  brokers: [&b 'h:1', *b]\nwarehouse:\n  batch: &batch { rows: 5 }\n",
      "evt.yaml",
      "/repo",
    );
    expect(c.out).toBe("/repo/contracts");
    expect(c.kafka.brokers).toEqual(["h:1", "h:1"]);
    expect(c.warehouse.batch.rows).toBe(5);
    // An alias of a list where a string belongs is refused for what it is.
    expect(configError("protoRoots: &o [a]\nout: *o\n").diagnostics[0]!.message).toBe("out: must be a single value");
  });

  it("never echoes a secret typed into a *Env key, and suggests only keys that exist (issue 10 items 7, 9)", () => {
    const e = configError("snowflake:\n  passwordEnv: 'hunter2!secret'\n");
    expect(e.diagnostics[0]!.message).toContain("snowflake.passwordEnv: must be the name of an environment variable");
    expect(JSON.stringify(e.diagnostics) + e.message).not.toContain("hunter2");
    const t = configError("snowflake:\n  token: abc\n");
    expect(t.diagnostics[0]!.message).not.toContain("tokenEnv");
    expect(t.diagnostics[0]!.message).toContain("snowflake.passwordEnv or snowflake.privateKeyEnv");
    expect(t.diagnostics[0]!.message).not.toContain("abc");
  });

  it("reads kafka.partitionsConcurrently and kafka.handlerTimeoutMs for evt run", () => {
    const c = parseConfig("kafka:\n  partitionsConcurrently: 12\n  handlerTimeoutMs: 5000\n", "evt.yaml", "/repo");
    expect(c.kafka).toMatchObject({ partitionsConcurrently: 12, handlerTimeoutMs: 5000 });
  });

  it("reads kafka.driver and refuses a driver evt does not have, at its position", () => {
    expect(parseConfig("kafka:\n  driver: platformatic\n", "evt.yaml", "/repo").kafka.driver).toBe("platformatic");
    expect(parseConfig("out: generated\n", "evt.yaml", "/repo").kafka.driver).toBeUndefined();
    const e = configError("kafka:\n  driver: librdkafka\n");
    expect(e.message).toBe('invalid config evt.yaml: kafka.driver: must be kafkajs or platformatic, got "librdkafka"');
    expect(e.diagnostics[0]).toMatchObject({ file: "evt.yaml", line: 2, column: 11 });
  });

  it("reports YAML syntax errors and duplicate keys with positions", () => {
    const e = configError("out: a\nout: b\n");
    expect(e.message).toContain("not valid YAML");
    expect(e.diagnostics[0]).toMatchObject({ file: "evt.yaml", line: 2, column: 1 });
    const s = configError("kafka: [unclosed\n");
    expect(s.diagnostics.length).toBeGreaterThan(0);
    expect(s.diagnostics[0]!.line).toBeGreaterThanOrEqual(1);
  });
});
