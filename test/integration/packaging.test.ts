/**
 * The packages as users receive them: `npm pack` of `evt` and `@evt/runtime`, then the path a new
 * team takes. A service that installs the runtime tarball alone stays within the install budget
 * (≤ 15 MB of node_modules, printed) and gets a clear error naming the warehouse driver it did not
 * install; a service with its own contracts installs both tarballs, runs `evt generate --out
 * src/gen`, compiles with `tsc --strict` and sends and consumes one event through the real broker.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { kafkaBrokers } from "../helpers/kafka.js";

const BUDGET_BYTES = 15 * 1024 * 1024;
const work = mkdtempSync(path.join(tmpdir(), "evt-packaging-"));
const suffix = Math.random().toString(36).slice(2, 8);

interface Packed {
  readonly tarball: string;
  readonly files: readonly string[];
  /** The tarball extracted (its `package/` directory). */
  readonly dir: string;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} in ${cwd} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Packs the already-built package in `dir` (the global setup ran `tsc -b`) and extracts it. */
function pack(dir: string, name: string): Packed {
  const out = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], dir);
  const info = (JSON.parse(out.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
  const extracted = path.join(work, `x-${name}`);
  mkdirSync(extracted);
  run("tar", ["-xzf", path.join(work, info.filename), "-C", extracted], work);
  return { tarball: path.join(work, info.filename), files: info.files.map((f) => f.path), dir: path.join(extracted, "package") };
}

function npmInstall(dir: string): void {
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], dir);
}

/** Apparent size of every file under `dir` (symlinks counted as links, not followed). */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? treeBytes(p) : lstatSync(p).size;
  }
  return total;
}

