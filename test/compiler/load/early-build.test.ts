/**
 * `startDescriptorSetBuild` (bin/run.js starts check-compat's buf build before oclif loads): the
 * command's `buildDescriptorSetBytes` of the same root takes the running build instead of
 * starting a second buf, and a build nobody took is stopped when the process exits; a plain
 * `evt generate` with work to do starts its build the same way, before oclif loads. Children are
 * read from /proc (Linux, as CI).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { buildDescriptorSetBytes, startDescriptorSetBuild } from "../../../compiler/load/buf-process.js";
import { writeProtoTree } from "../../helpers/compile-proto.js";

const ORDERS = `syntax = "proto3";\npackage shop.v1;\nmessage Order { string id = 1; }\n`;

/** Processes running buf (the native binary or its launcher), with their cwd and parent pid. */
function bufProcesses(): { pid: number; ppid: number; cwd: string }[] {
  const out: { pid: number; ppid: number; cwd: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (!cmdline.some((a) => path.basename(a) === "buf") || !cmdline.includes("build")) continue;
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      out.push({ pid: Number(entry), ppid, cwd: readlinkSync(`/proc/${entry}/cwd`) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

describe.runIf(process.platform === "linux")("early descriptor-set builds", () => {
  it("buildDescriptorSetBytes takes the build started for its root instead of running buf again", async () => {
    const root = writeProtoTree({ "shop/v1/orders.proto": ORDERS });
    startDescriptorSetBuild(root);
    const started = bufProcesses().filter((p) => p.cwd === root);
    expect(started).toHaveLength(1);
    const bytes = buildDescriptorSetBytes(root);
    // no second buf for the same root
    expect(bufProcesses().filter((p) => p.cwd === root && p.pid !== started[0]!.pid)).toEqual([]);
    const set = fromBinary(FileDescriptorSetSchema, await bytes);
    expect(set.file.map((f) => f.name)).toContain("shop/v1/orders.proto");
    // taken once: the next build of the root runs buf afresh and sees the tree as it is now
    writeFileSync(path.join(root, "shop/v1/orders.proto"), ORDERS.replace("string id = 1;", "string id = 1; int64 total = 2;"));
    const again = fromBinary(FileDescriptorSetSchema, await buildDescriptorSetBytes(root));
    expect(again.file.find((f) => f.name === "shop/v1/orders.proto")!.messageType[0]!.field.map((f) => f.name)).toEqual(["id", "total"]);
  });

  it("a plain evt generate with work to do starts buf on its proto root before oclif loads", () => {
    const root = writeProtoTree({ "shop/v1/orders.proto": ORDERS });
    const project = mkdtempSync(path.join(tmpdir(), "evt-early-generate-"));
    writeFileSync(path.join(project, "evt.yaml"), `proto: ${JSON.stringify(root)}\nout: generated\n`);
    const module = path.resolve("cli/no-change-generate.ts");
    // no cache yet, so the inputs changed: not answered here, and buf is already compiling
    const script = `import { readdirSync, readFileSync, readlinkSync } from "node:fs";
      const { answerNoChangeGenerate } = await import(${JSON.stringify(module)});
      const answered = await answerNoChangeGenerate(["generate", "--quiet"]);
      const kids = readdirSync("/proc").filter((e) => /^\\d+$/.test(e)).flatMap((e) => {
        try {
          if (readFileSync("/proc/" + e + "/stat", "utf8").split(") ")[1].split(" ")[1] !== String(process.pid)) return [];
          return [{ cmd: readFileSync("/proc/" + e + "/cmdline", "utf8").split("\\0"), cwd: readlinkSync("/proc/" + e + "/cwd") }];
        } catch { return []; }
      });
      console.log(JSON.stringify({ answered, kids }));
      process.exit(0);`;
    // tsx by path: the project directory has no node_modules
    const tsx = pathToFileURL(path.resolve("node_modules/tsx/dist/loader.mjs")).href;
    const run = spawnSync(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], { cwd: project, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const { answered, kids } = JSON.parse(run.stdout.trim().split("\n").pop()!) as { answered: boolean; kids: { cmd: string[]; cwd: string }[] };
    expect(answered).toBe(false);
    expect(kids.filter((k) => k.cmd.some((a) => path.basename(a) === "buf") && k.cmd.includes("build")).map((k) => k.cwd)).toEqual([root]);
  });

  it("stops a build nobody took when the process exits", async () => {
    // big enough that buf is still compiling well after the process has exited
    const files: Record<string, string> = {};
    for (let i = 0; i < 150; i++) {
      files[`big/v1/f${i}.proto`] = `syntax = "proto3";\npackage big.v1;\n` +
        Array.from({ length: 20 }, (_, j) => `message M${i}x${j} { ${Array.from({ length: 20 }, (_, k) => `string f${k} = ${k + 1};`).join(" ")} }`).join("\n") + "\n";
    }
    const root = writeProtoTree(files);
    const module = path.resolve("compiler/load/buf-process.ts");
    // start a build, report buf's pid, exit at once (as `evt check-compat --bad-flag` would)
    const script = `import { readdirSync, readFileSync } from "node:fs";
      const { startDescriptorSetBuild } = await import(${JSON.stringify(module)});
      startDescriptorSetBuild(${JSON.stringify(root)});
      const kids = readdirSync("/proc").filter((e) => /^\\d+$/.test(e)).filter((e) => { try { return readFileSync("/proc/" + e + "/stat", "utf8").split(") ")[1].split(" ")[1] === String(process.pid); } catch { return false; } });
      console.log(JSON.stringify(kids));
      process.exit(0);`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const kids = JSON.parse(run.stdout.trim().split("\n").pop()!) as string[];
    expect(kids.length).toBeGreaterThan(0); // buf was running when the process exited
    const alive = (): string[] =>
      kids.filter((pid) => {
        try {
          return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.startsWith("Z");
        } catch {
          return false; // gone
        }
      });
    // SIGTERM was sent at exit; give buf a moment to go (a build of this tree takes over a
    // second, so it would still be running, orphaned, had it not been stopped)
    for (let i = 0; i < 4 && alive().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toEqual([]);
  });
});
