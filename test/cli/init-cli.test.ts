/** Issue 9 item 11: `evt init`, the missing-vocabulary message, and the vocabulary drift warning. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { runEvt } from "../helpers/run-cli.js";

const tmp = (): string => mkdtempSync(path.join(tmpdir(), "evt-init-"));

describe("evt init", () => {
  it("starts a contract repository whose example contract lints clean and generates", () => {
    const cwd = tmp();
    const r = runEvt(["init"], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split("\n").slice(0, 5)).toEqual([
      "created  evt.yaml",
      "created  proto/buf.yaml",
      "created  proto/evt/v1/options.proto",
      "created  proto/example/v1/example.proto",
      "created  .gitignore",
    ]);
    // The vocabulary is the installed package's file, byte for byte.
    expect(readFileSync(path.join(cwd, "proto/evt/v1/options.proto"), "utf8")).toBe(readFileSync(path.join(REPO_ROOT, "proto/evt/v1/options.proto"), "utf8"));
    expect(readFileSync(path.join(cwd, ".gitignore"), "utf8")).toContain(".cache/evt/\n");
    const lint = runEvt(["lint"], { cwd });
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).toBe("no findings\n");
    const gen = runEvt(["generate", "--quiet"], { cwd });
    expect(gen.code, gen.stderr).toBe(0);
    expect(readFileSync(path.join(cwd, "generated/snowflake/tables/EXAMPLE.NEWSLETTER_SUBSCRIBED.sql"), "utf8")).toContain("CREATE TABLE IF NOT EXISTS");
  });

  it("keeps what exists: evt.yaml untouched, .gitignore only gains lines, no example next to real contracts", () => {
    const cwd = tmp();
    writeFileSync(path.join(cwd, "evt.yaml"), "proto: contracts\n");
    writeFileSync(path.join(cwd, ".gitignore"), "node_modules/");
    mkdirSync(path.join(cwd, "contracts", "shop", "v1"), { recursive: true });
    writeFileSync(path.join(cwd, "contracts", "shop", "v1", "shop.proto"), 'syntax = "proto3";\npackage shop.v1;\n');
    const r = runEvt(["init"], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("kept     evt.yaml (it already exists)");
    expect(r.stdout).toContain("created  contracts/evt/v1/options.proto");
    expect(r.stdout).not.toContain("example");
    expect(readFileSync(path.join(cwd, "evt.yaml"), "utf8")).toBe("proto: contracts\n");
    expect(readFileSync(path.join(cwd, ".gitignore"), "utf8")).toMatch(/^node_modules\/\n# evt's local state.*\n\.cache\/evt\/\n/);
    const again = runEvt(["init"], { cwd });
    expect(again.stdout).toContain("kept     .gitignore (it already ignores evt's local state)");
    expect(readFileSync(path.join(cwd, ".gitignore"), "utf8").match(/\.cache\/evt\//g)).toHaveLength(1);
  });
});

describe("a contract repository without the vocabulary", () => {
  it("gets one message naming the importing file and suggesting evt init, not a cascade", () => {
    const cwd = tmp();
    mkdirSync(path.join(cwd, "proto", "shop", "v1"), { recursive: true });
    writeFileSync(
      path.join(cwd, "proto", "shop", "v1", "shop.proto"),
      'syntax = "proto3";\npackage shop.v1;\nimport "evt/v1/options.proto";\nmessage Bought {\n  option (evt.v1.event) = { topic: "shop.bought.v1" owner: "t" };\n  string id = 1 [(evt.v1.field) = { required: true }];\n  string sku = 2 [(evt.v1.field) = { pii: NONE }];\n}\n',
    );
    for (const cmd of ["lint", "generate"]) {
      const r = runEvt([cmd], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        'error: proto/shop/v1/shop.proto imports "evt/v1/options.proto", which is not under proto/. "evt/v1/options.proto" is evt\'s vocabulary: run evt init to copy it into proto/evt/v1/options.proto.\n' +
          '  proto/shop/v1/shop.proto:3:1: import "evt/v1/options.proto" not found\n',
      );
    }
    expect(runEvt(["init"], { cwd }).code).toBe(0);
    expect(runEvt(["lint"], { cwd }).code).toBe(0);
  });

  it("warns when the repository's vocabulary differs from the installed evt's; init --force replaces it", () => {
    const cwd = tmp();
    expect(runEvt(["init"], { cwd }).code).toBe(0);
    const copy = path.join(cwd, "proto/evt/v1/options.proto");
    writeFileSync(copy, readFileSync(copy, "utf8").replace("// A warehouse table", "// An old warehouse table"));
    const lint = runEvt(["lint"], { cwd });
    expect(lint.code).toBe(0); // a warning
    expect(lint.stdout).toMatch(/^proto\/evt\/v1\/options\.proto:1:1: EVT_VOCABULARY_DIFFERS proto\/evt\/v1\/options\.proto differs from the vocabulary of the installed evt [\d.]+, .*run evt init --force .*\[warning\]$/m);
    const kept = runEvt(["init"], { cwd });
    expect(kept.stdout).toMatch(/kept +proto\/evt\/v1\/options\.proto \(it differs from evt [\d.]+'s vocabulary; rerun evt init --force/);
    expect(runEvt(["init", "--force"], { cwd }).stdout).toMatch(/replaced proto\/evt\/v1\/options\.proto/);
    expect(runEvt(["lint"], { cwd }).stdout).toBe("no findings\n");
  });
});
