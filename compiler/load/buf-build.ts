/**
 * Compiles a proto tree with the real buf CLI (shipped in the @bufbuild/buf npm package) into a
 * FileDescriptorSet with source info. We never parse .proto text ourselves.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, type FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { EvtError, ProtoCompileError, type Diagnostic } from "../errors.js";

const require = createRequire(import.meta.url);

/** Absolute path of the buf binary from the @bufbuild/buf package. */
export function bufBinary(): string {
  const pkgDir = path.dirname(require.resolve("@bufbuild/buf/package.json"));
  const bin = path.join(pkgDir, "bin", "buf");
  if (!existsSync(bin)) throw new EvtError(`buf binary not found at ${bin}; reinstall @bufbuild/buf`);
  return bin;
}

export interface BufResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly code: number;
}

/** Runs buf with arguments; never throws for a non-zero exit (callers interpret it). */
export function runBuf(args: readonly string[], cwd: string): Promise<BufResult> {
  return new Promise((resolve, reject) => {
    execFile(
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
 * Builds the proto tree rooted at `root` into a FileDescriptorSet (imports included, source
 * info kept). Throws ProtoCompileError with buf's positioned diagnostics when it does not compile.
 */
export async function buildDescriptorSet(root: string): Promise<{ set: FileDescriptorSet; bytes: Uint8Array }> {
  const abs = path.resolve(root);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new EvtError(`proto root ${root} does not exist or is not a directory`);
  }
  const res = await runBuf(["build", ".", "--as-file-descriptor-set", "--error-format=json", "-o", "-#format=binpb"], abs);
  if (res.code !== 0) {
    const diags = parseBufDiagnostics(res.stderr);
    if (diags.length > 0) {
      throw new ProtoCompileError(`${root}: ${diags.length} compile error(s)`, diags.map((d) => ({ ...d, file: path.join(root, d.file) })));
    }
    const msg = res.stderr.trim().replace(/^Failure:\s*/, "");
    if (/had no \.proto files/.test(msg)) throw new ProtoCompileError(`no .proto files found under ${root}`);
    throw new ProtoCompileError(`buf build failed in ${root}: ${msg}`);
  }
  return { set: fromBinary(FileDescriptorSetSchema, res.stdout), bytes: res.stdout };
}

/** Reads a buf image / FileDescriptorSet file (binary `.binpb`/`.bin`, or `.json`). */
export function readDescriptorSetFile(file: string): FileDescriptorSet {
  if (!existsSync(file)) throw new EvtError(`image file ${file} does not exist`);
  const bytes = readFileSync(file);
  try {
    return fromBinary(FileDescriptorSetSchema, bytes);
  } catch (e) {
    throw new EvtError(`${file} is not a binary FileDescriptorSet or buf image: ${(e as Error).message}`, [], { cause: e });
  }
}
