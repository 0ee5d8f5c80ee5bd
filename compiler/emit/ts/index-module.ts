/** `ts/index.ts`: re-exports every contract module and lists every contract in `catalog`. */
import type { EventModel } from "../../model/catalog.js";
import { generatedHeader } from "../header.js";
import type { ContractNames } from "./contracts.js";

export const INDEX_MODULE_PATH = "ts/index.ts";

export function emitIndexModule(
  modules: readonly { readonly file: string; readonly events: readonly EventModel[] }[],
  names: ReadonlyMap<string, ContractNames>,
): string {
  const spec = (file: string): string => `./${file.replace(/\.proto$/, "_evt.js")}`;
  // Imports first, then the re-exports and `catalog` (imports are hoisted anyway; this reads as it runs).
  const lines = [generatedHeader("//", "every contract of the catalog"), "/* eslint-disable */", ""];
  for (const m of modules) {
    const contracts = m.events.map((e) => names.get(e.fullName)!.contract);
    lines.push(`import { ${contracts.join(", ")} } from ${JSON.stringify(spec(m.file))};`);
  }
  lines.push("", ...modules.map((m) => `export * from ${JSON.stringify(spec(m.file))};`));
  const all = modules
    .flatMap((m) => m.events)
    .sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0))
    .map((e) => names.get(e.fullName)!.contract);
  lines.push(
    "",
    "/** Every event contract of the catalog, sorted by message full name. */",
    `export const catalog = [${all.length ? `\n${all.map((c) => `  ${c},`).join("\n")}\n` : ""}] as const;`,
    "",
  );
  return lines.join("\n");
}
