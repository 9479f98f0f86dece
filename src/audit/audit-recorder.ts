import type { DecisionRecorder, RecordedDecision } from "../gate/recorder.ts";
import type { DecisionLog } from "./decision-log.ts";
import { approvalRecord, toDecisionEntry } from "./decision-record.ts";

/** Writes each gate decision to a DecisionLog; resolves when the record is durable per the log's mode. */
export class AuditRecorder implements DecisionRecorder {
  private readonly log: DecisionLog;

  constructor(log: DecisionLog) {
    this.log = log;
  }

  async record(recorded: RecordedDecision): Promise<void> {
    const options = {
      ...(recorded.approval ? { approval: approvalRecord(recorded.approval) } : {}),
      ...(recorded.secretsRedacted ? { secretsRedacted: true } : {}),
    };
    await this.log.append(toDecisionEntry(recorded.input, recorded.decision, options));
  }
}
