import type { Reason } from "../gate/decision.ts";
import type { StoredApproval } from "../approval/store/approval-store.ts";

const STATES = new Set(["pending", "approved", "rejected", "expired"]);

/** An approval as the inbox shows it, or why it cannot be shown (then it is never approvable). */
export type ReadableApproval = { readonly ok: true; readonly approval: StoredApproval } | { readonly ok: false; readonly id: string; readonly problem: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isReason(value: unknown): value is Reason {
  return isObject(value) && typeof value.code === "string" && typeof value.message === "string";
}

function validDate(value: unknown): boolean {
  return typeof value === "string" && !Number.isNaN(Date.parse(value));
}

/**
 * Checks what a store returned before anything renders or decides on it: a
 * row written by another version, or edited by hand, must not crash the page
 * nor be approved on fields that do not mean what the inbox thinks.
 */
export function readApproval(value: unknown): ReadableApproval {
  const id = isObject(value) && typeof value.id === "string" ? value.id : "(no id)";
  const problem = approvalProblem(value);
  return problem === undefined ? { ok: true, approval: value as StoredApproval } : { ok: false, id, problem };
}

function approvalProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "not an object";
  if (typeof value.id !== "string" || value.id === "") return "no id";
  if (typeof value.state !== "string" || !STATES.has(value.state)) return `unknown state ${JSON.stringify(value.state)}`;
  const call = value.call;
  if (!isObject(call) || typeof call.name !== "string" || typeof call.call_id !== "string" || typeof call.assistant_id !== "string" || typeof call.arguments !== "string") {
    return "the call lacks its name, call_id, assistant_id or arguments";
  }
  if (call.tool_type !== undefined && call.tool_type !== "function" && call.tool_type !== "mcp") return "the call names an unknown tool type";
  if (!isObject(value.arguments)) return "the arguments are not an object";
  if (!Array.isArray(value.reasons) || !value.reasons.every(isReason)) return "the reasons are not a list of {code, message}";
  if (typeof value.summary !== "string") return "no summary";
  if (typeof value.binding !== "string" || typeof value.revision !== "string") return "no binding or revision";
  if (!validDate(value.createdAt) || !validDate(value.expiresAt)) return "created or expiry time is not a date";
  if (value.decidedAt !== undefined && !validDate(value.decidedAt)) return "the decision time is not a date";
  if (value.decidedBy !== undefined && typeof value.decidedBy !== "string") return "the approver is not a string";
  if (value.note !== undefined && typeof value.note !== "string") return "the note is not a string";
  if (value.approvedArguments !== undefined && !isObject(value.approvedArguments)) return "the approved arguments are not an object";
  return undefined;
}

/** The state a reviewer acts on: a pending approval past its expiry is expired, whatever the row says. */
export function effectiveState(approval: StoredApproval, now: Date): StoredApproval["state"] {
  return approval.state === "pending" && Date.parse(approval.expiresAt) <= now.getTime() ? "expired" : approval.state;
}
