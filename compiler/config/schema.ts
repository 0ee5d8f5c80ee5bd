/**
 * `evt.yaml`: the typed configuration every command reads, with its defaults. The spec below is
 * also the documentation (README "Configuration"): each key, its type and its default.
 */

export interface BatchConfig {
  /** Flush a sink batch at this many rows… */
  readonly rows: number;
  /** …or this many bytes of encoded events… */
  readonly bytes: number;
  /** …or after this many milliseconds, whichever comes first. */
  readonly ms: number;
}

export interface WarehouseConfig {
  /** Snowflake database the sink tables live in (may be left to the connection's default). */
  readonly database?: string;
  /** Prefix prepended to every sink's schema (e.g. `DEV_` → `DEV_ORDERS.ORDER_PLACED`); "" by default. */
  readonly schemaPrefix: string;
  readonly batch: BatchConfig;
  /** Where `evt run` sinks write and `evt ddl apply` applies: `duckdb` (embedded, the default when absent) or `snowflake`. */
  readonly target?: "duckdb" | "snowflake";
  /** DuckDB database file of the `duckdb` target (absolute; default `<baseDir>/.evt/warehouse.duckdb`). */
  readonly duckdbPath?: string;
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Kafka client library: `kafkajs` or `platformatic` (@platformatic/kafka); absent → the runtime's default (EVT_KAFKA_DRIVER overrides). */
  readonly driver?: "kafkajs" | "platformatic";
  /** `evt run` processors: partitions handled at once (runtime default 16). */
  readonly partitionsConcurrently?: number;
  /** `evt run` processors: a handler call failing after this many ms (runtime default 10000). */
  readonly handlerTimeoutMs?: number;
}

export interface SnowflakeConfig {
  readonly account?: string;
  readonly user?: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: "http" | "https";
  /** Name of the environment variable holding the password (secrets never live in evt.yaml). */
  readonly passwordEnv?: string;
  /** Name of the environment variable holding a PEM private key (key-pair auth). */
  readonly privateKeyEnv?: string;
  /** Name of the environment variable holding the path of a PEM private key file. */
  readonly privateKeyPathEnv?: string;
}

export interface HistoryConfig {
  /** Snowflake table recording applied migrations (`evt ddl apply`), `SCHEMA.TABLE`. */
  readonly table: string;
  /** Directory of earlier catalog images for transitive compatibility modes (absolute). */
  readonly dir: string;
}

export interface FlinkConfig {
  /** Emit `java/` (a Maven module compiling the contracts' JVM classes with protoc); false by default. */
  readonly java: boolean;
  /** Directory of the processor files `<name>.yaml` (absolute; default `<baseDir>/processors`). */
  readonly processors: string;
}

export interface EvtConfig {
  /** Absolute path of the evt.yaml that was read; undefined when running on defaults. */
  readonly file?: string;
  /** Directory relative paths were resolved against (the config file's directory, or the cwd). */
  readonly baseDir: string;
  /** Absolute contract root (a buf module directory). */
  readonly protoRoot: string;
  /** Absolute output directory of `evt generate`. */
  readonly out: string;
  /** Module specifier generated code imports the runtime from. */
  readonly runtimeImport: string;
  readonly warehouse: WarehouseConfig;
  readonly kafka: KafkaConfig;
  /** Present only when evt.yaml has a `snowflake` section. */
  readonly snowflake?: SnowflakeConfig;
  /** Absolute path of the approvals file for breaking changes. */
  readonly approvals: string;
  readonly history: HistoryConfig;
  /** `metrics.port`: where `evt run` serves /metrics, /healthz, /readyz (absent: no ops endpoint). */
  readonly metrics?: { readonly port?: number };
  /** Declarative processors on Flink (absent in hand-built configs: `flinkConfigOf` fills defaults). */
  readonly flink?: FlinkConfig;
}

export function flinkConfigOf(config: Pick<EvtConfig, "flink" | "baseDir">): FlinkConfig {
  return config.flink ?? { java: false, processors: `${config.baseDir}/${DEFAULTS.processors}` };
}

export const CONFIG_FILE_NAME = "evt.yaml";

export const DEFAULTS = {
  proto: "proto",
  out: "generated",
  runtimeImport: "@evt/runtime",
  schemaPrefix: "",
  batch: { rows: 10_000, bytes: 16 * 1024 * 1024, ms: 5_000 },
  kafka: { brokers: ["127.0.0.1:9092"], clientId: "evt" },
  approvals: "evt-approvals.yaml",
  history: { table: "EVT.EVT_MIGRATION_HISTORY", dir: ".evt/history" },
  duckdbPath: ".evt/warehouse.duckdb",
  processors: "processors",
} as const;
