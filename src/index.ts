// toolgate's public API. The Agents SDK adapter is a separate entry
// ("toolgate/agents") because @openai/agents is an optional dependency.
export { ToolgateError } from "./errors.ts";

export type { ToolCall, ToolDeclaration, Surface } from "./gate/tool-call.ts";
export type { InputDocument } from "./gate/input-document.ts";
export type { Decision, Effect, Reason, ApprovalHint, PolicyDecision } from "./gate/decision.ts";
export { Gate, type GateOptions, type DecisionRecorder, type RecordedDecision, type Evaluation } from "./gate/gate.ts";
export { GatePool, type GatePoolOptions } from "./gate/gate-pool.ts";
export { GateReason } from "./gate/reason-codes.ts";
export { WatchedGate, openWatchedGate, type WatchedGateOptions } from "./gate/watched-gate.ts";
export {
  PolicyWatcher,
  type PolicySource,
  type WatchOptions,
  type ReloadTarget,
  type ReloadOutcome,
  type ReloadedEvent,
  type ReloadFailedEvent,
  type ReloadUnchangedEvent,
  type PolicyWatcherEvents,
} from "./policy/watch.ts";

export { compileBundle, type CompileOptions, type CompiledBundle } from "./policy/compile.ts";
export { readBundle, type Bundle } from "./policy/bundle.ts";
export { PolicyEngine } from "./policy/engine.ts";
export { PolicyBuildError, BundleLoadError, PolicyEvaluationError, OpaNotFoundError, type PolicyDiagnostic } from "./policy/errors.ts";

export { ToolGuard, GuardReason, DEFAULT_REJECTION_MESSAGE, type ToolGuardOptions, type ToolMap, type CallOutcome } from "./guard/tool-guard.ts";
export { pollWithGate, streamWithGate, gateRequiredAction } from "./openai/assistants.ts";
export { respondWithGate, gateResponse, gateResponseStream } from "./openai/responses.ts";
export { chatWithGate, gateChatCompletion } from "./openai/chat.ts";

export * from "./approval/index.ts";

export { DecisionLog, type DecisionLogOptions, type Durability } from "./audit/decision-log.ts";
export { AuditRecorder } from "./audit/audit-recorder.ts";
export { readLog, type ReadLogOptions } from "./audit/read-log.ts";
export { verifyLog, type VerifyResult } from "./audit/verify-log.ts";
export { replayLog, Replayer, type ReplayReport, type ReplayChange, type ReplayOutcome, type ReplayLogOptions } from "./replay/replay.ts";
