/**
 * The CLI surface (command ids, flags, args) is committed in command-snapshot.json so interface
 * changes show in review. After an intended change:
 *   UPDATE_COMMAND_SNAPSHOT=1 npx vitest run --project unit test/cli/command-snapshot.test.ts
 */
import { readFileSync, writeFileSync } from "node:fs";
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

async function surface(): Promise<CommandSurface[]> {
  const config = await Config.load(REPO_ROOT);
  return config.commands
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
  });
});
