/**
 * Every path evt prints is relative to the current directory (issue 9 item 12): applied once to
 * what the base command writes (text output, progress lines, error messages and diagnostics), so
 * no command or library message has to remember. Paths outside the cwd stay absolute (`../../x`
 * would read worse); JSON output keeps absolute paths for machines.
 */
import path from "node:path";

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function relativeToCwd(text: string, cwd: string = process.cwd()): string {
  const root = path.resolve(cwd);
  if (root === path.parse(root).root) return text;
  // `/repo/proto/a.proto` → `proto/a.proto`; `/repo` alone (not `/repo2`) → `.`.
  return text.replace(new RegExp(`${escapeRegExp(root)}(${escapeRegExp(path.sep)}|(?![\\w.-]))`, "g"), (_m, sep: string) => (sep ? "" : "."));
}

/** Writes a command's text result to stdout, paths relative to the cwd, ending in one newline. */
export function writeTextResult(text: string): void {
  const out = relativeToCwd(text);
  process.stdout.write(out.endsWith("\n") ? out : `${out}\n`);
}
