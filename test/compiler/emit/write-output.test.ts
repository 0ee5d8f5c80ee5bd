/** The ownership rule of the output directory (docs/decisions.md D40), on write-output directly. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isEvtError } from "../../../compiler/errors.js";
import { addToOutput, assertMayWrite, contentHashes, diffOutput, isClean, MANIFEST_FILE, manifestText, readManifest, writeOutput } from "../../../compiler/emit/write-output.js";

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
    expect((err as Error).message).toMatch(/\.evt-manifest\.json is not a manifest written by evt\./);
    expect(readdirSync(dir)).toEqual([MANIFEST_FILE]);
  });
});

/** The error a call throws (undefined when it returns). */
async function thrown(f: () => unknown): Promise<Error | undefined> {
  try {
    await f();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

describe("addToOutput (a directory several runs fill: evt flink plan)", async () => {
  const a = [{ path: "a.sql", content: "a1\n" }];
  const b = [{ path: "b.sql", content: "b1\n" }];

  it("keeps the other files the manifest lists, and replaces its own", async () => {
    const dir = tmp();
    expect(await addToOutput(dir, a)).toBe(true);
    expect(await addToOutput(dir, b)).toBe(true);
    expect(readManifest(dir)?.files).toEqual(Object.fromEntries(contentHashes([...a, ...b])));
    expect(await addToOutput(dir, b)).toBe(false); // nothing differs, nothing written
    expect(await addToOutput(dir, [{ path: "a.sql", content: "a2\n" }])).toBe(true);
    expect(readFileSync(path.join(dir, "a.sql"), "utf8")).toBe("a2\n");
    expect(readFileSync(path.join(dir, "b.sql"), "utf8")).toBe("b1\n");
    expect(readManifest(dir)?.files).toEqual(Object.fromEntries(contentHashes([{ path: "a.sql", content: "a2\n" }, ...b])));
  });

  it("drops a kept file the user deleted from the manifest, and keeps the hash of one the user edited", async () => {
    const dir = tmp();
    await addToOutput(dir, [...a, { path: "c.sql", content: "c1\n" }]);
    rmSync(path.join(dir, "c.sql"));
    writeFileSync(path.join(dir, "a.sql"), "edited\n");
    await addToOutput(dir, b);
    expect(readManifest(dir)?.files).toEqual(Object.fromEntries(contentHashes([...a, ...b])));
    expect(readFileSync(path.join(dir, "a.sql"), "utf8")).toBe("edited\n");
    // still recognised as edited: refused without force
    expect((await thrown(() => addToOutput(dir, [{ path: "a.sql", content: "a3\n" }])))?.message).toMatch(/a\.sql was edited after evt wrote it/);
  });

  it("refuses a directory evt did not create, and a file of the same name it did not write", async () => {
    const foreign = tmp();
    writeFileSync(path.join(foreign, "notes.txt"), "mine\n");
    expect((await thrown(() => addToOutput(foreign, a)))?.name).toBe("OutputOwnershipError");
    expect(readdirSync(foreign)).toEqual(["notes.txt"]);

    const dir = tmp();
    await addToOutput(dir, a);
    writeFileSync(path.join(dir, "b.sql"), "user's\n");
    const err = await thrown(() => addToOutput(dir, b));
    expect(err?.name).toBe("OutputOwnershipError");
    expect(err?.message).toMatch(/b\.sql is not listed in \.evt-manifest\.json/);
    expect(readFileSync(path.join(dir, "b.sql"), "utf8")).toBe("user's\n");
  });
});

describe("assertMayWrite (the check before a slow command produces its content)", async () => {
  it("accepts a new, an empty or an owned directory; refuses foreign ones, foreign files and (without force) edited files", async () => {
    expect((await thrown(() => assertMayWrite(path.join(tmp(), "new"), ["a.sql"])))).toBeUndefined();
    expect((await thrown(() => assertMayWrite(tmp(), ["a.sql"])))).toBeUndefined();
    const foreign = tmp();
    writeFileSync(path.join(foreign, "notes.txt"), "mine\n");
    expect((await thrown(() => assertMayWrite(foreign, ["a.sql"])))?.message).toMatch(/is not empty and has no \.evt-manifest\.json/);

    const dir = tmp();
    await addToOutput(dir, [{ path: "a.sql", content: "a1\n" }]);
    expect((await thrown(() => assertMayWrite(dir, ["a.sql", "b.sql"])))).toBeUndefined();
    writeFileSync(path.join(dir, "b.sql"), "user's\n");
    expect((await thrown(() => assertMayWrite(dir, ["b.sql"])))?.message).toMatch(/not listed in/);
    writeFileSync(path.join(dir, "a.sql"), "edited\n");
    expect((await thrown(() => assertMayWrite(dir, ["a.sql"])))?.message).toMatch(/was edited/);
    expect((await thrown(() => assertMayWrite(dir, ["a.sql"], true)))).toBeUndefined();
  });
});
