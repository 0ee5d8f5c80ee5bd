import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { vocabularyFiles } from "../../../compiler/vocabulary/generate.js";

it("compiler/vocabulary is regenerated from proto/evt/v1/options.proto (run scripts/gen-vocabulary.ts)", async () => {
  const root = process.cwd();
  for (const f of await vocabularyFiles(root)) {
    expect(readFileSync(path.join(root, "compiler/vocabulary", f.name), "utf8")).toBe(f.content);
  }
});
