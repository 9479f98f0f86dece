import { ToolgateError } from "../errors.ts";

/** An approver could not get an answer (unreachable webhook, malformed reply). The call is denied. */
export class ApprovalError extends ToolgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("approval_failed", message, options);
  }
}
