import type { DecisionRecorder, RecordedDecision } from "../gate/gate.ts";
import type { InputDocument } from "../gate/input-document.ts";
import type { ToolCall } from "../gate/tool-call.ts";
import type { DecisionLog } from "./decision-log.ts";
import { toDecisionEntry } from "./decision-record.ts";

/**
 * A call refused before the policy ran has no input document; log what is
 * known of it (the parsed arguments, if any) so the record is still complete.
 */
function inputOf(call: ToolCall, recorded: RecordedDecision): InputDocument {
  if (recorded.input) return recorded.input;
  const input: InputDocument = {
    version: 1,
    surface: call.surface,
    assistant_id: String(call.assistant_id),
    call_id: String(call.call_id ?? ""),
    tool: { name: String(call.name), type: "function" },
    arguments: recorded.decision.arguments,
    constraints: {},
    context: call.context ?? {},
  };
  if (call.thread_id !== undefined) input.thread_id = call.thread_id;
  if (call.run_id !== undefined) input.run_id = call.run_id;
  return input;
}

/** Writes each gate decision to a DecisionLog; resolves when the record is durable per the log's mode. */
export class AuditRecorder implements DecisionRecorder {
  private readonly log: DecisionLog;

  constructor(log: DecisionLog) {
    this.log = log;
  }

  async record(recorded: RecordedDecision): Promise<void> {
    const options = recorded.approval ? { approval: recorded.approval } : {};
    await this.log.append(toDecisionEntry(inputOf(recorded.call, recorded), recorded.decision, options));
  }
}
