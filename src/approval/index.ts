export { approvalRequest, type ApprovalRequest, type ApprovalResponse, type Approver } from "./approver.ts";
export { approvalBinding, canonicalJson, sameArguments } from "./binding.ts";
export { callbackApprover } from "./callback.ts";
export { ApprovalError } from "./errors.ts";
export { ApprovalLedger } from "./ledger.ts";
export { TerminalApprover, type TerminalApproverOptions } from "./terminal.ts";
export { WebhookApprover, type WebhookApproverOptions, type WebhookReviewRequest } from "./webhook.ts";
