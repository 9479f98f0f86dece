import { formatSeconds, summaryLine, type TestReport, type TestResult } from "../../testing/types.ts";

const MARK: Record<TestResult["status"], string> = { pass: "PASS", fail: "FAIL", error: "ERROR", skip: "SKIP" };

function where(r: TestResult): string {
  return `${r.file}:${r.line}`;
}

/** For a terminal: failures and errors in full, passes only with --verbose; wall time, then the summary line last. */
export function renderPretty(report: TestReport, options: { verbose: boolean }): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.status === "pass" && !options.verbose) continue;
    const time = options.verbose ? ` (${r.durationMs < 1 ? `${Math.round(r.durationMs * 1000)} us` : `${r.durationMs.toFixed(1)} ms`})` : "";
    lines.push(`${MARK[r.status].padEnd(5)} ${r.name}  ${where(r)}${time}`);
    if (r.message && r.status !== "pass") lines.push(`      ${r.message}`);
    for (const d of r.details ?? []) lines.push(`      ${d}`);
    if (options.verbose) for (const v of r.verbose ?? []) lines.push(`      ${v}`);
  }
  if (lines.length > 0) lines.push("");
  for (const note of report.notes) lines.push(note);
  const counts = (kind: TestResult["kind"]) => report.results.filter((r) => r.kind === kind).length;
  lines.push(
    `${counts("rego")} rego tests, ${counts("case")} tool-call cases${counts("parity") ? `, ${counts("parity")} opa parity checks` : ""}` +
      (report.revision ? ` (revision ${report.revision})` : ""),
  );
  if (report.bailed) lines.push("stopped at the first failure (--bail)");
  lines.push(`wall time ${formatSeconds(report.wallMs)} (build ${formatSeconds(report.buildMs)})`);
  lines.push(summaryLine(report.summary));
  return lines.join("\n") + "\n";
}
