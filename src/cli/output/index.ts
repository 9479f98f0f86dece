import type { TestReport } from "../../testing/types.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import { renderPretty } from "./pretty.ts";
import { renderTap } from "./tap.ts";

export const REPORTERS = ["pretty", "json", "junit", "tap"] as const;
export type ReporterName = (typeof REPORTERS)[number];

/**
 * The report as the named format, for stdout. Only pretty is for people; the
 * others are for machines, so the CLI prints the wall time and summary line to
 * stderr for them instead.
 */
export function render(name: ReporterName, report: TestReport, options: { verbose: boolean }): string {
  switch (name) {
    case "pretty":
      return renderPretty(report, options);
    case "json":
      return renderJson(report);
    case "junit":
      return renderJunit(report);
    case "tap":
      return renderTap(report);
  }
}