/** Relative link targets of a Markdown file (`[text](target)`), without anchors. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!.split("#")[0]!)
    .filter((t) => t !== "" && !/^[a-z]+:/i.test(t));
}

let evt: Packed;
let runtime: Packed;

// The service projects hold ~360 MB of node_modules: remove what this run created.
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  evt = pack(REPO_ROOT, "evt");
  runtime = pack(path.join(REPO_ROOT, "runtime"), "runtime");
}, 120_000);

describe("npm pack", () => {
  it("ships a LICENSE and a README of its own in each package, links only to files it contains", () => {
    for (const p of [evt, runtime]) {
      expect(p.files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json"]));
      expect(readFileSync(path.join(p.dir, "LICENSE"), "utf8")).toContain("Apache License");
      for (const md of p.files.filter((f) => f.endsWith(".md"))) {
        const missing = relativeLinks(readFileSync(path.join(p.dir, md), "utf8"))
          .map((t) => path.posix.normalize(path.posix.join(path.posix.dirname(md), t)))
          .filter((t) => !p.files.some((f) => f === t || f.startsWith(`${t}/`)));
        expect(missing, `${p.tarball}: ${md}`).toEqual([]);
      }
    }
    const runtimeReadme = readFileSync(path.join(runtime.dir, "README.md"), "utf8");
    expect(runtimeReadme).toMatch(/^# @evt\/runtime/);
    for (const api of ["createProducer", "startRunner", "evt generate --out src/gen", "MissingPeerError"]) expect(runtimeReadme).toContain(api);
  });

  it("ships built code only: no example-catalog output, no runtime copy in the CLI, no source maps, no build info", () => {
    expect(evt.files.filter((f) => f.startsWith("dist/generated/") || f.startsWith("dist/runtime/") || f.startsWith("generated/"))).toEqual([]);
    expect(evt.files).toEqual(expect.arrayContaining(["bin/run.js", "dist/cli/commands/generate.js", "proto/evt/v1/options.proto"]));
    expect(runtime.files).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts"]));
    for (const p of [evt, runtime]) {
      expect(p.files.filter((f) => f.endsWith(".map") || f.endsWith(".tsbuildinfo") || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).toEqual([]);
      const withMapLinks = p.files.filter((f) => f.endsWith(".js") && readFileSync(path.join(p.dir, f), "utf8").includes("sourceMappingURL"));
      expect(withMapLinks).toEqual([]);
    }
  });

  it("has no stale development comments in the runtime's public .d.ts files", () => {
    const stale = runtime.files
      .filter((f) => f.endsWith(".d.ts"))
      .filter((f) => /INTERFACE PINNED|\bissue \d+\b/i.test(readFileSync(path.join(runtime.dir, f), "utf8")));
    expect(stale).toEqual([]);
  });

  it("declares the runtime's hard dependencies and optional peers, and the CLI's dependency on the runtime", () => {
    const rt = JSON.parse(readFileSync(path.join(runtime.dir, "package.json"), "utf8")) as Record<string, Record<string, unknown>>;
    expect(Object.keys(rt.dependencies!).sort()).toEqual(["@bufbuild/protobuf"]);
    const cli = JSON.parse(readFileSync(path.join(evt.dir, "package.json"), "utf8")) as Record<string, Record<string, string>>;
    expect(cli.dependencies!["@evt/runtime"]).toBe((rt as unknown as { version: string }).version);
    expect(Object.keys(cli.dependencies!)).not.toContain("ts-morph");
  });
});

describe("a service that installs the runtime tarball alone", () => {
  const dir = path.join(work, "runtime-only");

  beforeAll(() => {
    mkdirSync(dir);
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "runtime-only", private: true, type: "module", dependencies: { "@evt/runtime": `file:${runtime.tarball}` } }));
    npmInstall(dir);
  }, 300_000);

  it(`stays within ${BUDGET_BYTES / 1024 / 1024} MB of node_modules`, () => {
    const bytes = treeBytes(path.join(dir, "node_modules"));
    const top = readdirSync(path.join(dir, "node_modules")).filter((n) => !n.startsWith("."));
    const packages = top.flatMap((n) => (n.startsWith("@") ? readdirSync(path.join(dir, "node_modules", n)).map((m) => `${n}/${m}`) : [n]));
    console.log(`@evt/runtime installed alone: ${(bytes / 1024 / 1024).toFixed(2)} MB of node_modules (${bytes} bytes; ${packages.join(", ")})`);
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
    // the Kafka client is an optional peer too: the service installs the driver it runs on
    expect(packages.sort()).toEqual(["@bufbuild/protobuf", "@evt/runtime"]);
  });

  it("fails with one error naming the warehouse driver to install when a sink needs it", () => {
    writeFileSync(
      path.join(dir, "drivers.mjs"),
      `import { openDuckdb } from "@evt/runtime/warehouse/duckdb.js";
import { connectSnowflake } from "@evt/runtime/warehouse/snowflake.js";
const out = [];
for (const attempt of [() => openDuckdb("x.duckdb"), () => connectSnowflake({ account: "a", user: "u", auth: { type: "password", password: "p" } })]) {
  try { await attempt(); out.push("loaded"); } catch (e) { out.push({ name: e.name, message: e.message, context: e.context }); }
}
console.log(JSON.stringify(out));`,
    );
    const out = JSON.parse(run(process.execPath, ["drivers.mjs"], dir).stdout) as { name: string; message: string; context: Record<string, string> }[];
    expect(out).toEqual([
      {
        name: "MissingPeerError",
        message: 'the DuckDB warehouse needs the package @duckdb/node-api, which is not installed: run `npm install @duckdb/node-api@"1.5.6-r.1"`',
        context: { package: "@duckdb/node-api", feature: "the DuckDB warehouse" },
      },
      {
        name: "MissingPeerError",
        message: 'the Snowflake warehouse needs the package snowflake-sdk, which is not installed: run `npm install snowflake-sdk@"^3.3.0"`',
        context: { package: "snowflake-sdk", feature: "the Snowflake warehouse" },
      },
    ]);
  });

  it("fails with one error naming the Kafka client to install when a producer connects", () => {
    writeFileSync(
      path.join(dir, "kafka.mjs"),
      `import { createProducer } from "@evt/runtime";
const out = [];
for (const driver of ["kafkajs", "platformatic"]) {
  try { await createProducer({ brokers: ["127.0.0.1:1"], source: "s", kafka: { driver } }).connect(); out.push("connected"); }
  catch (e) { out.push({ name: e.name, message: e.message }); }
}
console.log(JSON.stringify(out));`,
    );
    const out = JSON.parse(run(process.execPath, ["kafka.mjs"], dir).stdout) as unknown[];
    expect(out).toEqual([
      { name: "MissingPeerError", message: 'the kafkajs Kafka driver needs the package kafkajs, which is not installed: run `npm install kafkajs@"^2.2.4"`' },
      { name: "MissingPeerError", message: 'the platformatic Kafka driver needs the package @platformatic/kafka, which is not installed: run `npm install @platformatic/kafka@"^1.35.0"`' },
    ]);
  });
});

const CONTRACT = `syntax = "proto3";

package shop.v1;

import "evt/v1/options.proto";
import "google/protobuf/timestamp.proto";

// A basket was checked out.
message BasketCheckedOut {
  option (evt.v1.event) = {
    topic: "shop.basket_checked_out_${suffix}.v1"
    key: "basket_id"
    owner: "team-shop"
  };
  string basket_id = 1 [(evt.v1.field) = { required: true }];
  int64 total_cents = 2;
  google.protobuf.Timestamp checked_out_at = 3;
}
`;

const MAIN = `import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createProducer, startRunner, type EventMetadata, type Runner } from "@evt/runtime";
import { catalog } from "./gen/ts/index.js";
import { BasketCheckedOutSchema, type BasketCheckedOut } from "./gen/ts/shop/v1/shop_pb.js";
import { BasketCheckedOutContract, basketCheckedOutProcessor, basketCheckedOutProducer } from "./gen/ts/shop/v1/shop_evt.js";

const brokers = process.env.BROKERS!.split(",");
const producer = createProducer({ brokers, source: "basket-service", createTopics: [BasketCheckedOutContract] });
await producer.connect();
const [sent] = await basketCheckedOutProducer(producer).send(
  create(BasketCheckedOutSchema, { basketId: "b-1", totalCents: 4200n, checkedOutAt: timestampFromDate(new Date("2026-01-02T03:04:05Z")) }),
);
await producer.disconnect();

let runner: Runner | undefined;
const received = await new Promise<{ event: BasketCheckedOut; meta: EventMetadata }>((resolve, reject) => {
  startRunner({ brokers, groupId: process.env.GROUP!, catalog, processors: [basketCheckedOutProcessor((event, meta) => resolve({ event, meta }))] }).then((r) => {
    runner = r;
    r.done.catch(reject);
  }, reject);
});
await runner?.stop();
console.log(JSON.stringify({
  sentId: sent!.id, id: received.meta.id, type: received.meta.type, topic: received.meta.topic, key: received.meta.key,
  basketId: received.event.basketId, totalCents: String(received.event.totalCents), at: received.event.checkedOutAt?.seconds.toString(),
}));
`;

describe("a new team's service with its own contracts", () => {
  const dir = path.join(work, "service");

  beforeAll(() => {
    mkdirSync(path.join(dir, "proto", "shop", "v1"), { recursive: true });
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({
        name: "basket-service",
        private: true,
        type: "module",
        dependencies: { "@evt/runtime": `file:${runtime.tarball}`, "@bufbuild/protobuf": "^2.13.0" },
        devDependencies: { evt: `file:${evt.tarball}`, typescript: "~5.9.3", "@types/node": "^20.19.0" },
      }),
    );
    npmInstall(dir);
  }, 480_000);

  it("generates into src/gen, compiles under tsc --strict, and round-trips an event through the broker", () => {
    // D21: a contract repository carries the vocabulary; the CLI package ships it to copy.
    mkdirSync(path.join(dir, "proto", "evt", "v1"), { recursive: true });
    copyFileSync(path.join(dir, "node_modules", "evt", "proto", "evt", "v1", "options.proto"), path.join(dir, "proto", "evt", "v1", "options.proto"));
    writeFileSync(path.join(dir, "proto", "shop", "v1", "shop.proto"), CONTRACT);
    run(path.join(dir, "node_modules", ".bin", "evt"), ["generate", "--out", "src/gen", "--quiet"], dir);
    const mod = readFileSync(path.join(dir, "src", "gen", "ts", "shop", "v1", "shop_evt.ts"), "utf8");
    expect(mod).toContain('from "@evt/runtime";');
    expect(mod).toContain("= /*@__PURE__*/ defineEvent({");

    writeFileSync(path.join(dir, "src", "main.ts"), MAIN);
    writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", rootDir: "src", outDir: "dist", types: ["node"] }, include: ["src"] }),
    );
    // No skipLibCheck: the runtime's published declarations must type-check too.
    const tsc = spawnSync(process.execPath, [path.join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: dir, encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);

    const r = run(process.execPath, ["dist/main.js"], dir, { BROKERS: kafkaBrokers().join(","), GROUP: `evt-packaging-${suffix}` });
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, string>;
    expect(out).toEqual({
      sentId: out.id, id: out.sentId, type: "shop.v1.BasketCheckedOut", topic: `shop.basket_checked_out_${suffix}.v1`, key: "b-1",
      basketId: "b-1", totalCents: "4200", at: String(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000),
    });
    expect(out.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(r.stderr).not.toMatch(/partitioner/i);
    // protoc-gen-es stays on 2.13 (2.14+ needs Node 22); its output ran on the newer runtime the service resolved.
    const protobuf = (JSON.parse(readFileSync(path.join(dir, "node_modules", "@bufbuild", "protobuf", "package.json"), "utf8")) as { version: string }).version;
    const protocGenEs = (JSON.parse(readFileSync(path.join(dir, "node_modules", "@bufbuild", "protoc-gen-es", "package.json"), "utf8")) as { version: string }).version;
    console.log(`service round trip: messages generated by protoc-gen-es ${protocGenEs}, run on @bufbuild/protobuf ${protobuf}, Node ${process.versions.node}`);
    expect(protocGenEs).toBe("2.13.0");
    expect(Number(protobuf.split(".")[1])).toBeGreaterThanOrEqual(17);
  });
});
