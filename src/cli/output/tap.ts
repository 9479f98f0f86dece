import { formatSeconds, summaryLine, type TestReport } from "../../testing/types.ts";
import type { Reporter } from "./reporter.ts";

/** TAP version 14: one test point per result; failures carry a YAML diagnostic block. */
export function renderTap(report: TestReport): string {
  const lines = ["TAP version 14", `1..${report.results.length}`];
  report.results.forEach((r, i) => {
    const description = `${r.name} (${r.file}:${r.line})`.replace(/#/g, "\\#");
    const ok = r.status === "pass" || r.status === "skip";
    const directive = r.status === "skip" ? ` # SKIP ${r.message ?? ""}`.trimEnd() : "";
    lines.push(`${ok ? "ok" : "not ok"} ${i + 1} - ${description}${directive}`);
    if (!ok) {
      lines.push("  ---");
      lines.push(`  severity: ${r.status === "fail" ? "fail" : "error"}`);
      lines.push(`  message: ${JSON.stringify(r.message ?? r.status)}`);
      lines.push(`  at: ${JSON.stringify(`${r.file}:${r.line}`)}`);
      if (r.details?.length) {
        lines.push("  details: |-");
        for (const d of r.details) lines.push(`    ${d}`);
      }
      lines.push("  ...");
    }
  });
  lines.push(`# wall time ${formatSeconds(report.wallMs)} (build ${formatSeconds(report.buildMs)})`);
  lines.push(`# ${summaryLine(report.summary)}`);
  return lines.join("\n") + "\n";
}

export const tap: Reporter = { test: renderTap };
