import type { ApprovalOutcome } from "./approval-outcome.ts";
import type { Decision } from "./decision.ts";
import type { InputDocument } from "./input-document.ts";
import type { ToolCall } from "./tool-call.ts";

export interface RecordedDecision {
  call: ToolCall;
  /** The input the policy saw; for a call refused before evaluation, what is known of it (no constraints). */
  input: InputDocument;
  /**
   * `input` as canonical JSON text (keys sorted at every level, see
   * src/json/canonical-text.ts), when the gate has it: the log splices it into
   * the record instead of encoding `input` again. Only for this `input` object.
   */
  inputJson?: string;
  /**
   * With `inputJson`: the canonical text of `input.arguments`, which `inputJson`
   * begins with (`{"arguments":<this>,...`): the log splices it for the result's
   * arguments too, and swaps it for the logged arguments where those differ.
   */
  argumentsJson?: string;
  decision: Decision;
  /** Set when the guard records the approval that followed a require_approval decision. */
  approval?: ApprovalOutcome;
  /** Set when secrets were redacted from this record (the tool has redact_secrets; see log-redaction.ts). */
  secretsRedacted?: boolean;
}

/** Receives every decision a gate makes, with the input it was made on (implemented by the audit log). */
export interface DecisionRecorder {
  record(entry: RecordedDecision): Promise<void>;
}
