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

/**
 * A stored approval row that does not read as an approval (JSON that does not
 * parse, a field of the wrong type, a time that is not one): written by
 * another version or edited by hand. It is never decided, consumed or
 * resumed; listings skip it and name it.
 */
export class UnreadableApprovalError extends ToolgateError {
  readonly approvalId: string;
  readonly problem: string;

  constructor(approvalId: string, problem: string) {
    super(
      "approval_unreadable",
      `Approval ${approvalId} in the store cannot be read (${problem}), so it cannot be decided, consumed or resumed; ` +
        `its call does not run. Check the store: the row was written by another version of toolgate or edited by hand.`,
    );
    this.approvalId = approvalId;
    this.problem = problem;
  }
}
