/**
 * Runs the real buf CLI (shipped in the @bufbuild/buf npm package). Only node built-ins here:
 * callers start buf first and load protobuf-es and the model while it compiles.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { EvtError, ProtoCompileError, type Diagnostic } from "../errors.js";
import { VOCABULARY_PROTO } from "../vocabulary/paths.js";

const require = createRequire(import.meta.url);

// @bufbuild/buf's optional per-platform packages (the same table as its bin/buf launcher).
const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  "darwin arm64": "@bufbuild/buf-darwin-arm64",
  "darwin x64": "@bufbuild/buf-darwin-x64",
  "linux arm64": "@bufbuild/buf-linux-aarch64",
  "linux arm": "@bufbuild/buf-linux-armv7",
  "linux x64": "@bufbuild/buf-linux-x64",
  "win32 arm64": "@bufbuild/buf-win32-arm64",
  "win32 x64": "@bufbuild/buf-win32-x64",
};

let resolvedBinary: string | undefined;

/**
 * Absolute path of the buf binary from the @bufbuild/buf package: the native executable of the
 * platform package when installed, else the package's bin/buf launcher (a node script that
 * spawns it: one more node start-up, ~50-80 ms, per call).
 */
export function bufBinary(): string {
  if (resolvedBinary) return resolvedBinary;
  const pkgJson = require.resolve("@bufbuild/buf/package.json");
  const platformPkg = PLATFORM_PACKAGES[`${process.platform} ${process.arch}`];
  if (platformPkg) {
    try {
      const native = createRequire(pkgJson).resolve(`${platformPkg}/bin/buf${process.platform === "win32" ? ".exe" : ""}`);
      if (existsSync(native)) return (resolvedBinary = native);
    } catch {
      // not installed (e.g. --no-optional): fall back to the launcher
    }
  }
  const bin = path.join(path.dirname(pkgJson), "bin", "buf");
  if (!existsSync(bin)) throw new EvtError(`buf binary not found at ${bin}; reinstall @bufbuild/buf`);
  return (resolvedBinary = bin);
}

export interface BufResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly code: number;
}

/** Runs buf with arguments; never throws for a non-zero exit (callers interpret it). */
export function runBuf(args: readonly string[], cwd: string): Promise<BufResult> {
  return startBuf(args, cwd).result;
}

function startBuf(args: readonly string[], cwd: string): { readonly child: ChildProcess; readonly result: Promise<BufResult> } {
  let child!: ChildProcess;
  const result = new Promise<BufResult>((resolve, reject) => {
    child = execFile(
      bufBinary(),
      [...args],
      { cwd, encoding: "buffer", maxBuffer: 1 << 30, env: { ...process.env, BUF_CACHE_DIR: bufCacheDir(cwd) } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        if (error && code === -1) return reject(new EvtError(`cannot run buf: ${error.message}`, [], { cause: error }));
        resolve({ stdout, stderr: stderr.toString("utf8"), code });
      },
    );
  });
  return { child, result };
}

function bufCacheDir(cwd: string): string {
  return process.env.BUF_CACHE_DIR ?? path.join(cwd, ".cache", "buf");
}

/** Parses buf's `--error-format=json` lines into diagnostics. */
export function parseBufDiagnostics(stderr: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of stderr.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      const d = JSON.parse(t) as { path?: string; start_line?: number; start_column?: number; message?: string };
      out.push({ file: d.path ?? "", line: d.start_line ?? 0, column: d.start_column ?? 0, message: d.message ?? t });
    } catch {
      // not a diagnostic line
    }
  }
  return out;
}

/**
 * Builds the proto tree rooted at `root` into buf's serialised FileDescriptorSet (imports
 * included, source info kept; decode with buf-build.ts or descriptor-set.ts). Throws
 * ProtoCompileError with buf's positioned diagnostics when it does not compile.
 */
const DESCRIPTOR_SET_ARGS = ["build", ".", "--as-file-descriptor-set", "--error-format=json", "-o", "-#format=binpb"];

/** Builds started before a command asked for them, by absolute root (see startDescriptorSetBuild). */
const earlyBuilds = new Map<string, Promise<BufResult>>();

