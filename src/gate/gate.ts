import { randomUUID } from "node:crypto";
import { readBundle } from "../policy/bundle.ts";
import { PolicyEngine } from "../policy/engine.ts";
import { describeThrown } from "../policy/errors.ts";
import type { Decision, Reason } from "./decision.ts";
import { INPUT_VERSION, type InputDocument } from "./input-document.ts";
import { applyPolicyDecision } from "./apply-policy-decision.ts";
import { DEFAULT_ARGUMENT_LIMITS, parseArguments, type ArgumentLimits } from "./parse-arguments.ts";
import { GateReason } from "./reason-codes.ts";
import { ConstraintResolver } from "./resolve-constraints.ts";
import type { ToolCall, ToolDeclaration } from "./tool-call.ts";
import { ToolSchemas } from "./tool-schemas.ts";
import type { WatchedGate, WatchedGateOptions } from "./watched-gate.ts";

/** What the outcome of a human approval was, when a decision needed one. */
export interface ApprovalOutcomeRecord {
  outcome: "approved" | "rejected" | "timed_out" | "failed" | "unavailable";
  approver?: string;
  note?: string;
}

export interface RecordedDecision {
  call: ToolCall;
  /** The input the policy saw; undefined when the call was refused before evaluation. */
  input: InputDocument | undefined;
  decision: Decision;
  /** Set when an adapter records the approval that followed a require_approval decision. */
  approval?: ApprovalOutcomeRecord;
}

/** Receives every decision the gate makes, with the input it was made on (the audit log). */
export interface DecisionRecorder {
  record(entry: RecordedDecision): Promise<void>;
}

export interface GateOptions {
  /** The tools the app offers the model, in OpenAI function-tool format. */
  tools: readonly ToolDeclaration[];
  limits?: Partial<ArgumentLimits>;
  recorder?: DecisionRecorder;
}

/** One policy revision and what is derived from it; swapped as a whole. */
interface LoadedRevision {
  engine: PolicyEngine;
  constraints: ConstraintResolver;
}

export interface Evaluation {
  decision: Decision;
  /** The input document the policy saw (decoded on first use); undefined when the call was refused before evaluation. */
  readonly input: InputDocument | undefined;
}

function evaluation(decision: Decision, encodedInput?: string): Evaluation {
  let input: InputDocument | undefined;
  return {
    decision,
    get input() {
      if (encodedInput !== undefined) input ??= JSON.parse(encodedInput) as InputDocument;
      return input;
    },
  };
}

const SURFACES = new Set(["assistants", "responses", "chat", "agents", "cli"]);

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * Decides tool calls. Fail closed: whatever goes wrong on the way to a decision
 * (bad arguments, schema violation, no policy, an engine error, a malformed
 * decision) yields a deny with a reason code; evaluate() never throws.
 */
export class Gate {
  private loaded: LoadedRevision | undefined;
  private readonly schemas: ToolSchemas;
  private readonly limits: ArgumentLimits;
  private readonly recorder: DecisionRecorder | undefined;

  constructor(engine: PolicyEngine | undefined, options: GateOptions) {
    this.schemas = new ToolSchemas(options.tools);
    this.limits = { ...DEFAULT_ARGUMENT_LIMITS, ...options.limits };
    this.recorder = options.recorder;
    if (engine) this.use(engine);
  }

  /** A gate serving the bundle at `bundlePath` (throws BundleLoadError if it cannot be loaded). */
  static async open(bundlePath: string, options: GateOptions): Promise<Gate> {
    return new Gate(await PolicyEngine.load(await readBundle(bundlePath)), options);
  }

  /**
   * A gate that builds its policy and hot-reloads it on change (see watched-gate.ts);
   * `close()` stops watching. Throws the located build error if the first build fails.
   */
  static async watch(options: WatchedGateOptions): Promise<WatchedGate> {
    const { WatchedGate } = await import("./watched-gate.ts");
    return WatchedGate.start(options);
  }

