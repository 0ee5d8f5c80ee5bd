/**
 * Runs @bufbuild/protoc-gen-es in-process on descriptors we already have (no second compile,
 * no plugin process): builds a CodeGeneratorRequest and returns the generated files.
 */
import { createRequire, Module } from "node:module";
import path from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  CodeGeneratorRequestSchema,
  FileDescriptorSetSchema,
  type CodeGeneratorResponse,
  type FileDescriptorSet,
} from "@bufbuild/protobuf/wkt";
import { EvtError } from "../../errors.js";
import { keepSourceLocations } from "../../load/source-locations-filter.js";
import { canonicalFileOrder } from "../descriptor-order.js";

interface Plugin {
  run(request: ReturnType<typeof create<typeof CodeGeneratorRequestSchema>>): CodeGeneratorResponse;
}

const require = createRequire(import.meta.url);
// protoc-gen-es has no exports map; its plugin object lives at this path (pinned version).
const PLUGIN = "@bufbuild/protoc-gen-es/dist/cjs/src/protoc-gen-es-plugin.js";

/**
 * Loads the plugin without loading TypeScript. protoplugin's transpile.js requires `typescript`
 * at load time (~0.15-0.2 s) but only calls it for target=js/dts, which evt never asks for
 * (target=ts). While the plugin loads, `typescript` resolves to a stand-in that requires the real
 * module on first use; the stand-in is removed from the require cache right after, so every
 * other `require("typescript")` in the process gets the real module.
 */
function loadPlugin(): Plugin {
  const protoplugin = require.resolve("@bufbuild/protoplugin", { paths: [path.dirname(require.resolve(PLUGIN))] });
  const tsPath = require.resolve("typescript", { paths: [path.dirname(protoplugin)] });
  if (require.cache[tsPath]) return (require(PLUGIN) as { protocGenEs: Plugin }).protocGenEs;
  const real = (): Record<PropertyKey, unknown> => {
    if (require.cache[tsPath] === standIn) delete require.cache[tsPath];
    return require(tsPath) as Record<PropertyKey, unknown>;
  };
  const standIn = new Module(tsPath);
  standIn.filename = tsPath;
  standIn.loaded = true;
  // `__esModule` is read by the CommonJS interop at load time; anything else means TypeScript is really needed.
  standIn.exports = new Proxy({}, { get: (_, key) => (key === "__esModule" ? undefined : real()[key]), has: (_, key) => key in real() });
  require.cache[tsPath] = standIn;
  try {
    return (require(PLUGIN) as { protocGenEs: Plugin }).protocGenEs;
  } finally {
    if (require.cache[tsPath] === standIn) delete require.cache[tsPath];
  }
}

const protocGenEs = loadPlugin();

export interface GeneratedFile {
  /** Path relative to the output root, e.g. `orders/v1/orders_pb.ts`. */
  readonly name: string;
  readonly content: string;
}

/**
 * @param set descriptors with imports, in dependency order (as buf emits them)
 * @param filesToGenerate proto file names to generate code for
 * @param parameter protoc-gen-es options, e.g. `target=ts,import_extension=js`
 */
export function runProtocGenEs(
  set: FileDescriptorSet,
  filesToGenerate: readonly string[],
  parameter = "target=ts,import_extension=js",
): GeneratedFile[] {
  const request = create(CodeGeneratorRequestSchema, {
    fileToGenerate: [...filesToGenerate],
    parameter,
    protoFile: set.file,
    sourceFileDescriptors: set.file.filter((f) => filesToGenerate.includes(f.name ?? "")),
  });
  const response = protocGenEs.run(request);
  if (response.error) throw new EvtError(`protoc-gen-es failed: ${response.error}`);
  return response.file.map((f) => ({ name: f.name ?? "", content: f.content ?? "" }));
}

/** The files of a set evt generates message types for: all but google/protobuf's (the vocabulary included), sorted. */
export function messageTypeFiles(set: FileDescriptorSet): string[] {
  return set.file.map((f) => f.name ?? "").filter((n) => n && !n.startsWith("google/protobuf/")).sort();
}

/**
 * The only source locations protoplugin reads (source-code-info.js: comments of elements, whose
 * paths have even length, of `package` [2] and of `syntax` [12]); it takes the first location
 * whose path equals the element's, so dropping the others changes no output.
 */
export function protopluginReads(path: readonly number[]): boolean {
  return path.length % 2 === 0 || (path.length === 1 && (path[0] === 2 || path[0] === 12));
}

/**
 * protoc-gen-es on buf's serialised FileDescriptorSet (`evt generate`'s message types), as on the
 * decoded set in canonical order (compiler/emit/descriptor-order.ts), decoded here with only the
 * locations protoplugin reads: the same files for ~half the decode and plugin time.
 */
export function runProtocGenEsOnBytes(bytes: Uint8Array, parameter: string): GeneratedFile[] {
  const set = canonicalFileOrder(fromBinary(FileDescriptorSetSchema, keepSourceLocations(bytes, protopluginReads)));
  return runProtocGenEs(set, messageTypeFiles(set), parameter);
}