/**
 * Starts `buf build` of a proto root now, for a later `buildDescriptorSetBytes` of the same root
 * to take (bin/run.js starts check-compat's before oclif loads: buf is the longest step, and
 * loading the CLI took ~250 ms before it began). Unclaimed at exit, the build is stopped.
 */
export function startDescriptorSetBuild(root: string): void {
  const abs = path.resolve(root);
  if (earlyBuilds.has(abs) || !existsSync(abs) || !statSync(abs).isDirectory()) return;
  const { child, result } = startBuf(DESCRIPTOR_SET_ARGS, abs);
  result.catch(() => undefined); // a failure is reported to whoever takes the build
  const stop = (): void => void child.kill();
  process.once("exit", stop);
  earlyBuilds.set(abs, result.finally(() => process.off("exit", stop)));
}

function takeEarlyBuild(abs: string): Promise<BufResult> | undefined {
  const early = earlyBuilds.get(abs);
  earlyBuilds.delete(abs);
  return early;
}

export async function buildDescriptorSetBytes(rootAsGiven: string): Promise<Uint8Array> {
  const abs = path.resolve(rootAsGiven);
  // Paths in messages are relative to the cwd, however the root was passed.
  const root = path.isAbsolute(rootAsGiven) ? path.relative(process.cwd(), abs) || "." : rootAsGiven;
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new EvtError(`proto root ${root} does not exist or is not a directory`);
  }
  const res = await (takeEarlyBuild(abs) ?? runBuf(DESCRIPTOR_SET_ARGS, abs));
  if (res.code !== 0) {
    const diags = parseBufDiagnostics(res.stderr);
    const missing = missingImports(diags, abs);
    if (missing.length > 0) throw missingImportError(missing, root);
    if (diags.length > 0) {
      throw new ProtoCompileError(`${root}: ${diags.length} compile error(s)`, diags.map((d) => ({ ...d, file: path.join(root, d.file) })));
    }
    const msg = res.stderr.trim().replace(/^Failure:\s*/, "");
    if (/had no \.proto files/.test(msg)) throw new ProtoCompileError(`no .proto files found under ${root}`);
    throw new ProtoCompileError(`buf build failed in ${root}: ${msg}`);
  }
  return res.stdout;
}

/** buf's "imported file does not exist" diagnostics, with the import path read from the source line. */
function missingImports(diags: readonly Diagnostic[], abs: string): (Diagnostic & { readonly imported: string })[] {
  return diags.flatMap((d) => {
    if (!/imported file does not exist/.test(d.message)) return [];
    let line = "";
    try {
      line = readFileSync(path.join(abs, d.file), "utf8").split("\n")[d.line - 1] ?? "";
    } catch {
      // unreadable: the import stays unnamed
    }
    const imported = /import\s+(?:public\s+|weak\s+)?"([^"]+)"/.exec(line)?.[1] ?? "?";
    return [{ ...d, imported }];
  });
}

/**
 * A missing import makes buf report every use of its names too (21 errors for the vocabulary);
 * only the imports themselves are reported, each naming the file, with the fix for evt's own.
 */
function missingImportError(missing: readonly (Diagnostic & { readonly imported: string })[], root: string): ProtoCompileError {
  const names = [...new Set(missing.map((m) => m.imported))];
  const vocabulary = names.includes(VOCABULARY_PROTO);
  const files = [...new Set(missing.map((m) => path.join(root, m.file)))];
  const importer = files.length === 1 ? files[0] : `${files[0]} (and ${files.length - 1} more)`;
  const what = `${importer} imports ${names.map((n) => `"${n}"`).join(", ")}, which ${names.length === 1 ? "is" : "are"} not under ${root}/.`;
  const fix = vocabulary
    ? ` "${VOCABULARY_PROTO}" is evt's vocabulary: run evt init to copy it into ${path.join(root, VOCABULARY_PROTO)}.`
    : " Add the imported files under the proto root, or fix the import paths (they are relative to the proto root).";
  return new ProtoCompileError(
    `${what}${fix}`,
    missing.map((m) => ({ file: path.join(root, m.file), line: m.line, column: m.column, message: `import "${m.imported}" not found` })),
  );
}
