/**
 * Reads and validates `evt.yaml`. Every problem is a ConfigError naming the key and its
 * `file:line:col` (positions from the yaml package), so a broken config exits 2 with one clear
 * message. Relative paths resolve against the config file's directory.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from "yaml";
import { ConfigError, type Diagnostic } from "../errors.js";
import { didYouMean } from "../report/suggest.js";
import {
  CONFIG_FILE_NAME,
  DEFAULTS,
  type EvtConfig,
  type FlinkConfig,
  type HistoryConfig,
  type KafkaConfig,
  type SnowflakeConfig,
  type WarehouseConfig,
} from "./schema.js";

export interface LoadConfigOptions {
  /** Directory `evt` runs in; `evt.yaml` is looked up here when `configPath` is absent. */
  readonly cwd: string;
  /** `--config FILE`: must exist. */
  readonly configPath?: string;
}

/** Position context while walking the document. */
interface Ctx {
  readonly file: string;
  readonly lines: LineCounter;
  readonly doc: Document;
}

/** The node an alias (`*name`) stands for; other nodes as they are. */
function deref(ctx: Ctx, node: Node | null | undefined): Node | null | undefined {
  return isAlias(node) ? (node.resolve(ctx.doc) as Node | undefined) : node;
}

function at(ctx: Ctx, node: Node | null | undefined, key: string, message: string): ConfigError {
  const offset = node?.range?.[0] ?? 0;
  const pos = ctx.lines.linePos(offset);
  const diag: Diagnostic = { file: ctx.file, line: pos.line, column: pos.col, message: `${key}: ${message}` };
  return new ConfigError(`invalid config ${ctx.file}: ${key}: ${message}`, [diag]);
}

type Entries = Map<string, Pair<Node, Node | null>>;

/** Checks a mapping node and returns its entries by key; unknown keys are errors (typos). */
function entries(ctx: Ctx, aliased: Node | null | undefined, keyPath: string, allowed: readonly string[]): Entries {
  const node = deref(ctx, aliased);
  if (!isMap(node)) throw at(ctx, node, keyPath || "(document)", "must be a mapping");
  const out: Entries = new Map();
  for (const pair of (node as YAMLMap<Node, Node | null>).items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const full = keyPath ? `${keyPath}.${k}` : String(k);
    if (k === undefined) throw at(ctx, pair.key, keyPath || "(document)", "keys must be plain strings");
    if (!allowed.includes(k)) {
      throw at(ctx, pair.key, full, `unknown key.${didYouMean(k, allowed)} Allowed keys: ${allowed.join(", ")}.`);
    }
    out.set(k, { ...pair, value: deref(ctx, pair.value) ?? null } as Pair<Node, Node | null>);
  }
  return out;
}

function scalarValue(ctx: Ctx, pair: Pair<Node, Node | null>, key: string): unknown {
  if (!isScalar(pair.value)) throw at(ctx, pair.value ?? pair.key, key, "must be a single value");
  return pair.value.value;
}

function str(ctx: Ctx, e: Entries, name: string, key: string): string | undefined {
  const pair = e.get(name);
  if (!pair) return undefined;
  const v = scalarValue(ctx, pair, key);
  if (typeof v !== "string" || v.trim() === "") throw at(ctx, pair.value, key, "must be a non-empty string");
  return v;
}

function posInt(ctx: Ctx, e: Entries, name: string, key: string): number | undefined {
  const pair = e.get(name);
  if (!pair) return undefined;
  const v = scalarValue(ctx, pair, key);
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw at(ctx, pair.value, key, "must be a positive integer");
  return v;
}

function strList(ctx: Ctx, e: Entries, name: string, key: string): string[] | undefined {
  const pair = e.get(name);
  if (!pair) return undefined;
  if (isScalar(pair.value)) return [str(ctx, e, name, key) as string];
  if (!isSeq(pair.value)) throw at(ctx, pair.value, key, "must be a string or a list of strings");
  const items = (pair.value.items as (Node | null)[]).map((item) => deref(ctx, item) ?? null);
  if (items.length === 0) throw at(ctx, pair.value, key, "must not be empty");
  return items.map((item, i) => {
    if (!isScalar(item) || typeof item.value !== "string" || item.value.trim() === "") {
      throw at(ctx, item ?? pair.value, `${key}[${i}]`, "must be a non-empty string");
    }
    return item.value;
  });
}

