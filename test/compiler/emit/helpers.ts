/** Shared by the emit tests: generate from a compiled tree with default options. */
import { generate, type OutputFile } from "../../../compiler/emit/generate.js";
import type { LoadedContracts } from "../../../compiler/model/build-catalog.js";

export const DEFAULT_OPTIONS = {
  runtimeImport: "@evt/runtime",
  schemaPrefix: "",
  batch: { rows: 10_000, bytes: 16 * 1024 * 1024, ms: 5_000 },
} as const;

export async function generateAll(loaded: LoadedContracts, options: Partial<Parameters<typeof generate>[1]> = {}): Promise<OutputFile[]> {
  return generate(loaded, { ...DEFAULT_OPTIONS, ...options });
}

export function fileOf(files: readonly OutputFile[], p: string): string {
  const f = files.find((x) => x.path === p);
  if (!f) throw new Error(`no generated file ${p}; have ${files.map((x) => x.path).join(", ")}`);
  return f.content;
}

/** The line of `column` in a CREATE TABLE. */
export function columnLine(ddl: string, column: string): string {
  const line = ddl.split("\n").find((l) => l.trimStart().startsWith(`"${column}" `));
  if (!line) throw new Error(`column ${column} not in DDL:\n${ddl}`);
  return line.trim();
}
