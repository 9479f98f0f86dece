import type { TestReport } from "../../testing/types.ts";

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