function protoRoot(ctx: Ctx, top: Entries, baseDir: string): string {
  if (top.has("proto") && top.has("protoRoots")) {
    throw at(ctx, top.get("protoRoots")!.key, "protoRoots", "set either proto or protoRoots, not both");
  }
  const key = top.has("protoRoots") ? "protoRoots" : "proto";
  const roots = strList(ctx, top, key, key) ?? [DEFAULTS.proto];
  // One buf module per catalog: topics, tables and columns must be unique across it, which only
  // holds when every contract is compiled together (docs/decisions.md).
  if (roots.length !== 1) {
    throw at(ctx, top.get(key)!.value, key, `exactly one proto root is supported (got ${roots.length}); put contracts under one buf module`);
  }
  return path.resolve(baseDir, roots[0]!);
}

function warehouse(ctx: Ctx, pair: Pair<Node, Node | null> | undefined, baseDir: string): WarehouseConfig {
  const d = DEFAULTS;
  if (!pair) return { schemaPrefix: d.schemaPrefix, batch: { ...d.batch } };
  const e = entries(ctx, pair.value, "warehouse", ["database", "schemaPrefix", "batch", "target", "duckdbPath"]);
  let batch: WarehouseConfig["batch"] = { ...d.batch };
  const b = e.get("batch");
  if (b) {
    const be = entries(ctx, b.value, "warehouse.batch", ["rows", "bytes", "ms"]);
    batch = {
      rows: posInt(ctx, be, "rows", "warehouse.batch.rows") ?? d.batch.rows,
      bytes: posInt(ctx, be, "bytes", "warehouse.batch.bytes") ?? d.batch.bytes,
      ms: posInt(ctx, be, "ms", "warehouse.batch.ms") ?? d.batch.ms,
    };
  }
  const prefixPair = e.get("schemaPrefix");
  let schemaPrefix: string = d.schemaPrefix;
  if (prefixPair) {
    const v = scalarValue(ctx, prefixPair, "warehouse.schemaPrefix");
    if (typeof v !== "string" || !/^[A-Za-z0-9_]*$/.test(v)) {
      throw at(ctx, prefixPair.value, "warehouse.schemaPrefix", "must be letters, digits and underscores");
    }
    schemaPrefix = v;
  }
  const database = str(ctx, e, "database", "warehouse.database");
  const target = str(ctx, e, "target", "warehouse.target");
  if (target !== undefined && target !== "duckdb" && target !== "snowflake") {
    throw at(ctx, e.get("target")!.value, "warehouse.target", "must be duckdb or snowflake");
  }
  const duckdbPath = str(ctx, e, "duckdbPath", "warehouse.duckdbPath");
  return {
    ...(database !== undefined ? { database } : {}),
    schemaPrefix,
    batch,
    ...(target !== undefined ? { target } : {}),
    ...(duckdbPath !== undefined ? { duckdbPath: path.resolve(baseDir, duckdbPath) } : {}),
  };
}

function kafka(ctx: Ctx, pair: Pair<Node, Node | null> | undefined): KafkaConfig {
  if (!pair) return { brokers: [...DEFAULTS.kafka.brokers], clientId: DEFAULTS.kafka.clientId };
  const e = entries(ctx, pair.value, "kafka", ["brokers", "clientId", "driver", "partitionsConcurrently", "handlerTimeoutMs"]);
  const brokers = strList(ctx, e, "brokers", "kafka.brokers") ?? [...DEFAULTS.kafka.brokers];
  brokers.forEach((b, i) => {
    if (!/^[^\s:]+:\d+$/.test(b)) {
      const node = e.get("brokers")!.value;
      const item = isSeq(node) ? (node.items[i] as Node) : node;
      throw at(ctx, item, `kafka.brokers[${i}]`, `"${b}" is not host:port`);
    }
  });
  const driver = str(ctx, e, "driver", "kafka.driver");
  // the runtime's list (runtime/kafka/ports.ts KAFKA_DRIVERS); the compiler does not import the runtime
  if (driver !== undefined && driver !== "kafkajs" && driver !== "platformatic") {
    throw at(ctx, e.get("driver")!.value, "kafka.driver", `must be kafkajs or platformatic, got "${driver}"`);
  }
  const partitionsConcurrently = posInt(ctx, e, "partitionsConcurrently", "kafka.partitionsConcurrently");
  const handlerTimeoutMs = posInt(ctx, e, "handlerTimeoutMs", "kafka.handlerTimeoutMs");
  return {
    brokers,
    clientId: str(ctx, e, "clientId", "kafka.clientId") ?? DEFAULTS.kafka.clientId,
    ...(driver !== undefined ? { driver } : {}),
    ...(partitionsConcurrently !== undefined ? { partitionsConcurrently } : {}),
    ...(handlerTimeoutMs !== undefined ? { handlerTimeoutMs } : {}),
  };
}

