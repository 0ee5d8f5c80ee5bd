// Sums vitest JSON reports into one closing line: "tests: N passed, N failed, N skipped".
// A test file that failed before running any test (import error, crashed setup) counts as failed.
import { existsSync, readFileSync } from "node:fs";

let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) { failed += 1; console.log(`missing report ${file} (that run crashed)`); continue; }
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  failed += r.testResults.filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
