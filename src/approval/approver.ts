import type { ApprovalHint, Decision, Reason } from "../gate/decision.ts";
import type { ToolCall } from "../gate/tool-call.ts";

/** What a human (or a system acting for one) is asked to approve: one exact call. */
export interface ApprovalRequest {
  readonly call: ToolCall;
  /** The arguments that would run: the decision's effective arguments. */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** Why the policy wants a human: the decision's reasons. */
  readonly reasons: readonly Reason[];
  readonly hint: ApprovalHint | undefined;
  /** One line for a human: the policy's summary hint, or one built from the call. */
  readonly summary: string;
  /** `call_id:sha256(canonical {arguments, tool})` (src/approval/binding.ts): an approval answers this binding and nothing else. */
  readonly binding: string;
  /** Aborted when the approval times out; approvers should stop waiting then. */
  readonly signal: AbortSignal;
  /** The stored approval's id, when the call was parked in an approval store (the inbox shows it at `/approvals/<id>`). */
  readonly approvalId?: string;
  /** When a parked approval expires (ISO-8601 UTC). */
  readonly expiresAt?: string;
}

/** An approver's answer. `arguments` replaces the call's arguments, which the policy then re-checks. */
export type ApprovalResponse =
  | {
      readonly status: "approved";
      readonly arguments?: Record<string, unknown>;
      readonly note?: string;
      /** Who approved: a user name, an email, a system id. Logged, not trusted for policy. */
      readonly approver?: string;
    }
  | { readonly status: "rejected"; readonly note?: string; readonly approver?: string };

/** Decides require_approval calls. Implementations: callback, webhook, terminal. */
export interface Approver {
  request(request: ApprovalRequest): Promise<ApprovalResponse>;
}

/**
 * Told when a call is parked in an approval store: someone should decide it
 * there (the inbox, store.decide). Nothing is waited for; a failure to notify
 * leaves the call parked.
 */
export interface ApprovalNotifier {
  notify(request: ApprovalRequest): Promise<void>;
}

/** Builds the request an approver sees from a require_approval decision. */
export function approvalRequest(call: ToolCall, decision: Decision, binding: string, signal: AbortSignal): ApprovalRequest {
  const summary =
    typeof decision.approval?.summary === "string"
      ? decision.approval.summary
      : `${call.name} for ${call.assistant_id}: ${decision.reasons.map((r) => r.message).join("; ")}`;
  return { call, arguments: decision.arguments, reasons: decision.reasons, hint: decision.approval, summary, binding, signal };
}