  /** Serves `engine` from the next evaluation on; evaluations already running finish on the old one. */
  use(engine: PolicyEngine): void {
    this.loaded = { engine, constraints: new ConstraintResolver(engine.config) };
  }

  /** The policy revision now serving, or "" when none is loaded. */
  get revision(): string {
    return this.loaded?.engine.revision ?? "";
  }

  /** Decides one tool call and records it; resolves once the recorder has it (durably, per its mode). */
  async decide(call: ToolCall): Promise<Decision> {
    const { decision, input } = this.evaluate(call);
    await this.record({ call, input, decision });
    return decision;
  }

  /** Records an entry (e.g. the approval that followed a decision) through the gate's recorder, if any. */
  async record(entry: RecordedDecision): Promise<void> {
    if (this.recorder) await this.recorder.record(entry);
  }

  /** Decides one tool call synchronously, without recording it. */
  evaluate(call: ToolCall): Evaluation {
    const started = performance.now();
    const loaded = this.loaded;
    const revision = loaded?.engine.revision ?? "";
    const deny = (reason: Reason, args: Record<string, unknown> = EMPTY, encodedInput?: string): Evaluation =>
      evaluation(
        {
          decision_id: randomUUID(),
          effect: "deny",
          reasons: [reason],
          arguments: args,
          revision,
          duration_us: Math.round((performance.now() - started) * 1000),
        },
        encodedInput,
      );

    if (typeof call?.name !== "string" || typeof call.assistant_id !== "string" || !SURFACES.has(call.surface)) {
      return deny({
        code: GateReason.invalidToolCall,
        message: "a tool call needs a string name and assistant_id and a known surface",
      });
    }
    const parsed = parseArguments(call.arguments, this.limits);
    if (!parsed.ok) return deny(parsed.reason);
    const args = parsed.value;
    const schemaReason = this.schemas.check(call.name, args);
    if (schemaReason) return deny(schemaReason, args);
    if (!loaded) return deny({ code: GateReason.noPolicy, message: "no policy is loaded" }, args);

    let constraintsJson: string;
    let encoded: string;
    try {
      constraintsJson = loaded.constraints.resolveJson(call.assistant_id, call.name);
      encoded = inputDocumentJson(call, args, constraintsJson);
    } catch (err) {
      return deny({ code: GateReason.policyError, message: `building the input failed: ${describeThrown(err)}` }, args);
    }

    let result: unknown;
    try {
      result = loaded.engine.evaluateJson(encoded);
    } catch (err) {
      return deny({ code: GateReason.policyError, message: describeThrown(err) }, args, encoded);
    }
    const applied = applyPolicyDecision(result, args, call.name, this.schemas);
    if (!applied.ok) return deny(applied.reason, args, encoded);
    const { effect, reasons, approval } = applied.decision;
    const decision: Decision = {
      decision_id: randomUUID(),
      effect,
      reasons,
      arguments: applied.arguments,
      revision,
      duration_us: Math.round((performance.now() - started) * 1000),
    };
    if (approval) decision.approval = approval;
    return evaluation(decision, encoded);
  }
}

/**
 * The input document as JSON text, built from parts: the constraints are
 * cached as text and the arguments are re-encoded from the parsed value (never
 * the raw string, whose duplicate keys a different parser could read differently).
 */
export function inputDocumentJson(call: ToolCall, args: Record<string, unknown>, constraintsJson: string): string {
  const ids =
    (call.thread_id === undefined ? "" : `,"thread_id":${JSON.stringify(call.thread_id)}`) +
    (call.run_id === undefined ? "" : `,"run_id":${JSON.stringify(call.run_id)}`);
  return (
    `{"version":${INPUT_VERSION},"surface":${JSON.stringify(call.surface)},` +
    `"assistant_id":${JSON.stringify(call.assistant_id)}${ids},"call_id":${JSON.stringify(call.call_id ?? "")},` +
    `"tool":{"name":${JSON.stringify(call.name)},"type":"function"},` +
    `"arguments":${JSON.stringify(args)},"constraints":${constraintsJson},` +
    `"context":${JSON.stringify(call.context ?? {})}}`
  );
}
