/**
 * Compiles a proto tree with the real buf CLI (shipped in the @bufbuild/buf npm package) into a
 * FileDescriptorSet with source info. We never parse .proto text ourselves.
 */
import { existsSync, readFileSync } from "node:fs";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, type FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { EvtError } from "../errors.js";
import { buildDescriptorSetBytes } from "./buf-process.js";
import { decodeDescriptorSet, type DecodedDescriptorSet, type DescriptorReuse } from "./descriptor-set.js";

export { bufBinary, buildDescriptorSetBytes, parseBufDiagnostics, runBuf, type BufResult } from "./buf-process.js";

/**
 * Builds the proto tree rooted at `root` into a FileDescriptorSet (imports included, source
 * info kept). Throws ProtoCompileError with buf's positioned diagnostics when it does not compile.
 */
export async function buildDescriptorSet(root: string): Promise<{ set: FileDescriptorSet; bytes: Uint8Array }> {
  const bytes = await buildDescriptorSetBytes(root);
  return { set: fromBinary(FileDescriptorSetSchema, bytes), bytes };
}

/** Reads a buf image / FileDescriptorSet file (binary `.binpb`/`.bin`). */
export function readDescriptorSetFile(file: string): FileDescriptorSet {
  return decodeImage(file, (bytes) => fromBinary(FileDescriptorSetSchema, bytes));
}

/** `readDescriptorSetFile` decoded for the catalog (source info read raw, see descriptor-set.ts). */
export function readDescriptorSetFileForCatalog(file: string, reuse?: DescriptorReuse): DecodedDescriptorSet {
  return decodeImage(file, (bytes) => decodeDescriptorSet(bytes, reuse));
}

function decodeImage<T>(file: string, decode: (bytes: Uint8Array) => T): T {
  if (!existsSync(file)) throw new EvtError(`image file ${file} does not exist`);
  const bytes = readFileSync(file);
  try {
    return decode(bytes);
  } catch (e) {
    throw new EvtError(`${file} is not a binary FileDescriptorSet or buf image: ${(e as Error).message}`, [], { cause: e });
  }
}
