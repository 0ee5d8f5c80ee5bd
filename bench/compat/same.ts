/**
 * Checks that check-compat's fast path (raw source-info reader, DescriptorReuse, model re-use,
 * baseline first then the after tree, as the command does) gives the same catalogs, token
 * positions included, and the same findings as the plain path (protobuf-es decodes everything,
 * nothing shared) on the bench's trees. Run bench/compat/bench.ts first.
 * Usage: npx tsx bench/compat/same.ts
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { buildDescriptorSetBytes } from "../../compiler/load/buf-build.js";
import { decodeDescriptorSet, DescriptorReuse } from "../../compiler/load/descriptor-set.js";
import { catalogFromDecoded, catalogFromDescriptorSet } from "../../compiler/model/build-catalog.js";
import type { Catalog } from "../../compiler/model/catalog.js";
import { checkCompat } from "../../compiler/rules/compat/check.js";

const OUT = fileURLToPath(new URL("../out/compat", import.meta.url));
const image = readFileSync(path.join(OUT, "base.binpb"));
const afterBytes = await buildDescriptorSetBytes(path.join(OUT, "after"));

/** The catalog as plain data with every model's non-enumerable `tokens` made visible. */
function plain(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(plain);
  if (x === null || typeof x !== "object") return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) out[k] = plain(v);
  const tokens = (x as { tokens?: unknown }).tokens;
  if (tokens !== undefined) out["(tokens)"] = plain(tokens);
  return out;
}

let failed = false;
function same(label: string, a: unknown, b: unknown): void {
  const ok = isDeepStrictEqual(plain(a), plain(b));
  if (!ok) failed = true;
  console.log(`${ok ? "same" : "DIFFERENT"}: ${label}`);
}

for (const mode of ["FULL", undefined] as const) {
  const reuse = new DescriptorReuse();
  const fastBefore: Catalog = catalogFromDecoded(decodeDescriptorSet(image, reuse), "after").catalog;
  const fastAfter: Catalog = catalogFromDecoded(decodeDescriptorSet(afterBytes, reuse), "after").catalog;
  const slowBefore = catalogFromDescriptorSet(fromBinary(FileDescriptorSetSchema, image), "after").catalog;
  const slowAfter = catalogFromDescriptorSet(fromBinary(FileDescriptorSetSchema, afterBytes), "after").catalog;
  const options = mode ? { mode } : {};
  if (mode) {
    same("baseline catalog", fastBefore, slowBefore);
    same("after catalog", fastAfter, slowAfter);
  }
  const fast = checkCompat({ before: fastBefore, after: fastAfter }, options);
  same(`findings, mode ${mode ?? "default"} (${fast.length})`, fast, checkCompat({ before: slowBefore, after: slowAfter }, options));
}
process.exit(failed ? 1 : 0);
