/** How the human approval of a require_approval decision ended. */
export type ApprovalStatus = "approved" | "rejected" | "timed_out" | "failed" | "unavailable";

/**
 * The one approval outcome: what the guard tells the app (CallOutcome.approval,
 * events), what it hands the gate to record, and what the audit log keeps
 * (as `approval.outcome`, without the replacement arguments).
 */
export interface ApprovalOutcome {
  readonly status: ApprovalStatus;
  readonly approver?: string;
  readonly note?: string;
  /** The approver's replacement arguments, when they gave some. */
  readonly arguments?: Record<string, unknown>;
}
