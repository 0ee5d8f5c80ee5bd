import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { Flags } from "@oclif/core";
import { EvtError } from "../../compiler/errors.js";
import type { EventContract } from "@evt/runtime/contract.js";
import type { ProcessorDefinition } from "@evt/runtime/kafka/processor.js";
import type { Runner } from "@evt/runtime/kafka/runner.js";
import { isStopRequestedError } from "@evt/runtime/errors.js";
import { Phase, stopControl, type StopControl } from "@evt/runtime/lifecycle.js";
import { jsonLogger, type LogLevel, type RuntimeLogger } from "@evt/runtime/log.js";
import { readSinkConfig, selectSinks, type SinkConfig, type SinkSpec } from "@evt/runtime/sinks/config.js";
import type { WarehouseWriter } from "@evt/runtime/sinks/writer.js";
import type { SinkRunner } from "@evt/runtime/sinks/sink.js";
import { describeSettings, setSnowflakeDriverLogger } from "@evt/runtime/warehouse/snowflake.js";
import type { EvtConfig } from "../../compiler/config/index.js";
import { SINK_CONFIG_PATH } from "../../compiler/emit/layout.js";
import { EvtCommand, type CommandResult } from "../base-command.js";
import { Instrumentation } from "@evt/runtime/instrumentation.js";
import { startOps, type Ops } from "../run-ops.js";
import { startProgress } from "../run-progress.js";
import { ENV_HELP, duckdbPathOf, historyOf, snowflakeSettingsFrom, targetOf } from "./ddl/apply.js";
import { DUCKDB_MIGRATIONS_DIR, MIGRATIONS_DIR } from "../../compiler/emit/layout.js";
import { importModule, loadContracts } from "../load-contracts.js";
import { kafkaDriverOption } from "../kafka-driver.js";

