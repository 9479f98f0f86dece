import { randomUUID } from "node:crypto";
import type { PolicyEngine } from "../policy/engine.ts";
import { describeThrown } from "../policy/errors.ts";
import { BudgetResolver } from "../policy/budget-config.ts";
import { applyPolicyDecision } from "./apply-policy-decision.ts";
import { planCharges, usageDocumentJson, type UsageJson, type UsageReading } from "./budget-charges.ts";
import type { Decision, Reason } from "./decision.ts";
import { buildInputDocument, constraintsJson, type BuiltInput, type InputDocument } from "./input-document.ts";
import { killSwitchDenial, type KillSwitchCheck } from "./kill-switch-check.ts";
import { DEFAULT_ARGUMENT_LIMITS, parseArguments, type ArgumentLimits, type ParsedArguments } from "./parse-arguments.ts";
import { GateReason } from "./reason-codes.ts";
import { ConstraintResolver, overlayConstraints } from "./resolve-constraints.ts";
import { SURFACES, type ToolCall, type AnyToolDeclaration } from "./tool-call.ts";
import { toolRef } from "./tool-ref.ts";
import { ToolSchemas } from "./tool-schemas.ts";

export interface Evaluation {
  decision: Decision;
  /** The input document the policy saw; undefined when the call was refused before evaluation. */
  readonly input: InputDocument | undefined;
  /** The same as the policy read it (its JSON text), for the recorder; undefined when refused before evaluation. */
  readonly built?: BuiltInput;
}

/**
 * Plain data members, no getter: an object literal with an accessor drags its
 * closure (and through it the whole decision: input text, document, result)
 * into survival at every scavenge and on into the old generation, where it
 * lingers until a full collection (measured: ~8% of a decision's allocations
 * promoted; none with data members).
 */
function evaluation(decision: Decision, built?: BuiltInput): Evaluation {
  return { decision, built, input: built?.document };
}

/** Constraints laid over what toolgate.yaml resolves for a call, key by key; null removes one (a test case's). */
export type ConstraintOverlay = Readonly<Record<string, unknown>>;

/** One policy revision and what is derived from it; swapped as a whole. */
export class LoadedRevision {
  readonly engine: PolicyEngine;
  readonly constraints: ConstraintResolver;
  readonly budgets: BudgetResolver;

  constructor(engine: PolicyEngine) {
    this.engine = engine;
    this.constraints = new ConstraintResolver(engine.config);
    this.budgets = new BudgetResolver(engine.config);
  }

  get revision(): string {
    return this.engine.revision;
  }
}

const SURFACE_SET: ReadonlySet<string> = new Set(SURFACES);

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** A deny the gate makes itself (no policy ran, or its answer was unusable). */
export function refusal(reason: Reason, revision: string, started: number, args: Record<string, unknown> = EMPTY): Decision {
  return {
    decision_id: randomUUID(),
    effect: "deny",
    reasons: [reason],
    arguments: args,
    revision,
    duration_us: Math.round((performance.now() - started) * 1000),
  };
}

export interface PipelineOptions {
  /** The tools the app offers the model; without them (replay without --tools) no schema is checked. */
  tools?: readonly AnyToolDeclaration[];
  limits?: Partial<ArgumentLimits>;
  /** Killed assistants and tools (src/killswitch): checked before anything else is read from the call. */
  killSwitch?: KillSwitchCheck;
}

/**
 * The one way a tool call is decided, used by the Gate, the GatePool's
 * workers, replay, `policy test` and `policy watch`: call shape -> arguments
 * parsed within limits -> tool schema -> constraints (plus an overlay) ->
 * input document -> policy -> decision checked and applied. Fail closed: any
 * error on the way is a deny with a reason code; decide() never throws.
 */
export class DecisionPipeline {
  readonly schemas: ToolSchemas | undefined;
  readonly limits: ArgumentLimits;
  private readonly killSwitch: KillSwitchCheck | undefined;

  constructor(options: PipelineOptions) {
    this.schemas = options.tools ? new ToolSchemas(options.tools) : undefined;
    this.limits = { ...DEFAULT_ARGUMENT_LIMITS, ...options.limits };
    this.killSwitch = options.killSwitch;
  }