const SNOWFLAKE_STRINGS = ["account", "user", "role", "warehouse", "database", "schema", "host"] as const;
const SNOWFLAKE_ENV_KEYS = ["passwordEnv", "privateKeyEnv", "privateKeyPathEnv"] as const;
const SNOWFLAKE_SECRETS = ["password", "privateKey", "privateKeyPath", "token"];
/** Where each refused secret goes instead; only keys that exist are suggested. */
const SECRET_HINT: Record<string, string> = {
  password: "set snowflake.passwordEnv to the name of an environment variable holding it (default EVT_SNOWFLAKE_PASSWORD)",
  privateKey: "set snowflake.privateKeyEnv to the name of an environment variable holding it (default EVT_SNOWFLAKE_PRIVATE_KEY)",
  privateKeyPath: "set snowflake.privateKeyPathEnv to the name of an environment variable holding the path (default EVT_SNOWFLAKE_PRIVATE_KEY_PATH)",
  token: "evt authenticates with a password or a key pair: set snowflake.passwordEnv or snowflake.privateKeyEnv to the name of an environment variable",
};

function snowflake(ctx: Ctx, pair: Pair<Node, Node | null> | undefined): SnowflakeConfig | undefined {
  if (!pair) return undefined;
  if (isMap(pair.value)) {
    // Secrets are refused with a pointed message rather than "unknown key".
    for (const item of pair.value.items as Pair<Node, Node | null>[]) {
      const k = isScalar(item.key) ? String(item.key.value) : "";
      if (SNOWFLAKE_SECRETS.includes(k)) {
        throw at(ctx, item.key, `snowflake.${k}`, `secrets do not belong in evt.yaml; ${SECRET_HINT[k]}`);
      }
    }
  }
  const e = entries(ctx, pair.value, "snowflake", [...SNOWFLAKE_STRINGS, "port", "protocol", ...SNOWFLAKE_ENV_KEYS]);
  const out: Record<string, unknown> = {};
  for (const k of SNOWFLAKE_STRINGS) {
    const v = str(ctx, e, k, `snowflake.${k}`);
    if (v !== undefined) out[k] = v;
  }
  for (const k of SNOWFLAKE_ENV_KEYS) {
    const v = str(ctx, e, k, `snowflake.${k}`);
    if (v === undefined) continue;
    // never echo the value: a secret typed here by mistake must not reach a terminal or CI log
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) throw at(ctx, e.get(k)!.value, `snowflake.${k}`, "must be the name of an environment variable (letters, digits, _), not the secret itself (value not shown)");
    out[k] = v;
  }
  const port = posInt(ctx, e, "port", "snowflake.port");
  if (port !== undefined) {
    if (port > 65535) throw at(ctx, e.get("port")!.value, "snowflake.port", "must be at most 65535");
    out.port = port;
  }
  const protocol = str(ctx, e, "protocol", "snowflake.protocol");
  if (protocol !== undefined) {
    if (protocol !== "http" && protocol !== "https") throw at(ctx, e.get("protocol")!.value, "snowflake.protocol", "must be http or https");
    out.protocol = protocol;
  }
  return out as SnowflakeConfig;
}

function history(ctx: Ctx, pair: Pair<Node, Node | null> | undefined, baseDir: string): HistoryConfig {
  const d = DEFAULTS.history;
  if (!pair) return { table: d.table, dir: path.resolve(baseDir, d.dir) };
  const e = entries(ctx, pair.value, "history", ["table", "dir"]);
  const table = str(ctx, e, "table", "history.table") ?? d.table;
  if (!/^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/.test(table)) {
    throw at(ctx, e.get("table")!.value, "history.table", `"${table}" is not SCHEMA.TABLE`);
  }
  return { table, dir: path.resolve(baseDir, str(ctx, e, "dir", "history.dir") ?? d.dir) };
}

