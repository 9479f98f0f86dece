import type { TestReport } from "../../testing/types.ts";
import type { Reporter } from "./reporter.ts";

/** One JSON document: every result, the summary, the timings. */
export function renderJson(report: TestReport): string {
  return `${JSON.stringify(
    {
      summary: report.summary,
      revision: report.revision,
      build_ms: Math.round(report.buildMs),
      wall_ms: Math.round(report.wallMs),
      bailed: report.bailed,
      notes: report.notes,
      results: report.results.map((r) => ({ ...r, durationMs: undefined, duration_ms: Number(r.durationMs.toFixed(3)) })),
    },
    null,
    2,
  )}\n`;
}

/** For machines: `--format json` / `--reporter json` on every command (eval: one JSON line per call). */
export const json: Reporter = {
  test: renderJson,
  decision: (id, decision) => `${JSON.stringify({ id, ...decision })}\n`,
  replay: (report, { source, toolsFile }) =>
    `${JSON.stringify({ ...report, candidate: { ...report.candidate, source, tools: toolsFile ?? null } }, null, 2)}\n`,
  auditRecord: (record, index) => `${index === 0 ? "[" : ","}\n${JSON.stringify(record, null, 2)}`,
  auditEnd: (count) => (count === 0 ? "[]\n" : "\n]\n"),
};
