// Prints vitest's JSON results as one closing line: "N passed, N failed, N skipped", and names
// each test file that failed as a whole (a set-up hook that threw fails no single test).
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const file = process.argv[2] ?? ".vitest-results.json";
try {
  const results = JSON.parse(readFileSync(file, "utf8"));
  const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
  const failedFiles = results.testResults.filter((result) => result.status === "failed");
  for (const failed of failedFiles) {
    const firstLine = (failed.message ?? "").split("\n")[0];
    console.log(`failed file: ${relative(process.cwd(), failed.name)}${firstLine ? ` (${firstLine})` : ""}`);
  }
  console.log(`${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped; ${failedFiles.length} of ${results.testResults.length} files failed`);
  if (!results.success) process.exitCode = 1;
} catch (error) {
  console.log(`test-summary: no results in ${file}: ${error.message}`);
  process.exitCode = 1;
}
