/**
 * Processor lint (part of `evt lint`): the file's shape, its contracts, then Flink's own planner
 * over the generated tables (a bad column, type or syntax becomes a finding at the SQL's place in
 * the YAML), then the SELECT's columns against the output contract. Rule ids are stable.
 */
import { readFileSync } from "node:fs";
import { FlinkEnvironmentError } from "../errors.js";
import type { Catalog, EventModel, SourcePosition } from "../model/catalog.js";
import type { Finding } from "../report/index.js";
import type { HelperRequest, PlanResult, PlannedColumn } from "./flink-jvm.js";
import { outputColumnProblems } from "./output-columns.js";
import { processorScript, type ScriptOptions } from "./script.js";
import { parseProcessorSpec, sqlToYamlPosition, type ProcessorSpec } from "./spec.js";

export const PROCESSOR_RULES = {
  EVT_PROCESSOR_SPEC: "Checks that a processor file is valid YAML with the documented keys and values.",
  EVT_PROCESSOR_CONTRACT: "Checks that a processor's input and output contracts are events of the catalog.",
  EVT_PROCESSOR_SQL: "Checks that a processor's SQL parses, validates and plans with Flink's planner against the contracts' tables.",
  EVT_PROCESSOR_OUTPUT: "Checks that the SELECT's columns are fields of the output contract with matching types, required fields included.",
} as const;

export type ProcessorRuleId = keyof typeof PROCESSOR_RULES;

/** Runs the planner (flink-jvm.ts openPlanner); injected so the JVM starts only when a processor needs it. */
export type Planner = (request: HelperRequest) => Promise<PlanResult>;

function finding(ruleId: ProcessorRuleId, position: SourcePosition, message: string, element: string, end?: { line: number; column: number }): Finding {
  return {
    ruleId,
    layer: "processor",
    category: "PROCESSOR",
    severity: "error",
    message,
    file: position.file,
    line: position.line,
    column: position.column,
    ...(end ? { endLine: end.line, endColumn: end.column } : {}),
    element,
  };
}

/** Messages of a contract class missing from the class path: the jar is stale, not the SQL wrong. */
const MISSING_CLASSES = /descriptors error|ClassNotFoundException|NoClassDefFoundError/;

function checkClasses(message: string): void {
  if (MISSING_CLASSES.test(message)) {
    throw new FlinkEnvironmentError(`the contract classes on Flink's class path do not match the contracts (${message.split("\n")[0]}); run evt generate and retry`);
  }
}

const CALCITE_POSITION = /line (\d+), column (\d+)(?: to line (\d+), column (\d+))?/;

/** The planner's message, shortened to its first useful line, with SQL positions mapped into the YAML. */
function sqlFinding(spec: ProcessorSpec, message: string, lineOffset: number): Finding {
  const m = CALCITE_POSITION.exec(message);
  const lines = message.split("\n").map((l) => l.trim()).filter(Boolean);
  // Flink prefixes "SQL validation failed." and repeats the cause; the line with the position says it best
  const text = (lines.find((l) => CALCITE_POSITION.test(l)) ?? lines.find((l) => !/^SQL (validation|parse) failed\.?$/.test(l)) ?? message)
    .replace(/^(org\.apache\.[\w.]+: )+/, "");
  const sqlLine = m ? Number(m[1]) - lineOffset : 0;
  if (!m || sqlLine < 1) return finding("EVT_PROCESSOR_SQL", spec.sqlPosition, text, spec.name);
  const start = sqlToYamlPosition(spec, sqlLine, Number(m[2]));
  const end = m[3] ? sqlToYamlPosition(spec, Number(m[3]) - lineOffset, Number(m[4])) : undefined;
  return finding("EVT_PROCESSOR_SQL", start, text, spec.name, end ? { line: end.line, column: end.column } : undefined);
}

/** Where a column is named in the SQL (`AS name`, else its last bare mention), as a YAML position. */
function columnPosition(spec: ProcessorSpec, column: string): SourcePosition {
  const lines = spec.sql.split("\n");
  const alias = new RegExp(`\\bAS\\s+\`?${column}\`?\\b`, "i");
  const bare = new RegExp(`\\b${column}\\b`);
  for (const re of [alias, bare]) {
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = re.exec(lines[i]!);
      if (m) return sqlToYamlPosition(spec, i + 1, m.index + (re === alias ? m[0].length - column.length - (m[0].endsWith("`") ? 1 : 0) : 0) + 1);
    }
  }
  return spec.sqlPosition;
}

function contractFindings(spec: ProcessorSpec, catalog: Catalog): Finding[] {
  const events = new Set(catalog.events.map((e) => e.fullName));
  const out: Finding[] = [];
  const check = (contract: string, position: SourcePosition, role: string): void => {
    if (events.has(contract)) return;
    // a typo usually keeps the package, or a prefix of the name
    const near = catalog.events.find((e) => e.message.name === contract.split(".").pop() || (contract.length > 3 && e.fullName.startsWith(contract)));
    out.push(finding("EVT_PROCESSOR_CONTRACT", position, `${role} contract ${contract} is not an event of the catalog${near ? ` (did you mean ${near.fullName}?)` : ""}`, spec.name));
  };
  spec.inputs.forEach((i) => check(i.contract, i.position, "input"));
  check(spec.output.contract, spec.output.position, "output");
  return out;
}

export interface ProcessorLintResult {
  readonly findings: Finding[];
  readonly spec?: ProcessorSpec;
  readonly columns?: readonly PlannedColumn[];
}

/** Lints one processor file (`file` is read, `displayFile` is how findings name it). */
export async function lintProcessor(
  file: string,
  displayFile: string,
  catalog: Catalog,
  planner: Planner,
  options: ScriptOptions,
): Promise<ProcessorLintResult> {
  const { spec, problems } = parseProcessorSpec(readFileSync(file, "utf8"), displayFile);
  if (!spec) return { findings: problems.map((p) => finding("EVT_PROCESSOR_SPEC", p.position, p.message, displayFile)) };
  const contracts = contractFindings(spec, catalog);
  if (contracts.length > 0) return { findings: contracts, spec };

  const output = catalog.events.find((e) => e.fullName === spec.output.contract) as EventModel;
  const script = processorScript(spec, catalog, options);
  const planned = await planner({ statements: script.statements, query: script.query, config: script.settings });
  if (!planned.ok) {
    checkClasses(planned.message);
    return { findings: [sqlFinding(spec, planned.message, 0)], spec };
  }

  const columnProblems = outputColumnProblems(spec, output, catalog, planned.columns);
  if (columnProblems.length > 0) {
    const findings = columnProblems.map((p) =>
      finding("EVT_PROCESSOR_OUTPUT", p.column ? columnPosition(spec, p.column) : spec.output.position, p.message, spec.name),
    );
    return { findings, spec, columns: planned.columns };
  }
  // the full INSERT with evt's wrapper: the sink table and the protobuf writer are planned too
  const full = processorScript(spec, catalog, options, new Map(planned.columns.map((c) => [c.name, c.type])));
  const inserted = await planner({ statements: full.statements, insert: full.insert, config: full.settings });
  if (!inserted.ok) checkClasses(inserted.message);
  if (!inserted.ok) return { findings: [sqlFinding(spec, inserted.message, full.insertPrefixLines)], spec, columns: planned.columns };
  return { findings: [], spec, columns: planned.columns };
}