  /**
   * Decides a call as the model sent it (raw argument string) on `loaded`.
   * `usage`: what the call's budgets have used (the Gate reads the store); a
   * budgeted call without it is denied (budget_unavailable). `parsedArguments`:
   * what parseArguments made of `call.arguments` with this pipeline's limits,
   * when the caller has it already (the budget keeper); not parsed again.
   */
  decide(
    loaded: LoadedRevision | undefined,
    call: ToolCall,
    overlay?: ConstraintOverlay,
    usage?: UsageReading,
    parsedArguments?: Extract<ParsedArguments, { ok: true }>,
  ): Evaluation {
    const started = performance.now();
    const revision = loaded?.engine.revision ?? "";
    if (typeof call?.name !== "string" || typeof call.assistant_id !== "string" || !SURFACE_SET.has(call.surface)) {
      return evaluation(
        refusal({ code: GateReason.invalidToolCall, message: "a tool call needs a string name and assistant_id and a known surface" }, revision, started),
      );
    }
    const ref = toolRef(call);
    if (!ref.ok) return evaluation(refusal(ref.reason, revision, started));
    const killed = this.killSwitch && killSwitchDenial(this.killSwitch, call, this.limits);
    if (killed) return evaluation(refusal(killed.reason, revision, started, killed.args));
    const parsed = parsedArguments ?? parseArguments(call.arguments, this.limits);
    if (!parsed.ok) return evaluation(refusal(parsed.reason, revision, started));
    return this.decideParsed(loaded, call, parsed.value, overlay, started, usage, parsed.canonical);
  }

  /**
   * Decides a call whose arguments are already parsed (a recorded input), from the schema check on.
   * `argumentsJson`: the canonical JSON text of `args` when known (the raw text, when it is that), not encoded again.
   */
  decideParsed(
    loaded: LoadedRevision | undefined,
    call: ToolCall,
    args: Record<string, unknown>,
    overlay?: ConstraintOverlay,
    started: number = performance.now(),
    usage?: UsageReading,
    argumentsJson?: string,
  ): Evaluation {
    const revision = loaded?.engine.revision ?? "";
    const ref = toolRef(call);
    if (!ref.ok) return evaluation(refusal(ref.reason, revision, started, args));
    const tool = ref.ref;
    // The declarations are the app's function tools; a hosted MCP tool's schema lives on its server.
    const schemas = tool.type === "function" ? this.schemas : undefined;
    const schemaReason = schemas?.check(tool.name, args);
    if (schemaReason) return evaluation(refusal(schemaReason, revision, started, args));
    if (!loaded) return evaluation(refusal({ code: GateReason.noPolicy, message: "no policy is loaded" }, revision, started, args));

    let built: BuiltInput;
    try {
      const constraints = overlay
        ? constraintsJson(overlayConstraints(loaded.constraints.resolve(call.assistant_id, tool), overlay))
        : loaded.constraints.resolveJson(call.assistant_id, tool);
      // Budgets (function tools only): the usage goes into the input; none is never read as zero.
      let usageJson: UsageJson | undefined;
      const budgets = tool.type === "function" ? loaded.budgets.resolve(call.assistant_id, tool.name) : [];
      if (budgets.length > 0) {
        const plan = planCharges(budgets, call, args);
        if (!plan.ok) return evaluation(refusal(plan.reason, revision, started, args));
        usageJson = usage === undefined ? undefined : usageDocumentJson(plan.charges, usage);
        if (usageJson === undefined) {
          return evaluation(refusal({ code: GateReason.budgetUnavailable, message: "the usage of this tool's budgets is not known" }, revision, started, args));
        }
      }
      built = buildInputDocument(call, args, constraints, tool, usageJson, argumentsJson);
    } catch (err) {
      return evaluation(refusal({ code: GateReason.policyError, message: `building the input failed: ${describeThrown(err)}` }, revision, started, args));
    }

    let result: unknown;
    try {
      result = loaded.engine.evaluateJson(built.json);
    } catch (err) {
      return evaluation(refusal({ code: GateReason.policyError, message: describeThrown(err) }, revision, started, args), built);
    }
    const applied = applyPolicyDecision(result, args, tool.name, schemas);
    if (!applied.ok) return evaluation(refusal(applied.reason, revision, started, args), built);
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
    return evaluation(decision, built);
  }
}
