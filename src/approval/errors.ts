import { ToolgateError } from "../errors.ts";

/** An approver could not get an answer (unreachable webhook, malformed reply). The call is denied. */
export class ApprovalError extends ToolgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("approval_failed", message, options);
  }
}

/**
 * An approval was answered, consumed or resumed in a state that does not allow
 * it (decided already, expired, unknown, or not a parked run's approval).
 */
export class ApprovalStateError extends ToolgateError {
  constructor(code: "approval_not_pending" | "approval_not_found" | "approval_not_resumable", message: string) {
    super(code, message);
  }
}