function flink(ctx: Ctx, pair: Pair<Node, Node | null> | undefined, baseDir: string): FlinkConfig {
  if (!pair) return { java: false, processors: path.resolve(baseDir, DEFAULTS.processors) };
  const e = entries(ctx, pair.value, "flink", ["java", "processors"]);
  const javaPair = e.get("java");
  let java = false;
  if (javaPair) {
    const v = scalarValue(ctx, javaPair, "flink.java");
    if (typeof v !== "boolean") throw at(ctx, javaPair.value, "flink.java", "must be true or false");
    java = v;
  }
  return { java, processors: path.resolve(baseDir, str(ctx, e, "processors", "flink.processors") ?? DEFAULTS.processors) };
}

const TOP_KEYS = ["proto", "protoRoots", "out", "runtimeImport", "warehouse", "kafka", "snowflake", "approvals", "history", "metrics", "flink"];

/** Validates a parsed document; exported for tests that start from YAML text. */
export function parseConfig(text: string, file: string, baseDir: string): EvtConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const ctx: Ctx = { file, lines, doc };
  if (doc.errors.length > 0) {
    const diags = doc.errors.map((err) => {
      const p = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
      return { file, line: p.line, column: p.col, message: err.message.split("\n")[0]! };
    });
    throw new ConfigError(`invalid config ${file}: not valid YAML`, diags);
  }
  // An empty file means "all defaults".
  const top = doc.contents === null ? new Map() as Entries : entries(ctx, doc.contents as Node, "", TOP_KEYS);
  const runtimeImport = str(ctx, top, "runtimeImport", "runtimeImport") ?? DEFAULTS.runtimeImport;
  const snow = snowflake(ctx, top.get("snowflake"));
  return {
    file,
    baseDir,
    protoRoot: protoRoot(ctx, top, baseDir),
    out: path.resolve(baseDir, str(ctx, top, "out", "out") ?? DEFAULTS.out),
    runtimeImport,
    warehouse: warehouse(ctx, top.get("warehouse"), baseDir),
    kafka: kafka(ctx, top.get("kafka")),
    ...(snow !== undefined ? { snowflake: snow } : {}),
    approvals: path.resolve(baseDir, str(ctx, top, "approvals", "approvals") ?? DEFAULTS.approvals),
    history: history(ctx, top.get("history"), baseDir),
    ...metrics(ctx, top.get("metrics")),
    flink: flink(ctx, top.get("flink"), baseDir),
  };
}

/** `metrics.port`: the ops endpoint of `evt run` (/metrics, /healthz, /readyz). */
function metrics(ctx: Ctx, pair: Pair<Node, Node | null> | undefined): Pick<EvtConfig, "metrics"> {
  if (!pair) return {};
  const port = posInt(ctx, entries(ctx, pair.value, "metrics", ["port"]), "port", "metrics.port");
  return { metrics: port !== undefined ? { port } : {} };
}

/** The configuration when no evt.yaml exists: everything relative to `cwd`. */
export function defaultConfig(cwd: string): EvtConfig {
  return {
    baseDir: cwd,
    protoRoot: path.resolve(cwd, DEFAULTS.proto),
    out: path.resolve(cwd, DEFAULTS.out),
    runtimeImport: DEFAULTS.runtimeImport,
    warehouse: { schemaPrefix: DEFAULTS.schemaPrefix, batch: { ...DEFAULTS.batch } },
    kafka: { brokers: [...DEFAULTS.kafka.brokers], clientId: DEFAULTS.kafka.clientId },
    approvals: path.resolve(cwd, DEFAULTS.approvals),
    history: { table: DEFAULTS.history.table, dir: path.resolve(cwd, DEFAULTS.history.dir) },
  };
}

/**
 * Loads `--config FILE` (which must exist) or `evt.yaml` in `cwd` (optional: defaults without it).
 */
export function loadConfig(options: LoadConfigOptions): EvtConfig {
  const cwd = path.resolve(options.cwd);
  let file: string;
  if (options.configPath !== undefined) {
    file = path.resolve(cwd, options.configPath);
    if (!existsSync(file)) throw new ConfigError(`config file ${options.configPath} does not exist`);
    if (statSync(file).isDirectory()) throw new ConfigError(`config file ${options.configPath} is a directory`);
  } else {
    file = path.join(cwd, CONFIG_FILE_NAME);
    if (!existsSync(file)) return defaultConfig(cwd);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`, [], { cause: e });
  }
  const shown = path.relative(cwd, file) || file;
  return parseConfig(text, shown.startsWith("..") ? file : shown, path.dirname(file));
}
