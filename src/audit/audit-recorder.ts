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
    const entry = toDecisionEntry(recorded.input, recorded.decision, options);
    // The gate's canonical text of the input fits only while the entry logs that very input (not a redacted copy).
    await this.log.append(entry, entry.input === recorded.input ? recorded.inputJson : undefined);
  }
}
