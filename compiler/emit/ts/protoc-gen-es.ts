/**
 * Runs @bufbuild/protoc-gen-es in-process on descriptors we already have (no second compile,
 * no plugin process): builds a CodeGeneratorRequest and returns the generated files.
 */
import { createRequire, Module } from "node:module";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  CodeGeneratorRequestSchema,
  type CodeGeneratorResponse,
  type FileDescriptorSet,
} from "@bufbuild/protobuf/wkt";
import { EvtError } from "../../errors.js";

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
