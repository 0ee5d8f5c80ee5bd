/**
 * Processors of a project (evt.yaml `flink.processors`, default `processors/`): finding them,
 * preparing Flink (jars, contract classes), linting them all with one planner JVM, and planning
 * one for `evt flink run` / `evt flink plan`.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { flinkConfigOf, type EvtConfig } from "../config/schema.js";
import { EvtError, formatDiagnostic } from "../errors.js";
import type { Catalog } from "../model/catalog.js";
import type { Finding } from "../report/index.js";
import { ensureContractsJar, ensureFlink, flinkHome, helperClasspath, openPlanner, type FlinkHome, type HelperRequest, type PlannedColumn } from "./flink-jvm.js";
import { lintProcessor } from "./lint.js";
import { processorScript, type ProcessorScript, type ScriptOptions } from "./script.js";
import type { ProcessorSpec } from "./spec.js";

export interface FlinkSetup {
  readonly home: FlinkHome;
  readonly classpath: readonly string[];
  readonly contractsJar: string;
}

/** Processor files `<name>.yaml` of the project, sorted (none when the directory is absent). */
export function processorFiles(config: EvtConfig): string[] {
  const dir = flinkConfigOf(config).processors;
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
}

/** Fetches Flink (once) and builds the contract classes from `<out>/java` (when the contracts changed). */
export function prepareFlink(config: EvtConfig): FlinkSetup {
  const home = flinkHome();
  ensureFlink(home);
  const contractsJar = ensureContractsJar(home, path.join(config.out, "java", "pom.xml"), config.protoRoot);
  return { home, contractsJar, classpath: helperClasspath(home, contractsJar) };
}

export function scriptOptions(config: EvtConfig, overrides: Partial<ScriptOptions> = {}): ScriptOptions {
  return { bootstrapServers: config.kafka.brokers.join(","), ...overrides };
}

/** Lints every processor file; the JVM starts only when there is one. */
export async function lintProcessors(config: EvtConfig, catalog: Catalog, display: (file: string) => string): Promise<Finding[]> {
  const files = processorFiles(config);
  if (files.length === 0) return [];
  const setup = prepareFlink(config);
  const planner = openPlanner(setup.home, setup.classpath);
  try {
    const findings: Finding[] = [];
    for (const f of files) {
      const r = await lintProcessor(f, display(f), catalog, (req) => planner.plan(req), scriptOptions(config));
      findings.push(...r.findings);
    }
    return findings;
  } finally {
    await planner.close();
  }
}

export interface PlannedProcessor {
  readonly spec: ProcessorSpec;
  readonly script: ProcessorScript;
  readonly columns: readonly PlannedColumn[];
  readonly setup: FlinkSetup;
}

/** Lints and plans one processor by name; any finding is an input error here (exit 2, positioned). */
export async function planProcessor(config: EvtConfig, catalog: Catalog, name: string, overrides: Partial<ScriptOptions>, display: (file: string) => string): Promise<PlannedProcessor> {
  const file = processorFiles(config).find((f) => path.basename(f).replace(/\.ya?ml$/, "") === name);
  if (!file) {
    const known = processorFiles(config).map((f) => path.basename(f).replace(/\.ya?ml$/, ""));
    throw new EvtError(`no processor "${name}" in ${display(flinkConfigOf(config).processors)} (${known.length ? `processors: ${known.join(", ")}` : "none there"})`);
  }
  const setup = prepareFlink(config);
  const planner = openPlanner(setup.home, setup.classpath);
  try {
    const options = scriptOptions(config, overrides);
    const r = await lintProcessor(file, display(file), catalog, (req) => planner.plan(req), options);
    if (r.findings.length > 0 || !r.spec || !r.columns) {
      const diags = r.findings.map((f) => ({ file: f.file, line: f.line, column: f.column, message: `${f.ruleId} ${f.message}` }));
      throw new EvtError(`processor ${name} has ${diags.length} finding(s); run evt lint:\n${diags.map(formatDiagnostic).join("\n")}`, diags);
    }
    const script = processorScript(r.spec, catalog, options, new Map(r.columns.map((c) => [c.name, c.type])));
    return { spec: r.spec, script, columns: r.columns, setup };
  } finally {
    await planner.close();
  }
}

export interface RunOptions {
  /** Absolute checkpoint directory (kept after the job: a later run can restore from it). */
  readonly checkpoints: string;
  /** Checkpoint or savepoint directory to resume from. */
  readonly restore?: string;
  /** Read the input topics up to their end offsets at start, then finish. */
  readonly bounded?: boolean;
}

/** Checkpoint interval of a bounded run at most: its output commits on checkpoints, the last one included (bench/flink, D94). */
export const BOUNDED_CHECKPOINT_MS = 1000;

/** The request `evt flink run` (and bench/flink) hands the MiniCluster. */
export function runRequest(planned: PlannedProcessor, options: RunOptions): HelperRequest {
  const statements = options.bounded
    ? planned.script.statements.map((st) => st.replace("'scan.startup.mode' = 'group-offsets',", "'scan.startup.mode' = 'group-offsets',\n  'scan.bounded.mode' = 'latest-offset',"))
    : planned.script.statements;
  return {
    statements,
    insert: planned.script.insert,
    parallelism: planned.spec.parallelism,
    config: {
      ...planned.script.settings,
      // a bounded job's output is committed by its last checkpoint, which waits for the next interval (D94)
      ...(options.bounded ? { "execution.checkpointing.interval": `${Math.min(planned.spec.checkpointing.intervalMs, BOUNDED_CHECKPOINT_MS)} ms` } : {}),
      "execution.checkpointing.dir": `file://${options.checkpoints}`,
      "state.backend.type": "hashmap",
      ...(options.restore ? { "execution.state-recovery.path": options.restore } : {}),
    },
  };
}
