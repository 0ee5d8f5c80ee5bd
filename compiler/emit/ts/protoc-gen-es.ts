/**
 * Runs @bufbuild/protoc-gen-es in-process on descriptors we already have (no second compile,
 * no plugin process): builds a CodeGeneratorRequest and returns the generated files.
 */
import { createRequire } from "node:module";
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
const { protocGenEs } = require("@bufbuild/protoc-gen-es/dist/cjs/src/protoc-gen-es-plugin.js") as { protocGenEs: Plugin };

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
