// toolgate's public API: what an app needs to decide, guard, log and replay
// tool calls. Internals (the pipeline's stages, the approval ledger, the
// canonical JSON encoder, the replayer, the policy watcher) stay unexported.
// The Agents SDK adapter is "toolgate/agents" (@openai/agents is optional);
// the scripted OpenAI-compatible server for tests is "toolgate/testing".
export { ToolgateError } from "./errors.ts";

export type {
  ToolCall,
  ToolDeclaration,
  AnyToolDeclaration,
  ChatToolDeclaration,
  FlatToolDeclaration,
  CustomToolDeclaration,
  HostedToolDeclaration,
  FunctionDefinition,
  Surface,
  ToolType,
} from "./gate/tool-call.ts";
export { ToolDeclarationError } from "./gate/tool-declaration.ts";
export type { ToolRef } from "./gate/tool-ref.ts";
export type { InputDocument } from "./gate/input-document.ts";
export type { Decision, Effect, Reason, ApprovalHint, PolicyDecision } from "./gate/decision.ts";
export type { ApprovalOutcome, ApprovalStatus } from "./gate/approval-outcome.ts";
export type { Decider } from "./gate/decider.ts";
export type { DecisionRecorder, RecordedDecision } from "./gate/recorder.ts";
export type { Evaluation } from "./gate/pipeline.ts";
export type { ArgumentLimits } from "./gate/parse-arguments.ts";
export { Gate, type GateOptions } from "./gate/gate.ts";
export { GatePool, type GatePoolOptions } from "./gate/gate-pool.ts";
export { GateReason } from "./gate/reason-codes.ts";
export { WatchedGate, type WatchedGateOptions } from "./gate/watched-gate.ts";
export type { BudgetUsage, UsageReading } from "./gate/budget-charges.ts";
export { openBudgetStore } from "./budget/open-budget-store.ts";
export type { BudgetStore, CounterListing, CounterUsage } from "./budget/budget-store.ts";
export type {
  PolicySource,
  WatchOptions,
  ReloadOutcome,
  ReloadedEvent,
  ReloadFailedEvent,
  ReloadUnchangedEvent,
  PolicyWatcherEvents,
} from "./policy/watch.ts";

export { compileBundle, type CompileOptions, type CompiledBundle } from "./policy/compile-bundle.ts";
export { PolicyEngine } from "./policy/engine.ts";
export { PolicyBuildError, BundleLoadError, PolicyEvaluationError, OpaNotFoundError, type PolicyDiagnostic } from "./policy/errors.ts";

export {
  ToolGuard,
  GuardReason,
  DEFAULT_REJECTION_MESSAGE,
  type ToolGuardOptions,
  type ToolMap,
  type ToolFunction,
  type ToolContext,
  type CallOutcome,
  type GuardEvent,
} from "./guard/tool-guard.ts";
export { pollWithGate, streamWithGate, gateRequiredAction } from "./openai/assistants.ts";
export { respondWithGate, gateResponse, gateResponseStream } from "./openai/responses.ts";
export { chatWithGate, gateChatCompletion } from "./openai/chat.ts";

export type { ApprovalRequest, ApprovalResponse, Approver } from "./approval/approver.ts";
export { callbackApprover } from "./approval/callback.ts";
export { ApprovalError } from "./approval/errors.ts";
export { TerminalApprover, type TerminalApproverOptions } from "./approval/terminal.ts";
export { WebhookApprover, type WebhookApproverOptions, type WebhookReviewRequest } from "./approval/webhook.ts";

export { DecisionLog, type DecisionLogOptions, type Durability } from "./audit/decision-log.ts";
export { AuditRecorder } from "./audit/audit-recorder.ts";
export type { DecisionRecord, LoggedApproval } from "./audit/decision-record.ts";
export { readLog, type ReadLogOptions } from "./audit/read-log.ts";
export { verifyLog, type VerifyResult } from "./audit/verify-log.ts";
export { replayLog, type ReplayReport, type ReplayChange, type ReplayOutcome, type ReplayLogOptions } from "./replay/replay.ts";
