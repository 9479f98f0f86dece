export type Effect = "allow" | "deny" | "sanitize" | "require_approval";

export interface Reason {
  /** Stable, snake_case; see docs/reason-codes.md. */
  code: string;
  message: string;
}

/** Hints for a human approver, from the policy. */
export interface ApprovalHint {
  summary?: string;
  approvers?: string[];
  timeout_seconds?: number;
  [key: string]: unknown;
}

/** What `toolgate/decision` returns (schemas/decision.schema.json). */
export interface PolicyDecision {
  effect: Effect;
  reasons: Reason[];
  /** Effective arguments: the sanitized ones for `sanitize`. */
  arguments?: Record<string, unknown>;
  approval?: ApprovalHint;
}

/** A policy decision plus what the host adds before it is applied and logged. */
export interface Decision extends PolicyDecision {
  decision_id: string;
  /** Revision of the policy bundle that made the decision; "" when none was loaded. */
  revision: string;
  /** Effective arguments, always present: for deny, the parsed arguments (or {} if none parsed). */
  arguments: Record<string, unknown>;
  /** Microseconds spent deciding, end to end inside the gate. */
  duration_us: number;
}
