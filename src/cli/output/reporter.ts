import type { DecisionRecord } from "../../audit/decision-record.ts";
import type { Decision } from "../../gate/decision.ts";
import type { ReplayReport } from "../../replay/replay.ts";
import type { TestReport } from "../../testing/types.ts";

/** What `policy replay` prints besides the report: where the candidate and the tool declarations came from. */
export interface ReplaySource {
  source: string;
  toolsFile: string | undefined;
}

/**
 * One output format of the CLI (one file per format, as conftest's output/):
 * each command hands its result to the format the user chose. A format
 * implements what it can render; the commands offer only those formats.
 */
export interface Reporter {
  /** `policy test`: the whole report. */
  test?(report: TestReport, options: { verbose: boolean }): string;
  /** `policy eval`: one decided call. */
  decision?(id: string, decision: Decision): string;
  /** `policy replay`: the whole report. */
  replay?(report: ReplayReport, source: ReplaySource): string;
  /** `policy audit`: records stream one by one (`index` from 0), then `auditEnd`. */
  auditRecord?(record: DecisionRecord, index: number): string;
  auditEnd?(count: number): string;
}
