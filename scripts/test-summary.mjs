// Prints vitest's JSON results as one closing line: "N passed, N failed, N skipped".
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? ".vitest-results.json";
try {
  const results = JSON.parse(readFileSync(file, "utf8"));
  const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
  console.log(`${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`);
} catch (error) {
  console.log(`test-summary: no results in ${file}: ${error.message}`);
  process.exitCode = 1;
}
