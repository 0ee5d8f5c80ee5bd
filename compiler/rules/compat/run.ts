/**
 * `evt check-compat` as a library call: load the after tree and the baseline, run the rules
 * (plus the committed history for _TRANSITIVE modes), apply approvals. The CLI command is a thin
 * wrapper around `runCheckCompat`.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { buildDescriptorSetBytes } from "../../load/buf-process.js";
import type { Catalog, CompatibilityMode } from "../../model/catalog.js";
import type { Finding } from "../../report/index.js";
import type { Baseline } from "./baseline.js";
import type { StepListener } from "../../steps.js";

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
  /** Told each step (for the CLI's progress line). */
  readonly onStep?: StepListener;
}

export interface CheckCompatResult {
  readonly findings: readonly Finding[];
  readonly baseline: Baseline;
  readonly after: Catalog;
  /** History versions compared for transitive modes. */
  readonly history: readonly string[];
}

const rel = (cwd: string, p: string): string => path.relative(cwd, p) || ".";

/**
 * buf compiles the after tree first (the longest step); protobuf-es, the model and the rules load
 * and the baseline is modelled while it runs, so only the after tree's decode, model and the rules
 * remain once buf returns. Hence only node built-ins and buf-process.js are imported statically.
 */
export async function runCheckCompat(req: CheckCompatRequest): Promise<CheckCompatResult> {
  const displayRoot = rel(req.cwd, req.protoRoot);
  req.onStep?.(`compiling ${displayRoot} with buf, loading ${req.against}`);
  const afterBytes = buildDescriptorSetBytes(req.protoRoot);
  afterBytes.catch(() => undefined); // awaited below; a compile error must not surface as an unhandled rejection meanwhile
  const [{ decodeDescriptorSet, DescriptorReuse }, { readDescriptorSetFileForCatalog }, { catalogFromDecoded }, { loadBaseline }, { checkCompat }, approvals, modes, migrationsIndex] =
    await Promise.all([
      import("../../load/descriptor-set.js"),
      import("../../load/buf-build.js"),
      import("../../model/build-catalog.js"),
      import("./baseline.js"),
      import("./check.js"),
      import("./approvals.js"),
      import("./modes.js"),
      import("./migrations-index.js"),
    ]);
  const { modeSpec } = modes;
  const reuse = new DescriptorReuse(); // the after tree's unchanged types are the baseline's, decoded once
  const baseline = await loadBaseline(req.against, { protoRoot: req.protoRoot, displayRoot, cwd: req.cwd, catalog: { reuse } });
  const compiled = await afterBytes;
  req.onStep?.(`modelling ${displayRoot}`);
  const after = catalogFromDecoded(decodeDescriptorSet(compiled, reuse), displayRoot).catalog;
  req.onStep?.(`checking ${after.events.length} events against ${baseline.label}`);
  const migrations = migrationsIndex.readMigrationStatements(req.migrationsDir);
  const base = { ...(req.mode ? { mode: req.mode } : {}), migrations, schemaPrefix: req.schemaPrefix ?? "" };
  const findings: Finding[] = checkCompat({ before: baseline.catalog, after }, base);

  const history: string[] = [];
  const usesTransitive = req.mode !== undefined ? modeSpec(req.mode).transitive : after.events.some((e) => modeSpec(e.compatibility).transitive);
  if (usesTransitive) {
    const versions = historyVersions(req.historyDir);
    for (const [i, version] of versions.entries()) {
      req.onStep?.("checking against history", { done: i, total: versions.length });
      const catalog = catalogFromDecoded(readDescriptorSetFileForCatalog(version, reuse), displayRoot).catalog;
      const label = path.basename(version);
      history.push(label);
      findings.push(...checkCompat({ before: catalog, after }, { ...base, transitiveOnly: true, againstLabel: label }));
    }
  }
  const approvalsDisplay = rel(req.cwd, req.approvalsFile);
  const approved = approvals.applyApprovals(findings, approvals.loadApprovals(req.approvalsFile, approvalsDisplay), approvalsDisplay);
  return { findings: approved, baseline, after, history };
}

/** Earlier versions, oldest first: `*.binpb` / `*.bin` images in the history directory, by name. */
export function historyVersions(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".binpb") || f.endsWith(".bin"))
    .sort()
    .map((f) => path.join(dir, f));
}
