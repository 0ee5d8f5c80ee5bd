/**
 * The CLI surface (command ids, flags, args) is committed in command-snapshot.json so interface
 * changes show in review. After an intended change:
 *   UPDATE_COMMAND_SNAPSHOT=1 npx vitest run --project cli test/cli/command-snapshot.test.ts
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Config } from "@oclif/core";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/compile-proto.js";

const SNAPSHOT = path.join(REPO_ROOT, "test", "cli", "command-snapshot.json");

interface CommandSurface {
  readonly command: string;
  readonly flags: readonly string[];
  readonly args: readonly string[];
}

/** Command ids from the sources (`cli/commands/ddl/plan.ts` → `ddl:plan`): dist/ may keep deleted ones. */
function sourceCommandIds(dir = path.join(REPO_ROOT, "cli", "commands"), prefix = ""): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sourceCommandIds(p, `${prefix}${name}:`);
    return name.endsWith(".ts") ? [`${prefix}${name.slice(0, -3)}`] : [];
  });
}

async function surface(): Promise<CommandSurface[]> {
  const config = await Config.load(REPO_ROOT);
  const fromSources = new Set(sourceCommandIds());
  return config.commands
    .filter((c) => fromSources.has(c.id))
    .map((c) => ({
      command: c.id,
      flags: Object.entries(c.flags)
        .map(([name, f]) => `${name}${f.type === "option" ? "=" : ""}${"options" in f && f.options ? `{${[...f.options].join("|")}}` : ""}`)
        .sort(),
      args: Object.keys(c.args ?? {}),
    }))
    .sort((a, b) => (a.command < b.command ? -1 : a.command > b.command ? 1 : 0));
}

describe("command surface", () => {
  it("matches test/cli/command-snapshot.json", async () => {
    const current = await surface();
    if (process.env.UPDATE_COMMAND_SNAPSHOT === "1") writeFileSync(SNAPSHOT, JSON.stringify(current, null, 2) + "\n");
    const committed = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as CommandSurface[];
    expect(current).toEqual(committed);
    expect(current.map((c) => c.command)).toContain("lint");
    // Every command in the sources is built and loaded (none silently missing from dist/).
    expect(current.map((c) => c.command).sort()).toEqual(sourceCommandIds().sort());
  });
});
