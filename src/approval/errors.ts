import { ToolgateError } from "../errors.ts";

/** An approver could not get an answer (unreachable webhook, malformed reply). The call is denied. */
export class ApprovalError extends ToolgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("approval_failed", message, options);
  }
}

/** An approval was answered or consumed in a state that does not allow it (decided already, expired, unknown). */
export class ApprovalStateError extends ToolgateError {
  constructor(code: "approval_not_pending" | "approval_not_found", message: string) {
    super(code, message);
  }
}
