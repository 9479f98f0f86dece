import type { ApprovalRequest, ApprovalResponse, Approver } from "./approver.ts";

/** An in-process approver: your function decides (a UI, a chat-ops bot, a test). */
export function callbackApprover(decide: (request: ApprovalRequest) => ApprovalResponse | Promise<ApprovalResponse>): Approver {
  return { request: async (request) => decide(request) };
}
