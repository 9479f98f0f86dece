/** What `policy test` produces: one result per Rego test, tool-call case and parity check. */
export type TestStatus = "pass" | "fail" | "error" | "skip";

export type TestKind = "rego" | "case" | "parity";

export interface TestResult {
  kind: TestKind;
  /** Rego: `data.<package>.<rule>`; case: `<file>#<case id>`; parity: the Rego test's name. */
  name: string;
  /** Where it is defined, relative to the working directory where possible. */
  file: string;
  line: number;
  status: TestStatus;
  /** Why it failed, errored or was skipped (one line). */
  message?: string;
  /** Readable detail for a failure: the call, expected and actual, a diff. */
  details?: string[];
  /** For --verbose: what was decided (reasons, effective arguments). */
  verbose?: string[];
  durationMs: number;
}

export interface Summary {
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
}

export interface TestReport {
  results: TestResult[];
  summary: Summary;
  /** Policy revision the tests ran against ("" when nothing was built). */
  revision: string;
  buildMs: number;
  wallMs: number;
  /** True when --bail stopped the run early. */
  bailed: boolean;
  /** Notes for the reader (e.g. what --compare-opa compared). */
  notes: string[];
}

export function summarize(results: readonly TestResult[]): Summary {
  const summary: Summary = { passed: 0, failed: 0, errors: 0, skipped: 0 };
  for (const r of results) {
    if (r.status === "pass") summary.passed++;
    else if (r.status === "fail") summary.failed++;
    else if (r.status === "error") summary.errors++;
    else summary.skipped++;
  }
  return summary;
}

/** `N passed, N failed` plus `, N errors` / `, N skipped` when there are any. */
export function summaryLine(s: Summary): string {
  let line = `${s.passed} passed, ${s.failed} failed`;
  if (s.errors > 0) line += `, ${s.errors} errors`;
  if (s.skipped > 0) line += `, ${s.skipped} skipped`;
  return line;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}
