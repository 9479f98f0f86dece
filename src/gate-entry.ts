// The package's "toolgate/gate" entry: the Gate alone, for hosts where import
// time is part of every cold start (serverless functions). Everything here is
// also exported by "toolgate"; that entry loads the guard, the stores, the
// inbox, the log and the adapters too. No instance is shared between the two:
// a Gate made from either is the same class, from the same module.
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
export type { Decider } from "./gate/decider.ts";
export type { DecisionRecorder, RecordedDecision } from "./gate/recorder.ts";
export type { Evaluation } from "./gate/pipeline.ts";
export type { ArgumentLimits } from "./gate/parse-arguments.ts";
export { Gate, type GateOptions } from "./gate/gate.ts";
export { GateReason } from "./gate/reason-codes.ts";
export { PolicyEngine } from "./policy/engine.ts";
export { BundleLoadError, PolicyEvaluationError } from "./policy/errors.ts";
