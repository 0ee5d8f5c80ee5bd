/**
 * Loads the baseline catalog `--against REF` names: a directory (a proto root), a buf image /
 * FileDescriptorSet file, or a git ref. A git ref is read with `git archive` into a temporary
 * directory, never touching the working tree or the index. A ref missing from a shallow CI clone
 * is an input error (exit 2) that says how to fetch it.
 */
import { spawn, execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readDescriptorSetFileForCatalog } from "../../load/buf-build.js";
import { catalogFromDecoded, loadCatalog, type CatalogOptions } from "../../model/build-catalog.js";
import type { Catalog } from "../../model/catalog.js";
import { EvtError } from "../../errors.js";

export type BaselineKind = "directory" | "image" | "git";

export interface Baseline {
  readonly catalog: Catalog;
  readonly kind: BaselineKind;
  /** Human label: the directory, file, or `ref (abbrev sha)`. */
  readonly label: string;
}

export interface BaselineOptions {
  /** Absolute proto root of the working tree (a git ref is read at the same path). */
  readonly protoRoot: string;
  /** Prefix of positions, the same as the after tree's so paths read alike. */
  readonly displayRoot: string;
  /** Where a relative REF path is resolved. */
  readonly cwd: string;
  /** Passed to the catalog builder (shares work with the after tree's catalog). */
  readonly catalog?: CatalogOptions;
}

export async function loadBaseline(ref: string, options: BaselineOptions): Promise<Baseline> {
  const asPath = path.resolve(options.cwd, ref);
  if (existsSync(asPath)) {
    if (statSync(asPath).isDirectory()) {
      return { catalog: (await loadCatalog(asPath, options.displayRoot, options.catalog)).catalog, kind: "directory", label: ref };
    }
    return { catalog: catalogFromDecoded(readDescriptorSetFileForCatalog(asPath, options.catalog?.reuse), options.displayRoot).catalog, kind: "image", label: ref };
  }
  return loadGitBaseline(ref, options);
}

interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function git(args: readonly string[], cwd: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile("git", [...args], { cwd, maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(new EvtError(`cannot run git: ${error.message}`, [], { cause: error }));
      resolve({ code: error ? (error.code as number) : 0, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

async function loadGitBaseline(ref: string, options: BaselineOptions): Promise<Baseline> {
  const top = await git(["rev-parse", "--show-toplevel"], options.protoRoot);
  if (top.code !== 0) {
    throw new EvtError(`--against ${ref}: not a directory or file, and ${options.protoRoot} is not in a git repository, so it cannot be a git ref`);
  }
  const root = top.stdout.trim();
  const commit = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], root);
  if (commit.code !== 0) {
    const shallow = (await git(["rev-parse", "--is-shallow-repository"], root)).stdout.trim() === "true";
    const fetchRef = ref.replace(/^origin\//, "");
    throw new EvtError(
      `--against ${ref}: no such git ref${shallow ? " in this shallow clone" : ""} (and no such file or directory). ` +
        `CI clones often fetch only the checked-out commit; fetch the base first: git fetch --depth=1 origin ${fetchRef}` +
        (ref.startsWith("origin/") ? "" : `:${fetchRef}`),
    );
  }
  const sha = commit.stdout.trim();
  const rel = path.relative(root, options.protoRoot).split(path.sep).join("/") || ".";
  const tmp = mkdtempSync(path.join(tmpdir(), "evt-baseline-"));
  try {
    await extract(root, sha, rel, tmp, ref);
    const dir = path.join(tmp, rel);
    if (!existsSync(dir)) throw new EvtError(`--against ${ref}: the proto root ${rel} does not exist at ${ref}`);
    const { catalog } = await loadCatalog(dir, options.displayRoot, options.catalog);
    return { catalog, kind: "git", label: `${ref} (${sha.slice(0, 12)})` };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** `git archive <sha> -- <rel> | tar -x -C <dest>`, streaming (no temporary tarball). */
async function extract(repo: string, sha: string, rel: string, dest: string, ref: string): Promise<void> {
  const archive = spawn("git", ["archive", "--format=tar", sha, "--", rel], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  const tar = spawn("tar", ["-x", "-C", dest], { stdio: ["pipe", "ignore", "pipe"] });
  archive.stdout.pipe(tar.stdin);
  let archiveErr = "";
  let tarErr = "";
  archive.stderr.on("data", (d: Buffer) => (archiveErr += d.toString()));
  tar.stderr.on("data", (d: Buffer) => (tarErr += d.toString()));
  const exited = (p: typeof archive | typeof tar): Promise<number> =>
    new Promise((resolve, reject) => {
      p.on("error", reject);
      p.on("close", (code) => resolve(code ?? 1));
    });
  const [archiveCode, tarCode] = await Promise.all([exited(archive), exited(tar)]);
  if (archiveCode !== 0) {
    const missing = /did not match any files|pathspec/.test(archiveErr);
    throw new EvtError(missing ? `--against ${ref}: the proto root ${rel} does not exist at ${ref}` : `git archive ${ref} failed: ${archiveErr.trim()}`);
  }
  if (tarCode !== 0) throw new EvtError(`extracting ${ref} failed: ${tarErr.trim()}`);
}