export default class Run extends EvtCommand<typeof Run> {
  static override summary = "Run the sinks (and processors) of the generated sink config until SIGTERM.";
  static override description =
    "Consumes each selected sink's topic and writes its rows to the warehouse (evt.yaml warehouse.target: duckdb, the default, " +
    "into a local DuckDB file; or snowflake). Exactly once per event: rows and the per-partition high-water offset commit in one " +
    "warehouse transaction, the sink resumes from that high-water after any crash, rows MERGE on the event id (APPEND) or key (UPSERT). " +
    "Batches close at warehouse.batch rows/bytes/ms. Records a table cannot take go to <topic>.dlq with the reason in headers. " +
    "Logs are JSON lines on stderr (kafkajs's too). SIGTERM/SIGINT at any moment (connecting, joining, retrying) finish the in-flight " +
    "batch, commit and stop (exit 0); when that takes longer than --grace-ms, retries are cancelled, the uncommitted batch is left to " +
    "be re-read on restart and evt exits 2 naming what it waited for (a second signal does that at once). " +
    "Snowflake tables must exist (evt ddl apply); DuckDB tables are created on start. Refuses to start (exit 2, one line naming the " +
    "table and the pending migration) while an existing table lags its contract, instead of dead-lettering its rows. " +
    ENV_HELP;
  static override examples = [
    "<%= config.bin %> run",
    "<%= config.bin %> run --sink ORDERS.ORDER_PLACED --sink ORDERS.ORDER_STATUS_LATEST",
    "<%= config.bin %> run --target snowflake --sink-config generated/sinks/evt-sinks.json",
    "<%= config.bin %> run --processors dist/processors.js --group my-service",
  ];
  static override flags = {
    sink: Flags.string({ multiple: true, summary: "Sink to run, by name (SCHEMA.TABLE); repeatable. Default: every sink of the config.", helpValue: "NAME" }),
    "sink-config": Flags.string({ summary: "Runtime sink config (default: <out>/sinks/evt-sinks.json).", helpValue: "FILE" }),
    contracts: Flags.string({
      summary: "Module exporting the generated `catalog` (default: <out>/ts/index.js, else <out>/ts/index.ts through tsx).",
      helpValue: "MODULE",
    }),
    target: Flags.option({ options: ["duckdb", "snowflake"] as const, summary: "Warehouse (default: evt.yaml warehouse.target, else duckdb)." })(),
    "duckdb-path": Flags.string({ summary: "DuckDB database file (default: warehouse.duckdbPath, else .evt/warehouse.duckdb).", helpValue: "FILE" }),
    brokers: Flags.string({ summary: "Kafka bootstrap brokers, comma-separated (default: evt.yaml kafka.brokers).", helpValue: "HOST:PORT,…" }),
    "group-prefix": Flags.string({ summary: "Consumer group of a sink: <prefix>.<SCHEMA.TABLE> (default evt-sink).", helpValue: "PREFIX" }),
    processors: Flags.string({ summary: "Also run the processors a module exports as `processors` (ProcessorDefinition[]).", helpValue: "MODULE" }),
    group: Flags.string({ summary: "Consumer group of the processors (default evt-processors).", helpValue: "GROUP" }),
    "no-sinks": Flags.boolean({ summary: "Run only the processors." }),
    "grace-ms": Flags.integer({ min: 1000, default: 20_000, summary: "After SIGTERM, how long to finish the in-flight batch before giving up (exit 2).", helpValue: "MS" }),
    "partitions-concurrently": Flags.integer({
      min: 1, summary: "Processor partitions handled at once (default: evt.yaml kafka.partitionsConcurrently, else 16).", helpValue: "N",
    }),
    "handler-timeout-ms": Flags.integer({
      min: 0, summary: "A processor handler call failing after this long: retried, then dead-lettered (default: evt.yaml kafka.handlerTimeoutMs, else 10000; 0 = none).", helpValue: "MS",
    }),
    "session-timeout-ms": Flags.integer({
      min: 6000, summary: "Consumer session timeout: how soon a restarted evt run gets the partitions of a killed one (default 10000).", helpValue: "MS",
    }),
    "metrics-port": Flags.integer({
      min: 0, max: 65535, summary: "Serve /metrics, /healthz and /readyz on this port (default: evt.yaml metrics.port, else none; 0 = any free port, logged).", helpValue: "PORT",
    }),
    "progress-interval-s": Flags.integer({
      min: 0, default: 30, summary: "Log one summary line per sink (rows/s, records behind, dead letters) this often; 0 = never.", helpValue: "S",
    }),
    "log-level": Flags.option({ options: ["debug", "info", "warn", "error"] as const, default: "info" as const, summary: "Lowest level logged to stderr." })(),
  };

  /** Refuses to start (exit 2, one line) while a selected sink's existing table lags its contract. */
  private async refuseLaggingTables(config: EvtConfig, target: "duckdb" | "snowflake", sinkConfig: SinkConfig, sinks: readonly SinkSpec[]): Promise<void> {
    const [{ checkSinkTables }, { readDdlDir, MIGRATION_FILE }, { duckdbExecutor, snowflakeExecutor }] = await Promise.all([
      import("@evt/runtime/warehouse/table-lag.js"),
      import("@evt/runtime/warehouse/migrate.js"),
      import("@evt/runtime/warehouse/executors.js"),
    ]);
    const migrations = readDdlDir(path.join(config.out, target === "snowflake" ? MIGRATIONS_DIR : DUCKDB_MIGRATIONS_DIR), MIGRATION_FILE);
    const asInputError = (e: unknown): never => {
      throw (e as Error).name === "WarehouseError" || (e as Error).name === "MigrationChecksumError" ? new EvtError((e as Error).message) : e;
    };
    if (target === "snowflake") {
      const { connectSnowflake, destroySnowflake } = await import("@evt/runtime/warehouse/snowflake.js");
      const conn = await connectSnowflake(snowflakeSettingsFrom(config), { application: "evt-run" }).catch(asInputError);
      try {
        await checkSinkTables(snowflakeExecutor(conn), sinkConfig, sinks, migrations, historyOf(config)).catch(asInputError);
      } finally {
        await destroySnowflake(conn);
      }
      return;
    }
    const file = duckdbPathOf(config, this.flags["duckdb-path"]);
    if (!existsSync(file)) return; // a new database: the sink creates its tables in the latest shape
    const { closeDuckdb, openDuckdb } = await import("@evt/runtime/warehouse/duckdb.js");
    const h = await openDuckdb(file);
    try {
      await checkSinkTables(duckdbExecutor(h), sinkConfig, sinks, migrations, historyOf(config)).catch(asInputError);
    } finally {
      closeDuckdb(h); // one process holds a DuckDB file: the writer opens it next
    }
  }

