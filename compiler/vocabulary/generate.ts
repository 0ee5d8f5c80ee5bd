/** Produces the protobuf-es module for the annotation vocabulary (see scripts/gen-vocabulary.ts). */
import path from "node:path";
import { buildDescriptorSet } from "../load/buf-build.js";
import { runProtocGenEs, type GeneratedFile } from "../emit/ts/protoc-gen-es.js";

import { VOCABULARY_PROTO } from "./paths.js";

export { VOCABULARY_PROTO };

export async function vocabularyFiles(repoRoot: string): Promise<GeneratedFile[]> {
  const { set } = await buildDescriptorSet(path.join(repoRoot, "proto/evt"));
  // Built from proto/evt so the file is named v1/options.proto there; rename to its import path.
  for (const f of set.file) if (f.name === "v1/options.proto") f.name = VOCABULARY_PROTO;
  return runProtocGenEs(set, [VOCABULARY_PROTO]);
}
