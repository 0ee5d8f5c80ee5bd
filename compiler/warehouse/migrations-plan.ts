/**
 * `evt ddl plan --against REF` as a library call: diff the sink tables of the baseline and the
 * working tree, write the next migration (Snowflake and DuckDB, same name) for what ALTER can
 * express, and report (as findings of the warehouse compatibility rules) what no migration can.
 * Approvals come from the same file and loader as `evt check-compat`, so both commands give one
 * verdict; an approved change that still needs table work evt does not write names that work.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadCatalog } from "../model/build-catalog.js";
import type { Finding } from "../report/index.js";
import { applyApprovals, loadApprovals } from "../rules/compat/approvals.js";
import { loadBaseline } from "../rules/compat/baseline.js";
import { checkCompat } from "../rules/compat/check.js";
import { normalizeStatement, readMigrationStatements } from "../rules/compat/migrations-index.js";
import { COMPAT_RULES } from "../rules/compat/registry.js";
import { refuseLintErrors } from "../rules/lint/refuse.js";
import { planWarehouse, type WarehouseProblem } from "./migrations.js";
import { existingMigrations, planMigrationFile, type PlannedFile } from "./migrations-file.js";

export interface DdlPlanRequest {
  readonly protoRoot: string;
  readonly cwd: string;
  readonly against: string;
  /** `generated/snowflake/migrations`. */
  readonly migrationsDir: string;
  /** `generated/duckdb/migrations` (the same migrations in DuckDB's dialect). */
  readonly duckdbMigrationsDir: string;
  readonly schemaPrefix: string;
  /** Absolute path of evt-approvals.yaml (may not exist). */
  readonly approvalsFile?: string;
  /** Compute only; do not write the file. */
  readonly dryRun?: boolean;
}

/** Table work an approved change still needs (evt does not write it: it rewrites a column). */
export interface ManualWork {
  readonly ruleId: string;
  readonly element: string;
  readonly table: string;
  readonly column: string;
  readonly snowflake: readonly string[];
  readonly duckdb: readonly string[];
}

export interface DdlPlanResult {
  /** The new migration (undefined: nothing to plan). `path` and `duckdbPath` are absolute. */
  readonly file?: PlannedFile & { readonly path: string; readonly duckdbPath: string };
  /** What no migration can express (exit 1 unless approved). */
  readonly findings: readonly Finding[];
  readonly manual: readonly ManualWork[];
}

const WAREHOUSE_RULES = COMPAT_RULES.filter((r) => r.layer === "warehouse");

export async function runDdlPlan(req: DdlPlanRequest): Promise<DdlPlanResult> {
  const displayRoot = path.relative(req.cwd, req.protoRoot) || ".";
  const [after, baseline] = await Promise.all([
    loadCatalog(req.protoRoot, displayRoot).then((l) => l.catalog),
    loadBaseline(req.against, { protoRoot: req.protoRoot, displayRoot, cwd: req.cwd }),
  ]);
  refuseLintErrors(after, "evt ddl plan");
  const committed = new Set([...readMigrationStatements(req.migrationsDir), ...readMigrationStatements(req.duckdbMigrationsDir)]);
  const plan = planWarehouse(baseline.catalog, after, { schemaPrefix: req.schemaPrefix });
  const names = [...new Set([...existingMigrations(req.migrationsDir), ...existingMigrations(req.duckdbMigrationsDir)])].sort();
  const planned = planMigrationFile(plan.steps, committed, names, normalizeStatement, req.against);
  let file: DdlPlanResult["file"];
  const covered = new Set(committed);
  if (planned) {
    const target = path.join(req.migrationsDir, planned.name);
    const duckdbTarget = path.join(req.duckdbMigrationsDir, planned.name);
    if (!req.dryRun) {
      mkdirSync(req.migrationsDir, { recursive: true });
      mkdirSync(req.duckdbMigrationsDir, { recursive: true });
      writeFileSync(target, planned.content);
      writeFileSync(duckdbTarget, planned.duckdbContent);
    }
    for (const s of planned.steps) for (const st of s.statements) covered.add(normalizeStatement(st));
    file = { ...planned, path: target, duckdbPath: duckdbTarget };
  }
  // What remains after the plan is what no migration can express.
  const raw = checkCompat(
    { before: baseline.catalog, after },
    { rules: WAREHOUSE_RULES, migrations: covered, schemaPrefix: req.schemaPrefix, mode: "FULL" },
  );
  // The approvals of the other layers are check-compat's to judge (and to call unused).
  const ids = new Set(WAREHOUSE_RULES.map((r) => r.id));
  const approvals = req.approvalsFile ? loadApprovals(req.approvalsFile, path.relative(req.cwd, req.approvalsFile)).filter((a) => ids.has(a.rule)) : [];
  const findings = applyApprovals(raw, approvals, req.approvalsFile ? path.relative(req.cwd, req.approvalsFile) : "");
  return { ...(file ? { file } : {}), findings, manual: manualWork(findings, plan.problems) };
}

function manualWork(findings: readonly Finding[], problems: readonly WarehouseProblem[]): ManualWork[] {
  const out: ManualWork[] = [];
  for (const f of findings) {
    if (!f.approved) continue;
    const p = problems.find((x) => x.manual && `${x.table}.${x.column}` === f.element);
    if (p?.manual) out.push({ ruleId: f.ruleId, element: f.element!, table: p.table, column: p.column, ...p.manual });
  }
  return out;
}