  protected async exec(): Promise<CommandResult> {
    const level: LogLevel = this.flags.verbose ? "debug" : this.flags["log-level"];
    const log = jsonLogger({ level, base: { component: "evt-run" } });
    // from the first moment: a SIGTERM while loading, connecting or joining is a stop, not ignored
    const phase = new Phase();
    const stop = stopControl({
      graceMs: this.flags["grace-ms"], signals: true, phase,
      onRequest: (signal) => {
        if (signal.startsWith("SIG")) log.info("signal received; finishing the in-flight batch", { signal });
      },
    });
    // past the grace period (plus time to disconnect), give up whatever is still pending
    const deadline = stop.expired.then((e) => new Promise<never>((_, reject) => setTimeout(() => reject(e), 3_000).unref()));
    deadline.catch(() => {});
    const instrumentation = new Instrumentation();
    const interval = this.flags["progress-interval-s"];
    const progress = interval > 0 ? startProgress(phase, log, interval * 1000) : undefined;
    const ops = await startOps(this.flags["metrics-port"] ?? this.evtConfig().metrics?.port, instrumentation, () => stop.requested() !== undefined, log);
    try {
      const started = await Promise.race([this.startAll(log, stop, phase, instrumentation, ops), deadline]);
      if (started === undefined) return { json: { sinks: [] }, text: "stopped before consuming started" };
      const { sinkRunner, processorRunner } = started;
      if (sinkRunner) progress?.attach(sinkRunner);
      phase.set("consuming");
      ops?.markReady();
      await Promise.race([Promise.all([sinkRunner?.done, processorRunner?.done]), deadline]);
      const stats = sinkRunner?.stats() ?? [];
      return { json: { sinks: stats }, text: stats.map((s) => `${s.sink}: ${s.rowsWritten} row(s) in ${s.batches} batch(es), ${s.deadLettered} dead-lettered`).join("\n") };
    } catch (e) {
      ops?.fail();
      throw e;
    } finally {
      stop.dispose();
      progress?.stop();
      await ops?.close();
    }
  }

