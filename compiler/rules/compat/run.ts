/**
 * `evt check-compat` as a library call: load the after tree and the baseline, run the rules
 * (plus the committed history for _TRANSITIVE modes), apply approvals. The CLI command is a thin
 * wrapper around `runCheckCompat`.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { readDescriptorSetFileForCatalog } from "../../load/buf-build.js";
import { catalogFromDecoded, loadCatalog } from "../../model/build-catalog.js";
import type { Catalog, CompatibilityMode } from "../../model/catalog.js";
import type { Finding } from "../../report/index.js";
import { applyApprovals, loadApprovals } from "./approvals.js";
import { loadBaseline, type Baseline } from "./baseline.js";
import { checkCompat } from "./check.js";
import { modeSpec } from "./modes.js";
import { readMigrationStatements } from "./migrations-index.js";

export interface CheckCompatRequest {
  /** Absolute proto root of the working tree. */
  readonly protoRoot: string;
  readonly cwd: string;
  /** `--against`: git ref, directory or image file. */
  readonly against: string;
  readonly mode?: CompatibilityMode;
  /** Absolute path of evt-approvals.yaml (may not exist). */
  readonly approvalsFile: string;
  /** Directory of earlier images for _TRANSITIVE modes (may not exist). */
  readonly historyDir: string;
  /** Directory of committed migrations (`generated/snowflake/migrations`). */
  readonly migrationsDir: string;
  /** `warehouse.schemaPrefix` (migration statements name prefixed schemas). */
  readonly schemaPrefix?: string;
}

export interface CheckCompatResult {
  readonly findings: readonly Finding[];
  readonly baseline: Baseline;
  readonly after: Catalog;
  /** History versions compared for transitive modes. */
  readonly history: readonly string[];
}

const rel = (cwd: string, p: string): string => path.relative(cwd, p) || ".";

export async function runCheckCompat(req: CheckCompatRequest): Promise<CheckCompatResult> {
  const displayRoot = rel(req.cwd, req.protoRoot);
  const [after, baseline] = await Promise.all([
    loadCatalog(req.protoRoot, displayRoot).then((l) => l.catalog),
    loadBaseline(req.against, { protoRoot: req.protoRoot, displayRoot, cwd: req.cwd }),
  ]);
  const migrations = readMigrationStatements(req.migrationsDir);
  const base = { ...(req.mode ? { mode: req.mode } : {}), migrations, schemaPrefix: req.schemaPrefix ?? "" };
  const findings: Finding[] = checkCompat({ before: baseline.catalog, after }, base);

  const history: string[] = [];
  if (usesTransitive(after, req.mode)) {
    for (const version of historyVersions(req.historyDir)) {
      const catalog = catalogFromDecoded(readDescriptorSetFileForCatalog(version), displayRoot).catalog;
      const label = path.basename(version);
      history.push(label);
      findings.push(...checkCompat({ before: catalog, after }, { ...base, transitiveOnly: true, againstLabel: label }));
    }
  }
  const approvalsDisplay = rel(req.cwd, req.approvalsFile);
  return { findings: applyApprovals(findings, loadApprovals(req.approvalsFile, approvalsDisplay), approvalsDisplay), baseline, after, history };
}

function usesTransitive(after: Catalog, override: CompatibilityMode | undefined): boolean {
  if (override !== undefined) return modeSpec(override).transitive;
  return after.events.some((e) => modeSpec(e.compatibility).transitive);
}

/** Earlier versions, oldest first: `*.binpb` / `*.bin` images in the history directory, by name. */
export function historyVersions(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".binpb") || f.endsWith(".bin"))
    .sort()
    .map((f) => path.join(dir, f));
}
