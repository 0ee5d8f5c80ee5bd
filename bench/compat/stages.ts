/**
 * In-process breakdown of `evt check-compat --against IMAGE` on the bench's trees (run
 * bench/compat/bench.ts first): baseline image decode + model, `buf build` of the after tree,
 * its decode + model, the rules. Serial here (the command overlaps the baseline with buf build);
 * each round starts a fresh DescriptorReuse, but the JIT is warm after the first.
 * Usage: npx tsx bench/compat/stages.ts [--runs 5] [--protobuf-es]
 * (--protobuf-es: decode the source info with protobuf-es too, as before the raw reader)
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildDescriptorSetBytes } from "../../compiler/load/buf-build.js";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { decodeDescriptorSet, DescriptorReuse } from "../../compiler/load/descriptor-set.js";
import { catalogFromDecoded, catalogFromDescriptorSet, type LoadedContracts } from "../../compiler/model/build-catalog.js";
import { checkCompat } from "../../compiler/rules/compat/check.js";

const OUT = fileURLToPath(new URL("../out/compat", import.meta.url));
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 5);
// Like the command: the after tree re-uses what the baseline decoded and modelled (unless --protobuf-es).
const catalogOf = (bytes: Uint8Array, reuse: DescriptorReuse): LoadedContracts =>
  process.argv.includes("--protobuf-es")
    ? catalogFromDescriptorSet(fromBinary(FileDescriptorSetSchema, bytes), "after")
    : catalogFromDecoded(decodeDescriptorSet(bytes, reuse), "after");
const samples: Record<string, number[]> = {};
for (let i = 0; i < runs; i++) {
  let last = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    (samples[name] ??= []).push(now - last);
    last = now;
  };
  const reuse = new DescriptorReuse();
  const image = readFileSync(path.join(OUT, "base.binpb"));
  const before = catalogOf(image, reuse).catalog;
  lap("baseline image → catalog");
  const bytes = await buildDescriptorSetBytes(path.join(OUT, "after"));
  lap("buf build (after)");
  const after = catalogOf(bytes, reuse).catalog;
  lap("after bytes → catalog");
  const findings = checkCompat({ before, after }, { mode: "FULL" });
  lap(`rules (${findings.length} findings)`);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [k, v] of Object.entries(samples)) console.log(`${k.padEnd(32)} ${Math.round(median(v))} ms  [${v.map(Math.round).join(", ")}]`);
