// toolgate's public API: what an app needs to decide, guard, log and replay
// tool calls. Internals (the pipeline's stages, the approval ledger, the
// canonical JSON encoder, the replayer, the policy watcher) stay unexported.
// The Agents SDK adapter is "toolgate/agents" (@openai/agents is optional);
// the scripted OpenAI-compatible server for tests is "toolgate/testing";
// "toolgate/gate" is the Gate alone, for hosts where import time counts.
// Importing this entry loads no store, server or adapter SDK: those modules
// are imported when first used (stores when opened, node:http when an inbox
// listens, the adapters and the log tools on first call: on-demand-exports.ts).
// Everything "toolgate/gate" has (the Gate, its engine, its types), then the rest.
export * from "./gate-entry.ts";
export type { ApprovalOutcome, ApprovalStatus } from "./gate/approval-outcome.ts";
export { GatePool, type GatePoolOptions } from "./gate/gate-pool.ts";
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
export { PolicyBuildError, OpaNotFoundError, type PolicyDiagnostic } from "./policy/errors.ts";

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
  type TurnResumption,
} from "./guard/tool-guard.ts";
export {
  pollWithGate,
  streamWithGate,
  gateRequiredAction,
  resumeAssistantsRun,
  resumeDueAssistantsRuns,
  respondWithGate,
  gateResponse,
  gateResponseStream,
  resumeResponse,
  chatWithGate,
  gateChatCompletion,
  resumeChat,
  readLog,
  verifyLog,
  replayLog,
} from "./on-demand-exports.ts";
export { DEFAULT_ASSISTANTS_DEADLINE_MS } from "./openai/assistants-deadline.ts";
export type { AssistantsTurn, AssistantsParkingOptions, ResumedAssistants } from "./openai/assistants.ts";
export type { ResponsesRun, ResumedResponses } from "./openai/responses.ts";
export type { ChatRun, ResumedChat } from "./openai/chat.ts";

export type { ApprovalRequest, ApprovalResponse, Approver, ApprovalNotifier } from "./approval/approver.ts";
export { callbackApprover } from "./approval/callback.ts";
export { ApprovalError, ApprovalStateError, UnreadableApprovalError } from "./approval/errors.ts";
export type {
  ApprovalStore,
  StoredApproval,
  NewApproval,
  ApprovalAnswer,
  ApprovalState,
  ApprovalListFilter,
  ApprovalListing,
  UnreadableApproval,
} from "./approval/store/approval-store.ts";
export { openApprovalStore } from "./approval/store/open-approval-store.ts";
export { SqliteApprovalStore } from "./approval/store/sqlite-approval-store.ts";
export { PostgresApprovalStore } from "./approval/store/postgres-approval-store.ts";
export { TerminalApprover, type TerminalApproverOptions } from "./approval/terminal.ts";
export { WebhookApprover, type WebhookApproverOptions, type WebhookReviewRequest } from "./approval/webhook.ts";
export { createApprovalsInbox, type ApprovalsInbox, type ApprovalsInboxOptions, type ListeningInbox } from "./inbox/approvals-inbox.ts";
export { InboxConfigError, type InboxAuth } from "./inbox/inbox-auth.ts";

export { DecisionLog, type DecisionLogOptions, type Durability } from "./audit/decision-log.ts";
export { AuditRecorder } from "./audit/audit-recorder.ts";
export type { DecisionRecord, LoggedApproval } from "./audit/decision-record.ts";
export type { ReadLogOptions } from "./audit/read-log.ts";
export type { VerifyResult } from "./audit/verify-log.ts";
export {
  KillSwitchMonitor,
  KillSwitchOptionsError,
  DEFAULT_REFRESH_MS,
  DEFAULT_MAX_STALENESS_MS,
  type KillSwitchMonitorOptions,
} from "./killswitch/kill-switch-monitor.ts";
export { openKillSwitchStore } from "./killswitch/open-kill-switch-store.ts";
export {
  KillSwitchRequestError,
  type KillSwitch,
  type KillSwitchEvent,
  type KillSwitchStore,
  type KillRequest,
  type LiftRequest,
} from "./killswitch/kill-switch.ts";
export type { KillSwitchCheck } from "./gate/kill-switch-check.ts";
export { StoreError } from "./store/errors.ts";
export type { StoreLocation } from "./store/store-location.ts";
export type { ReplayReport, ReplayChange, ReplayOutcome, ReplayLogOptions } from "./replay/replay.ts";
