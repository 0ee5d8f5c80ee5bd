/**
 * Regenerates compiler/vocabulary/ (the protobuf-es types of proto/evt/v1/options.proto) that the
 * compiler uses to read `(evt.v1.event)` and `(evt.v1.field)`. A unit test fails when stale.
 * Usage: npx tsx scripts/gen-vocabulary.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { vocabularyFiles } from "../compiler/vocabulary/generate.js";

const root = fileURLToPath(new URL("..", import.meta.url));
for (const f of await vocabularyFiles(root)) {
  const out = path.join(root, "compiler/vocabulary", f.name);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, f.content);
  console.log(`wrote ${path.relative(root, out)}`);
}
