/**
 * `evt generate`'s message types: protoc-gen-es on buf's bytes with only the source locations
 * protoplugin reads (compiler/load/source-locations-filter.ts), on a worker thread when built
 * (compiler/emit/ts/protoc-gen-es-thread.ts), gives exactly what protoc-gen-es gives on the whole
 * decoded set.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { canonicalFileOrder } from "../../../compiler/emit/descriptor-order.js";
import { messageTypeFiles, protopluginReads, runProtocGenEs, runProtocGenEsOnBytes } from "../../../compiler/emit/ts/protoc-gen-es.js";
import { PROTOC_GEN_ES_PARAMETER, startMessageTypes } from "../../../compiler/emit/ts/protoc-gen-es-thread.js";
import { buildDescriptorSetBytes } from "../../../compiler/load/buf-process.js";
import { keepSourceLocations } from "../../../compiler/load/source-locations-filter.js";
import { buildSyntheticSpec, renderSyntheticCatalog } from "../../../bench/synthetic/catalog.js";
import { REPO_ROOT, writeProtoTree } from "../../helpers/compile-proto.js";

/** Comments in every place protoplugin reads them from: syntax, package, detached, trailing, nested, oneof, enum values, services. */
const COMMENTED = {
  "c/v1/c.proto": `// Detached before syntax.

// Leading comment of syntax.
syntax = "proto3"; // trailing on syntax

// Leading comment of package.
package c.v1; // trailing on package

import "google/protobuf/timestamp.proto";

// Detached comment.

// A message.
message M { // trailing on M
  // A field.
  string a = 1; // trailing on a
  /* block comment */
  google.protobuf.Timestamp at = 2;
  // A oneof.
  oneof choice {
    // member x
    int32 x = 3;
    string y = 4;
  }
  // Nested.
  message N {
    // deep
    repeated int64 v = 1 [packed = false];
  }
  // Nested enum.
  enum E {
    // zero
    E_UNSPECIFIED = 0;
    E_ONE = 1; // one
  }
  map<string, N> by_name = 5;
  optional E e = 6;
}

// Top enum.
enum Kind {
  KIND_UNSPECIFIED = 0;
  // The second.
  KIND_B = 1 [deprecated = true];
}

// A service.
service S {
  // A method.
  rpc Get(M) returns (M);
}
`,
};

function treeOf(files: readonly { path: string; content: string }[]): string {
  return writeProtoTree(Object.fromEntries(files.map((f) => [f.path, f.content])));
}

async function bothWays(root: string): Promise<{ reference: { name: string; content: string }[]; filtered: { name: string; content: string }[]; bytes: Uint8Array }> {
  const bytes = await buildDescriptorSetBytes(root);
  const set = canonicalFileOrder(fromBinary(FileDescriptorSetSchema, bytes));
  return { reference: runProtocGenEs(set, messageTypeFiles(set), PROTOC_GEN_ES_PARAMETER), filtered: runProtocGenEsOnBytes(bytes, PROTOC_GEN_ES_PARAMETER), bytes };
}

describe("message types from buf's bytes", () => {
  it("keeps exactly the locations asked for, in order, and every other byte of the set", async () => {
    const bytes = await buildDescriptorSetBytes(writeProtoTree(COMMENTED));
    const full = fromBinary(FileDescriptorSetSchema, bytes);
    const kept = fromBinary(FileDescriptorSetSchema, keepSourceLocations(bytes, protopluginReads));
    const dropped = full.file.reduce((n, f) => n + (f.sourceCodeInfo?.location.filter((l) => !protopluginReads(l.path)).length ?? 0), 0);
    expect(dropped).toBeGreaterThan(50); // most locations are token spans
    for (const f of full.file) {
      if (f.sourceCodeInfo) f.sourceCodeInfo.location = f.sourceCodeInfo.location.filter((l) => protopluginReads(l.path));
    }
    expect(kept).toEqual(full);
    // Keeping everything reproduces the bytes.
    expect(Buffer.from(keepSourceLocations(bytes, () => true)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("gives protoc-gen-es's output on the whole set: comments everywhere", async () => {
    const { reference, filtered } = await bothWays(writeProtoTree(COMMENTED));
    expect(reference.find((f) => f.name === "c/v1/c_pb.ts")?.content).toContain("trailing on a");
    expect(filtered).toEqual(reference);
  });

  it("gives protoc-gen-es's output on the whole set: the example tree and a synthetic catalog", async () => {
    for (const root of [path.join(REPO_ROOT, "proto"), treeOf(renderSyntheticCatalog(buildSyntheticSpec({ events: 60, seed: 3 })))]) {
      const { reference, filtered } = await bothWays(root);
      expect(reference.length).toBeGreaterThan(3);
      expect(filtered).toEqual(reference);
    }
  });

  it("runs on a worker thread from the built module, with the same files, and reports a failure without hanging", async () => {
    const root = treeOf(renderSyntheticCatalog(buildSyntheticSpec({ events: 30, seed: 5 })));
    const { reference } = await bothWays(root);
    const script = `
      import { startMessageTypes } from ${JSON.stringify(path.join(REPO_ROOT, "dist/compiler/emit/ts/protoc-gen-es-thread.js"))};
      import { buildDescriptorSetBytes } from ${JSON.stringify(path.join(REPO_ROOT, "dist/compiler/load/buf-process.js"))};
      import { threadId } from "node:worker_threads";
      const job = startMessageTypes();
      const files = await job.run(await buildDescriptorSetBytes(${JSON.stringify(root)}));
      job.close();
      const bad = startMessageTypes();
      const failure = await bad.run(Uint8Array.of(0x0a, 0x05, 0xff)).then(() => "resolved", (e) => e.name + ": " + e.message);
      bad.close();
      console.log(JSON.stringify({ threaded: job.threaded, main: threadId, files, failure }));
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { threaded: boolean; files: unknown; failure: string };
    expect(out.threaded).toBe(true);
    expect(out.files).toEqual(reference);
    expect(out.failure).toBe("Error: protoc-gen-es failed: premature EOF");
  });

  it("runs on the calling thread from TypeScript sources", () => {
    const job = startMessageTypes();
    expect(job.threaded).toBe(false);
    job.close();
  });
});
