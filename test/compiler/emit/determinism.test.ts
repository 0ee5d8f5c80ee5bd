/** Output is byte-identical across runs, proto locations and descriptor order; no time or machine in it. */
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { canonicalFileOrder } from "../../../compiler/emit/descriptor-order.js";
import { buildDescriptorSet } from "../../../compiler/load/buf-build.js";
import { catalogFromDescriptorSet, loadCatalog } from "../../../compiler/model/build-catalog.js";
import { REPO_ROOT } from "../../helpers/compile-proto.js";
import { generateAll } from "./helpers.js";

function copyProto(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "evt-det-"));
  cpSync(path.join(REPO_ROOT, "proto"), dir, { recursive: true });
  return dir;
}

/** Deterministic Fisher-Yates with a tiny LCG, so a failure reproduces. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("determinism", () => {
  it("generates byte-identical files from two copies of the tree in different directories", async () => {
    const a = copyProto();
    const b = copyProto();
    const [fa, fb] = [await generateAll(await loadCatalog(a, "")), await generateAll(await loadCatalog(b, ""))];
    expect(fb).toEqual(fa);
    for (const f of fa) {
      expect(f.content).not.toContain(a);
      expect(f.content).not.toContain(tmpdir());
      expect(f.content).not.toContain("\r");
      expect(f.content.endsWith("\n")).toBe(true);
    }
    // No wall-clock time in any file (ISO dates or the current year with a time).
    expect(fa.map((f) => f.content).join("")).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });

  it("does not depend on the order of files in the descriptor set (canonical order first)", async () => {
    const { set } = await buildDescriptorSet(path.join(REPO_ROOT, "proto"));
    const reference = await generateAll(catalogFromDescriptorSet(canonicalFileOrder(set), ""));
    for (const seed of [1, 7, 42]) {
      const reordered = create(FileDescriptorSetSchema, { file: shuffled(set.file, seed) });
      expect(reordered.file.map((f) => f.name)).not.toEqual(set.file.map((f) => f.name));
      expect(await generateAll(catalogFromDescriptorSet(canonicalFileOrder(reordered), ""))).toEqual(reference);
    }
  });
});
