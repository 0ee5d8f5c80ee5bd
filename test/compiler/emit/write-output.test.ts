/** The ownership rule of the output directory (docs/decisions.md D40), on write-output directly. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isEvtError } from "../../../compiler/errors.js";
import { contentHashes, diffOutput, isClean, MANIFEST_FILE, manifestText, readManifest, writeOutput } from "../../../compiler/emit/write-output.js";

const tmp = (): string => mkdtempSync(path.join(tmpdir(), "evt-out-"));
const v1 = [
  { path: "a.txt", content: "a1\n" },
  { path: "sub/b.txt", content: "b1\n" },
];

describe("writeOutput", () => {
  it("accepts a directory that holds only reviewed migrations (written by another evt command)", async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, "snowflake", "migrations"), { recursive: true });
    writeFileSync(path.join(dir, "snowflake", "migrations", "0001.sql"), "-- reviewed\n");
    expect(await writeOutput(dir, v1)).toBe(true);
    expect(readFileSync(path.join(dir, "snowflake", "migrations", "0001.sql"), "utf8")).toBe("-- reviewed\n");
    expect(readManifest(dir)?.files).toEqual(Object.fromEntries(contentHashes(v1)));
  });

  it("recovers from a write interrupted while files moved (the journal lists old and new hashes)", async () => {
    const dir = tmp();
    await writeOutput(dir, v1);
    const v2 = [
      { path: "a.txt", content: "a2\n" },
      { path: "sub/b.txt", content: "b2\n" },
    ];
    // The state a crash after the first rename leaves: a.txt new, b.txt old, the manifest a journal.
    writeFileSync(path.join(dir, MANIFEST_FILE), manifestText(contentHashes(v1), contentHashes(v2)));
    writeFileSync(path.join(dir, "a.txt"), "a2\n");
    mkdirSync(path.join(dir, ".evt-staging-999-x"));
    expect(await writeOutput(dir, v2)).toBe(true);
    expect(readFileSync(path.join(dir, "sub", "b.txt"), "utf8")).toBe("b2\n");
    expect(readManifest(dir)).toEqual({ files: Object.fromEntries(contentHashes(v2)) });
    expect(readdirSync(dir).filter((n) => n.startsWith(".evt-staging"))).toEqual([]);
    expect(isClean(diffOutput(dir, v2))).toBe(true);
  });

  it("refuses a manifest that is not evt's, naming it", async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, MANIFEST_FILE), "{ \"files\": 3 }\n");
    let err: unknown;
    try {
      await writeOutput(dir, v1);
    } catch (e) {
      err = e;
    }
    expect(isEvtError(err)).toBe(true);
    expect((err as Error).name).toBe("OutputOwnershipError");
    expect((err as Error).message).toMatch(/\.evt-manifest\.json is not a manifest written by evt generate/);
    expect(readdirSync(dir)).toEqual([MANIFEST_FILE]);
  });
});
