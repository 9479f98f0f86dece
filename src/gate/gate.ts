import type { BudgetStore } from "../budget/budget-store.ts";
import { PolicyEngine } from "../policy/engine.ts";
import type { ApprovalOutcome } from "./approval-outcome.ts";
import type { UsageReading } from "./budget-charges.ts";
import { BudgetKeeper, type CallEnd } from "./budget-keeper.ts";
import type { Decider } from "./decider.ts";
import type { Decision } from "./decision.ts";
import { knownInput, knownInputDocument } from "./input-document.ts";
import type { KillSwitchCheck } from "./kill-switch-check.ts";
import type { ArgumentLimits } from "./parse-arguments.ts";
import { DecisionPipeline, LoadedRevision, type Evaluation } from "./pipeline.ts";
import { redactForLog } from "./log-redaction.ts";
import { describedToolRef } from "./tool-ref.ts";
import type { DecisionRecorder, RecordedDecision } from "./recorder.ts";
import type { ToolCall, AnyToolDeclaration } from "./tool-call.ts";

/** The constraints assumed for logging when no policy says what a tool's are. */
const UNKNOWN_TOOL: Readonly<Record<string, unknown>> = Object.freeze({ redact_secrets: [] });

export interface GateOptions {
  /** The tools the app offers the model, in OpenAI function-tool format. */
  tools: readonly AnyToolDeclaration[];
  limits?: Partial<ArgumentLimits>;
  recorder?: DecisionRecorder;
  /** Kill switches (KillSwitchMonitor): a killed assistant or tool is denied (`killed`) before anything else. */
  killSwitch?: KillSwitchCheck;
  /**
   * Where budget usage lives (openBudgetStore: an SQLite file, or PostgreSQL
   * shared by every instance). Default: in memory, correct for this process only.
   */
  budgets?: BudgetStore;
  /** Milliseconds since the epoch for budget windows; Date.now by default. */
  clock?: () => number;
}

/**
 * Decides tool calls in-process, through the decision pipeline on the loaded
 * revision. Fail closed: whatever goes wrong on the way to a decision (bad
 * arguments, schema violation, no policy, an engine error, a malformed
 * decision) yields a deny with a reason code; evaluate() never throws.
 */
export class Gate implements Decider {
  private loaded: LoadedRevision | undefined;
  private readonly pipeline: DecisionPipeline;
  private readonly recorder: DecisionRecorder | undefined;
  private readonly budgets: BudgetKeeper;

  constructor(engine: PolicyEngine | undefined, options: GateOptions) {
    this.pipeline = new DecisionPipeline(options);
    this.recorder = options.recorder;
    this.budgets = new BudgetKeeper(options.budgets, options.clock);
    if (engine) this.use(engine);
  }

  /** A gate serving the bundle at `bundlePath` (throws BundleLoadError if it cannot be loaded). */
  static async open(bundlePath: string, options: GateOptions): Promise<Gate> {
    return new Gate(await PolicyEngine.open(bundlePath), options);
  }

  /** Serves `engine` from the next evaluation on; evaluations already running finish on the old one. */
  use(engine: PolicyEngine): void {
    this.loaded = new LoadedRevision(engine);
  }

  /** The policy revision now serving, or "" when none is loaded. */
  get revision(): string {
    return this.loaded?.engine.revision ?? "";
  }

  /** Decides one tool call and records it; resolves once the recorder has it (durably, per its mode). */
  async decide(call: ToolCall): Promise<Decision> {
    const loaded = this.loaded;
    const { decision, built } = await this.budgets.decide(loaded?.budgets, this.pipeline.limits, this.revision, call, (usage, parsed) =>
      this.pipeline.decide(loaded, call, undefined, usage, parsed),
    );
    if (this.recorder) {
      const input = built ?? knownInput(call, decision.arguments);
      const recorded: RecordedDecision = { call, input: input.document, decision };
      if (input.canonical) {
        recorded.inputJson = input.json;
        recorded.argumentsJson = input.argumentsJson;
      }
      // The constraints the policy decided with are in the document it saw, resolved already; after a
      // reload the serving revision's are resolved again (it may have added redact_secrets).
      await this.recorder.record(this.loggable(recorded, loaded === this.loaded ? built?.document.constraints : undefined));
    }
    return decision;
  }

  async recordApproval(call: ToolCall, decision: Decision, approval: ApprovalOutcome): Promise<void> {
    if (this.recorder) await this.recorder.record(this.loggable({ call, input: knownInputDocument(call, decision.arguments), decision, approval }));
  }

  /**
   * The record as the log may keep it: secrets redacted when the tool has
   * redact_secrets, whatever the effect (and always while no policy is loaded,
   * since then nothing says the tool has none).
   */
  private loggable(recorded: RecordedDecision, constraints?: Readonly<Record<string, unknown>>): RecordedDecision {
    const resolved =
      constraints ?? (this.loaded ? this.loaded.constraints.resolve(String(recorded.call.assistant_id), describedToolRef(recorded.call)) : UNKNOWN_TOOL);
    return redactForLog(recorded, resolved);
  }

  /**
   * Decides one tool call synchronously, without recording it or reserving
   * budgets. A tool with budgets needs `usage` ("fresh": nothing used yet), else it is denied (budget_unavailable).
   */
  evaluate(call: ToolCall, usage?: UsageReading): Evaluation {
    return this.pipeline.decide(this.loaded, call, undefined, usage);
  }

  /** Decides one call on the budgets' current usage, without recording it or reserving anything. */
  async preview(call: ToolCall): Promise<Evaluation> {
    const loaded = this.loaded;
    const usage = await this.budgets.peek(loaded?.budgets, this.pipeline.limits, call);
    return this.pipeline.decide(loaded, call, undefined, usage);
  }

  /** Settles (the tool ran) or releases what `decision` reserved of its budgets. */
  finish(decision: Decision, how: CallEnd): Promise<void> {
    return this.budgets.end(decision, how);
  }

  /** Closes the budget store. */
  async close(): Promise<void> {
    await this.budgets.close();
  }
}
