/**
 * One way to replace a file whole: write a temp file beside it, then rename over it, so a
 * concurrent reader or a crash never sees half a file. (Generated output has its own staging in
 * emit/write-output.ts, because its crash recovery recognises the staged names.)
 */
import { renameSync, writeFileSync } from "node:fs";

export function writeFileAtomically(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
