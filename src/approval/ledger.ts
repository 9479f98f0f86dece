import type { ApprovalResponse } from "./approver.ts";

type Approved = Extract<ApprovalResponse, { status: "approved" }>;

/**
 * Approvals granted ahead of execution (the Agents SDK asks for approval in one
 * run and executes in the next), keyed by binding (call id, tool reference,
 * arguments). take() removes the grant, so an approval runs its call at most
 * once and never a call of another tool or with other arguments.
 */
export class ApprovalLedger {
  readonly #grants = new Map<string, Approved>();

  grant(binding: string, approval: Approved): void {
    this.#grants.set(binding, approval);
  }

  take(binding: string): Approved | undefined {
    const approval = this.#grants.get(binding);
    this.#grants.delete(binding);
    return approval;
  }
}
