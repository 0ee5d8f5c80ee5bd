/**
 * The annotation vocabulary this evt ships (`proto/evt/v1/options.proto` in the package, see
 * package.json `files`), and whether a contract repository's copy still matches it. The compiler
 * reads options through bindings of the shipped file (docs/decisions.md D16), so a copy that
 * differs can mean options evt does not understand.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { VOCABULARY_PROTO } from "./paths.js";

export { VOCABULARY_PROTO } from "./paths.js";

export interface InstalledVocabulary {
  /** Absolute path of the shipped options.proto. */
  readonly file: string;
  readonly text: string;
  /** The evt package version that ships it. */
  readonly version: string;
}

let cached: InstalledVocabulary | undefined;

/** Walks up from this module to evt's package root (sources under tsx, dist/ when built, node_modules/evt when installed). */
export function installedVocabulary(): InstalledVocabulary {
  if (cached) return cached;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, "utf8")) as { name?: string; version?: string };
      const file = path.join(dir, "proto", VOCABULARY_PROTO);
      if (json.name === "evt" && existsSync(file)) {
        cached = { file, text: readFileSync(file, "utf8"), version: json.version ?? "?" };
        return cached;
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`evt's vocabulary ${VOCABULARY_PROTO} is not in the installed package`);
  }
}

const normalized = (s: string): string => s.replace(/\r\n/g, "\n").trimEnd();

/**
 * `missing` when the proto root has no copy, `differs` when its copy is not the installed one
 * (line endings and trailing blank lines aside), `same` otherwise.
 */
export function vocabularyStatus(protoRoot: string): "missing" | "differs" | "same" {
  const copy = path.join(protoRoot, VOCABULARY_PROTO);
  if (!existsSync(copy)) return "missing";
  return normalized(readFileSync(copy, "utf8")) === normalized(installedVocabulary().text) ? "same" : "differs";
}
