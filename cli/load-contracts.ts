/** The generated contract catalog, loaded for commands that decode or encode events (`run`, `dlq`). */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { EvtError } from "../compiler/errors.js";
import type { EventContract } from "@evt/runtime/contract.js";

/** Imports a module (a .ts one through tsx's loader when it is installed: development checkouts). */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  if (file.endsWith(".ts")) {
    try {
      const api = (await import("tsx/esm/api" as string)) as { register: () => void };
      api.register();
    } catch {
      throw new EvtError(`${file} is TypeScript and tsx is not installed: compile the generated code and pass --contracts <index.js>`);
    }
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/**
 * The `catalog` exported by `flag` (resolved against `cwd`), else by <out>/ts/index.js or
 * <out>/ts/index.ts; empty when none exists and no flag was given.
 */
export async function loadContracts(out: string, flag: string | undefined, cwd = process.cwd()): Promise<readonly EventContract[]> {
  const file = flag ? path.resolve(cwd, flag) : [path.join(out, "ts", "index.js"), path.join(out, "ts", "index.ts")].find((f) => existsSync(f));
  if (!file) return [];
  const mod = await importModule(file);
  if (!Array.isArray(mod.catalog)) throw new EvtError(`${file} does not export a \`catalog\` array of contracts`);
  return mod.catalog as EventContract[];
}