  /** Loads contracts and starts sinks and processors; undefined when a stop came first (nothing consumed, nothing lost). */
  private async startAll(log: RuntimeLogger, stop: StopControl, phase: Phase, instrumentation: Instrumentation, ops: Ops | undefined): Promise<{ sinkRunner?: SinkRunner; processorRunner?: Runner } | undefined> {
    const config = this.evtConfig();
    const cwd = process.cwd();
    const brokers = this.flags.brokers ? this.flags.brokers.split(",").map((b) => b.trim()).filter(Boolean) : [...config.kafka.brokers];
    const kafka = { logLevel: "warn" as const, logger: log, ...kafkaDriverOption(config) };
    const sessionTimeoutMs = this.flags["session-timeout-ms"];
    const contracts = await loadContracts(config.out, this.flags.contracts, cwd);

    let sinkRunner: SinkRunner | undefined;
    if (!this.flags["no-sinks"]) {
      const sinkConfigFile = path.resolve(cwd, this.flags["sink-config"] ?? path.join(config.out, SINK_CONFIG_PATH));
      const sinkConfig = (() => {
        try {
          return readSinkConfig(sinkConfigFile);
        } catch (e) {
          throw new EvtError(`${(e as Error).message}${existsSync(sinkConfigFile) ? "" : " (run `evt generate` first)"}`);
        }
      })();
      const sinks = (() => {
        try {
          return selectSinks(sinkConfig, this.flags.sink ?? []);
        } catch (e) {
          throw new EvtError((e as Error).message);
        }
      })();
      if (contracts.length === 0) throw new EvtError("no contracts to decode events with: pass --contracts <module exporting the generated catalog>");
      const target = targetOf(config, this.flags.target);
      let writer: WarehouseWriter | ((sink: SinkSpec) => WarehouseWriter);
      if (target === "snowflake") {
        const settings = snowflakeSettingsFrom(config);
        setSnowflakeDriverLogger(log);
        log.info("warehouse", { target, ...describeSettings(settings) });
        const { SnowflakeWriter } = await import("@evt/runtime/sinks/snowflake/writer.js");
        writer = () => new SnowflakeWriter({ settings });
      } else {
        const file = duckdbPathOf(config, this.flags["duckdb-path"]);
        mkdirSync(path.dirname(file), { recursive: true });
        log.info("warehouse", { target, path: file });
        const { DuckdbWriter } = await import("@evt/runtime/sinks/duckdb/writer.js");
        writer = new DuckdbWriter({ path: file });
      }
      await this.refuseLaggingTables(config, target, sinkConfig, sinks);
      // Kafka, DuckDB and Snowflake clients load only when this command runs (oclif imports every command).
      const { startSinks } = await import("@evt/runtime/sinks/sink.js");
      phase.set("starting the sinks");
      try {
        sinkRunner = await startSinks({
        config: sinkConfig,
        sinks,
        contracts,
        writer,
        brokers,
        clientId: config.kafka.clientId,
        groupPrefix: this.flags["group-prefix"] ?? "evt-sink",
        batch: { maxRows: config.warehouse.batch.rows, maxBytes: config.warehouse.batch.bytes, maxMs: config.warehouse.batch.ms },
        logger: log,
        stop,
        kafka,
        instrumentation,
        ...(sessionTimeoutMs !== undefined ? { sessionTimeoutMs } : {}),
        });
      } catch (e) {
        if (isStopRequestedError(e)) return undefined;
        throw e;
      }
      // the sink logs each dead letter itself (once); here only the batch commits
      sinkRunner.instrumentation.on("sink.flushed", ({ payload }) => log.info("batch committed", payload));
      ops?.addBehindSource(sinkRunner.behind);
    }

    let processorRunner: Runner | undefined;
    if (this.flags.processors) {
      const mod = await importModule(path.resolve(cwd, this.flags.processors));
      const processors = mod.processors as ProcessorDefinition[] | undefined;
      if (!Array.isArray(processors)) throw new EvtError(`${this.flags.processors} does not export \`processors\` (ProcessorDefinition[])`);
      const { startRunner } = await import("@evt/runtime/kafka/runner.js");
      const partitionsConcurrently = this.flags["partitions-concurrently"] ?? config.kafka.partitionsConcurrently;
      const handlerTimeoutMs = this.flags["handler-timeout-ms"] ?? config.kafka.handlerTimeoutMs;
      phase.set("starting the processors");
      try {
        processorRunner = await startRunner({
          processors, catalog: contracts, groupId: this.flags.group ?? "evt-processors", brokers, clientId: config.kafka.clientId,
          logger: log, stop, kafka, instrumentation,
          ...(partitionsConcurrently !== undefined ? { partitionsConcurrently } : {}),
          ...(handlerTimeoutMs !== undefined ? { handlerTimeoutMs } : {}),
          ...(sessionTimeoutMs !== undefined ? { sessionTimeoutMs } : {}),
        });
      } catch (e) {
        if (isStopRequestedError(e)) {
          await sinkRunner?.stop();
          return undefined;
        }
        throw e;
      }
    }
    if (!sinkRunner && !processorRunner) throw new EvtError("nothing to run: no sinks selected and no --processors module");
    return { ...(sinkRunner ? { sinkRunner } : {}), ...(processorRunner ? { processorRunner } : {}) };
  }
}
