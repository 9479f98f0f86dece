import type { ApprovalOutcome } from "./approval-outcome.ts";
import type { Decision } from "./decision.ts";
import type { Evaluation } from "./pipeline.ts";
import type { ToolCall } from "./tool-call.ts";

/**
 * What decides tool calls for a guard or an adapter: a Gate (in-process), a
 * WatchedGate (hot reload) or a GatePool (worker threads). Fail closed:
 * decide() and evaluate() deny on any error and never reject.
 */
export interface Decider {
  /** The policy revision now serving, or "" when none is loaded. */
  readonly revision: string;
  /** Decides one call and records it; resolves once the recorder has it. */
  decide(call: ToolCall): Promise<Decision>;
  /** Decides one call without recording it; synchronous where the decider runs in-process. */
  evaluate(call: ToolCall): Evaluation | Promise<Evaluation>;
  /** Records how the approval a require_approval decision asked for ended, next to that decision. */
  recordApproval(call: ToolCall, decision: Decision, approval: ApprovalOutcome): Promise<void>;
  /**
   * Decides one call on its budgets' current usage without recording it or
   * reserving (what would the policy say now?). Optional: evaluate() serves when absent.
   */
  preview?(call: ToolCall): Promise<Evaluation>;
  /**
   * How a call that decide() let through ended: "ran" settles its budget
   * reservation, "not_run" (tool failed, approval rejected or timed out) releases it.
   * Optional: a decider without budgets has nothing to do.
   */
  finish?(decision: Decision, how: "ran" | "not_run"): Promise<void>;
  /** Releases what the decider holds (watchers, workers); a closed Gate keeps its last revision. */
  close(): Promise<void>;
}
