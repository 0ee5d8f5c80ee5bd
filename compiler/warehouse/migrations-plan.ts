/**
 * `evt ddl plan --against REF` as a library call: diff the sink tables of the baseline and the
 * working tree, write the next migration for what ALTER can express, and report (as findings of
 * the warehouse compatibility rules) what no migration can.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadCatalog } from "../model/build-catalog.js";
import type { Finding } from "../report/index.js";
import { loadBaseline } from "../rules/compat/baseline.js";
import { checkCompat } from "../rules/compat/check.js";
import { normalizeStatement, readMigrationStatements } from "../rules/compat/migrations-index.js";
import { COMPAT_RULES } from "../rules/compat/registry.js";
import { planWarehouse } from "./migrations.js";
import { existingMigrations, planMigrationFile, type PlannedFile } from "./migrations-file.js";

export interface DdlPlanRequest {
  readonly protoRoot: string;
  readonly cwd: string;
  readonly against: string;
  readonly migrationsDir: string;
  readonly schemaPrefix: string;
  /** Compute only; do not write the file. */
  readonly dryRun?: boolean;
}

export interface DdlPlanResult {
  /** The new migration (undefined: nothing to plan). `path` is absolute. */
  readonly file?: PlannedFile & { readonly path: string };
  /** What no migration can express (exit 1). */
  readonly findings: readonly Finding[];
}

export async function runDdlPlan(req: DdlPlanRequest): Promise<DdlPlanResult> {
  const displayRoot = path.relative(req.cwd, req.protoRoot) || ".";
  const [after, baseline] = await Promise.all([
    loadCatalog(req.protoRoot, displayRoot).then((l) => l.catalog),
    loadBaseline(req.against, { protoRoot: req.protoRoot, displayRoot, cwd: req.cwd }),
  ]);
  const committed = readMigrationStatements(req.migrationsDir);
  const plan = planWarehouse(baseline.catalog, after, { schemaPrefix: req.schemaPrefix });
  const planned = planMigrationFile(plan.steps, committed, existingMigrations(req.migrationsDir), normalizeStatement, req.against);
  let file: DdlPlanResult["file"];
  const covered = new Set(committed);
  if (planned) {
    const target = path.join(req.migrationsDir, planned.name);
    if (!req.dryRun) {
      mkdirSync(req.migrationsDir, { recursive: true });
      writeFileSync(target, planned.content);
    }
    for (const s of planned.steps) for (const st of s.statements) covered.add(normalizeStatement(st));
    file = { ...planned, path: target };
  }
  // What remains after the plan is what no migration can express.
  const findings = checkCompat(
    { before: baseline.catalog, after },
    { rules: COMPAT_RULES.filter((r) => r.layer === "warehouse"), migrations: covered, schemaPrefix: req.schemaPrefix, mode: "FULL" },
  );
  return { ...(file ? { file } : {}), findings };
}
