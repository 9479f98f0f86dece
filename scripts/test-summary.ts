// Prints the closing line of `make test` from vitest's JSON report:
// "Tests: N passed, N failed[, N skipped]", the form CI reads.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "build/tmp/vitest-results.json";
const report = JSON.parse(readFileSync(file, "utf8")) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};
const skipped = report.numPendingTests + report.numTodoTests;
process.stdout.write(
  `Tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}\n`,
);
