/**
 * evt.yaml parsed once per content. A plain no-change `evt generate` (cli/no-change-generate.ts)
 * reads the last parse from `.cache/evt/config.json` instead of loading the yaml parser, which is
 * 72 modules and about a third of that run's time (issue 16.3; decisions D106).
 *
 * The cached parse is used only when everything parseConfig depends on is the same: the file's
 * bytes, its path as shown in messages, its directory (relative paths resolve against it), and
 * the parser itself (size and mtime of load-config's module, so a new evt never reads an old
 * evt's parse). Anything else, a missing or unreadable cache included, parses the file again with
 * loadConfig, and errors are loadConfig's own. The cache is an optimisation: failing to write it
 * is not an error.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../write-atomically.js";
import { fileURLToPath } from "node:url";
import { CONFIG_FILE_NAME, type EvtConfig } from "./schema.js";

const FORMAT = 1;
/** load-config's module beside this one (.js in dist/, .ts under tsx and vitest). */
const PARSER = ((here: string) => path.join(path.dirname(here), `load-config${path.extname(here)}`))(fileURLToPath(import.meta.url));

interface CacheEntry {
  readonly format: number;
  readonly key: string;
  readonly config: EvtConfig;
}

/** Where the parse of `<dir>/evt.yaml` is kept (beside generate's own cache). */
export function configCacheFile(baseDir: string): string {
  return path.join(baseDir, ".cache", "evt", "config.json");
}

/** `evt.yaml` in `cwd`, as loadConfig({ cwd }) reads it, from the cache when it holds this very parse. */
export async function loadConfigCached(cwd: string): Promise<EvtConfig> {
  const dir = path.resolve(cwd);
  const file = path.join(dir, CONFIG_FILE_NAME);
  let key: string | undefined;
  if (existsSync(file)) {
    try {
      key = cacheKey(readFileSync(file), CONFIG_FILE_NAME, dir);
      const cached = JSON.parse(readFileSync(configCacheFile(dir), "utf8")) as CacheEntry;
      if (cached.format === FORMAT && cached.key === key) return cached.config;
    } catch {
      // no cache yet, or an unreadable one: parse
    }
  }
  const { loadConfig } = await import("./load-config.js");
  const config = loadConfig({ cwd: dir });
  if (key !== undefined && config.file === CONFIG_FILE_NAME) writeEntry(configCacheFile(dir), { format: FORMAT, key, config });
  return config;
}

function cacheKey(text: Buffer, shown: string, baseDir: string): string {
  const parser = statSync(PARSER);
  return createHash("sha256").update(text).update(`\0${shown}\0${baseDir}\0${parser.size}:${parser.mtimeMs}`).digest("hex");
}

function writeEntry(file: string, entry: CacheEntry): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomically(file, JSON.stringify(entry));
  } catch {
    // an unwritable cache directory only costs the next run the parse
  }
}
