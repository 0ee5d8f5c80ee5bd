/**
 * oclif's command manifest (`oclif.manifest.json` at the package root): every command's id,
 * summary, description, flags and args as data, so `evt --help` lists commands and `evt generate`
 * finds its command without importing every command module (issue 16 item 3; decisions D87).
 *
 * Written by `npm run build` (and `prepare`, so `npm ci` and `npm pack` have it), built exactly as
 * `oclif manifest` builds it: @oclif/core's Plugin with the manifest ignored, each command loaded.
 * It is never trusted stale: the manifest records the build it describes (size and mtime of tsc's
 * dist/.tsbuildinfo, rewritten by every build that emits), and when that differs `evt` loads the
 * commands themselves, as without a manifest, and rewrites the manifest for the next run. An
 * installed package ships no build info; its manifest was written by the same `prepare`.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Plugin, type Interfaces } from "@oclif/core";

export const MANIFEST_FILE = "oclif.manifest.json";
export const BUILD_INFO = path.join("dist", ".tsbuildinfo");

/** oclif's manifest plus the build it was written from. */
export type EvtManifest = Interfaces.Manifest & { readonly evtBuild: string | null };

/** The build the files under dist/ come from; null where there is no build info (an installed package). */
export function buildStamp(root: string): string | null {
  try {
    const s = statSync(path.join(root, BUILD_INFO));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

export type ManifestState = "current" | "stale" | "absent";

export function manifestState(root: string): ManifestState {
  let recorded: unknown;
  try {
    recorded = (JSON.parse(readFileSync(path.join(root, MANIFEST_FILE), "utf8")) as { evtBuild?: unknown }).evtBuild;
  } catch {
    return "absent";
  }
  const stamp = buildStamp(root);
  return stamp === null || recorded === stamp ? "current" : "stale";
}

/** The root plugin with every command loaded from its module (what `oclif manifest` does). */
async function loadRootPlugin(root: string): Promise<Plugin> {
  const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
  await plugin.load();
  return plugin;
}

/** The manifest of the commands as built now, from the command modules themselves. */
export async function commandManifest(root: string): Promise<EvtManifest> {
  const stamp = buildStamp(root);
  return { ...(await loadRootPlugin(root)).manifest, evtBuild: stamp };
}

/** Writes the manifest next to package.json; atomic, so a concurrent `evt` never reads half a file. */
export function writeManifest(root: string, manifest: EvtManifest): string {
  const file = path.join(root, MANIFEST_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + "\n");
  renameSync(tmp, file);
  return file;
}

/**
 * What bin/run.js hands oclif: the package root when the manifest describes this build (oclif
 * reads it); otherwise the root plugin loaded from the command modules, and, in a source checkout,
 * the manifest rewritten from it so the next run is fast again.
 */
export async function cliLoadOptions(packageRoot: string): Promise<Interfaces.LoadOptions> {
  const root = path.resolve(packageRoot);
  const state = manifestState(root);
  if (state === "current") return root;
  const stamp = buildStamp(root);
  if (stamp === null) return root; // no build info, no manifest: oclif loads the commands itself
  const plugin = await loadRootPlugin(root);
  try {
    writeManifest(root, { ...plugin.manifest, evtBuild: stamp });
  } catch {
    // A read-only checkout runs correctly without it, only slower.
  }
  return { root, plugins: new Map([[plugin.name, plugin]]) };
}
