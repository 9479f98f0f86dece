import type { Worker } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { readBundle } from "../policy/bundle.ts";
import type { PolicyConfig } from "../policy/config.ts";
import type { BudgetStore } from "../budget/budget-store.ts";
import { BudgetResolver } from "../policy/budget-config.ts";
import { ownEntryFile } from "../policy/package-files.ts";
import type { ApprovalOutcome } from "./approval-outcome.ts";
import type { UsageReading } from "./budget-charges.ts";
import { BudgetKeeper, type CallEnd } from "./budget-keeper.ts";
import type { Decider } from "./decider.ts";
import type { Decision } from "./decision.ts";
import { knownInputDocument, type BuiltInput, type InputDocument } from "./input-document.ts";
import { killSwitchDenial, type KillSwitchCheck } from "./kill-switch-check.ts";
import { DEFAULT_ARGUMENT_LIMITS, type ArgumentLimits } from "./parse-arguments.ts";
import { refusal, type Evaluation } from "./pipeline.ts";
import { GateReason } from "./reason-codes.ts";
import { redactForLog } from "./log-redaction.ts";
import { describedToolRef } from "./tool-ref.ts";
import type { DecisionRecorder, RecordedDecision } from "./recorder.ts";
import { ConstraintResolver } from "./resolve-constraints.ts";
import type { ToolCall, AnyToolDeclaration } from "./tool-call.ts";
import { declaredTools } from "./tool-declaration.ts";

export interface GatePoolOptions {
  /** The bundle every worker loads (build/bundle.tar.gz). */
  bundlePath: string;
  tools: readonly AnyToolDeclaration[];
  limits?: Partial<ArgumentLimits>;
  /** Decisions are recorded on the calling thread, in completion order. */
  recorder?: DecisionRecorder;
  /** Worker threads; default 2. */
  workers?: number;
  /** Kill switches (KillSwitchMonitor), checked on the calling thread before a call is sent to a worker. */
  killSwitch?: KillSwitchCheck;
  /** Where budget usage lives (see GateOptions.budgets); read and reserved on the calling thread. */
  budgets?: BudgetStore;
  clock?: () => number;
}

/** @internal messages between the pool and its workers */
export interface WorkerInit {
  bundlePath: string;
  tools: readonly AnyToolDeclaration[];
  limits?: Partial<ArgumentLimits>;
}
/** @internal */
export type WorkerRequest =
  | { kind: "decide"; id: number; call: ToolCall; withInput: boolean; usage?: UsageReading }
  | { kind: "load"; id: number; bundlePath: string };
/** @internal */
export type WorkerReply =
  | { kind: "ready"; revision: string }
  | { kind: "decided"; id: number; decision: Decision; input: InputDocument | undefined; inputJson?: string; argumentsJson?: string }
  | { kind: "loaded"; id: number; revision: string }
  | { kind: "load_failed"; id: number; message: string };

interface Pending {
  resolve: (reply: WorkerReply) => void;
  call?: ToolCall;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  alive: boolean;
  revision: string;
}

async function readResolvers(bundlePath: string): Promise<{ constraints: ConstraintResolver; budgets: BudgetResolver }> {
  const bundle = await readBundle(bundlePath);
  const config = (bundle.data.toolgate as { config?: PolicyConfig } | undefined)?.config;
  return { constraints: new ConstraintResolver(config), budgets: new BudgetResolver(config) };
}

const workerUrl = pathToFileURL(ownEntryFile("gate/gate-worker"));

/**
 * Gates on worker threads, for apps that want decisions off the main thread
 * or on more than one core. Each worker loads the bundle into its own WASM
 * instance (an instance is not reentrant). Fail closed: a call whose worker
 * dies, errors, or is gone is denied (policy_error); decide() never rejects.
 * A dead worker is replaced for later calls.
 */
export class GatePool implements Decider {
  private readonly options: GatePoolOptions;
  private readonly slots: Slot[] = [];
  /** The workers' argument limits, for the arguments a kill switch deny records. */
  private readonly limits: ArgumentLimits;
  private bundlePath: string;
  private nextId = 1;
  private closed = false;
  /** The bundle's constraints, read on this thread: which tools' records the log must redact. */
  private constraints: ConstraintResolver | undefined;
  /** While a reload runs, the incoming bundle's: a record is redacted when either revision says so. */
  private incoming: ConstraintResolver | undefined;
  /** The serving bundle's budgets, resolved here: usage is read and reserved on this thread. */
  private budgetRules: BudgetResolver | undefined;
  private readonly budgets: BudgetKeeper;
  /** node:worker_threads' Worker, imported by open(): importing the package does not load it. */
  private workerClass: typeof Worker | undefined;

  private constructor(options: GatePoolOptions) {
    // Workers get plain declarations (an Agents SDK tool() holds functions, which do not cross threads);
    // reading them here also makes a bad declaration a ToolDeclarationError before any worker starts.
    const tools: AnyToolDeclaration[] = declaredTools(options.tools).map(({ name, parameters }) => ({ type: "function", name, parameters }));
    this.options = { ...options, tools };
    this.limits = { ...DEFAULT_ARGUMENT_LIMITS, ...options.limits };
    this.bundlePath = options.bundlePath;
    this.budgets = new BudgetKeeper(options.budgets, options.clock);
  }

  /** Starts the workers; resolves when every one has loaded the bundle (rejects if one cannot). */
  static async open(options: GatePoolOptions): Promise<GatePool> {
    const pool = new GatePool(options);
    const count = Math.max(1, options.workers ?? 2);
    try {
      pool.workerClass = (await import("node:worker_threads")).Worker;
      ({ constraints: pool.constraints, budgets: pool.budgetRules } = await readResolvers(options.bundlePath));
      await Promise.all(Array.from({ length: count }, (_, i) => pool.start(i)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** The revision the workers serve ("" if none is alive). */
  get revision(): string {
    return this.slots.find((s) => s.alive)?.revision ?? "";
  }

  get size(): number {
    return this.slots.filter((s) => s.alive).length;
  }

  private start(index: number): Promise<void> {
    const init: WorkerInit = {
      bundlePath: this.bundlePath,
      tools: this.options.tools,
      limits: this.options.limits,
    };
    const worker = new this.workerClass!(workerUrl, { workerData: init });
    const slot: Slot = { worker, pending: new Map(), alive: false, revision: "" };
    this.slots[index] = slot;
    return new Promise<void>((resolve, reject) => {
      const fail = (message: string): void => {
        const wasAlive = slot.alive;
        slot.alive = false;
        for (const [id, pending] of slot.pending) pending.resolve(this.failure(id, pending.call, message));
        slot.pending.clear();
        if (!wasAlive) reject(new Error(`gate worker failed to start: ${message}`));
        else if (!this.closed) this.start(index).catch(() => undefined);
      };
      worker.on("message", (reply: WorkerReply) => {
        if (reply.kind === "ready") {
          slot.alive = true;
          slot.revision = reply.revision;
          resolve();
          return;
        }
        if (reply.kind === "loaded") slot.revision = reply.revision;
        const pending = slot.pending.get(reply.id);
        if (!pending) return;
        slot.pending.delete(reply.id);
        pending.resolve(reply);
      });
      worker.on("error", (err) => fail(`gate worker error: ${err.message}`));
      worker.on("exit", (code) => {
        if (slot.alive || slot.pending.size > 0 || !this.closed) fail(`gate worker exited (code ${code})`);
      });
    });
  }

  private failure(id: number, call: ToolCall | undefined, message: string): WorkerReply {
    if (!call) return { kind: "load_failed", id, message };
    return { kind: "decided", id, input: undefined, decision: refusal({ code: GateReason.policyError, message }, this.revision, performance.now()) };
  }

  /** The live worker with the fewest calls in flight. */
  private pick(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (slot?.alive && (!best || slot.pending.size < best.pending.size)) best = slot;
    }
    return best;
  }

  private send(slot: Slot, request: WorkerRequest, call?: ToolCall): Promise<WorkerReply> {
    return new Promise((resolve) => {
      slot.pending.set(request.id, { resolve, call });
      try {
        slot.worker.postMessage(request);
      } catch (err) {
        // E.g. a call that cannot be cloned (functions in context): deny it.
        slot.pending.delete(request.id);
        resolve(this.failure(request.id, call, `cannot send the request to a gate worker: ${String(err)}`));
      }
    });
  }

  /** Decides one call on a worker and records it; never rejects (fails closed). */
  async decide(call: ToolCall): Promise<Decision> {
    const recorder = this.options.recorder;
    const limits = { ...DEFAULT_ARGUMENT_LIMITS, ...this.options.limits };
    const evaluated = await this.budgets.decide(this.budgetRules, limits, this.revision, call, (usage) => this.ask(call, recorder !== undefined, usage));
    const { decision, built } = evaluated;
    if (recorder) {
      const recorded: RecordedDecision = { call, input: evaluated.input ?? knownInputDocument(call, decision.arguments), decision };
      if (built?.canonical) {
        recorded.inputJson = built.json;
        recorded.argumentsJson = built.argumentsJson;
      }
      await recorder.record(this.loggable(recorded));
    }
    return decision;
  }

  /** Decides one call on a worker without recording it or reserving budgets (a budgeted tool needs `usage`); never rejects. */
  evaluate(call: ToolCall, usage?: UsageReading): Promise<Evaluation> {
    return this.ask(call, false, usage);
  }

  /** Decides one call on a worker on the budgets' current usage, without recording it or reserving anything. */
  async preview(call: ToolCall): Promise<Evaluation> {
    const usage = await this.budgets.peek(this.budgetRules, { ...DEFAULT_ARGUMENT_LIMITS, ...this.options.limits }, call);
    return this.ask(call, false, usage);
  }

  /** Settles (the tool ran) or releases what `decision` reserved of its budgets. */
  finish(decision: Decision, how: CallEnd): Promise<void> {
    return this.budgets.end(decision, how);
  }

  async recordApproval(call: ToolCall, decision: Decision, approval: ApprovalOutcome): Promise<void> {
    await this.options.recorder?.record(this.loggable({ call, input: knownInputDocument(call, decision.arguments), decision, approval }));
  }

  /** Secrets redacted as the in-process Gate does (every record of a tool with redact_secrets). */
  private loggable(recorded: RecordedDecision): RecordedDecision {
    const resolve = (r: ConstraintResolver | undefined) => r?.resolve(String(recorded.call.assistant_id), describedToolRef(recorded.call));
    const current = resolve(this.constraints);
    const incoming = resolve(this.incoming);
    const constraints = incoming && Object.hasOwn(incoming, "redact_secrets") ? incoming : (current ?? { redact_secrets: [] });
    return redactForLog(recorded, constraints);
  }

  private async ask(call: ToolCall, withInput: boolean, usage?: UsageReading): Promise<Evaluation> {
    const killSwitch = this.options.killSwitch;
    const killed = killSwitch && killSwitchDenial(killSwitch, call, this.limits);
    if (killed) return { decision: refusal(killed.reason, this.revision, performance.now(), killed.args), input: undefined };
    const id = this.nextId++;
    const slot = this.closed ? undefined : this.pick();
    const reply = slot
      ? await this.send(slot, { kind: "decide", id, call, withInput, ...(usage === undefined ? {} : { usage }) }, call)
      : this.failure(id, call, this.closed ? "the gate pool is closed" : "no gate worker is running");
    if (reply.kind !== "decided") throw new Error(`unexpected worker reply ${reply.kind}`);
    const { decision, input, inputJson, argumentsJson } = reply;
    // The worker's canonical text of its document (see gate-worker.ts): what the policy read, for the log to splice.
    const built: BuiltInput | undefined =
      input === undefined ? undefined : inputJson === undefined ? undefined : { json: inputJson, canonical: true, document: input, ...(argumentsJson === undefined ? {} : { argumentsJson }) };
    return { decision, input, ...(built ? { built } : {}) };
  }

  /** Loads another bundle into every worker (each swaps after its in-flight calls); rejects if one cannot load it. */
  async reload(bundlePath: string): Promise<void> {
    const incoming = await readResolvers(bundlePath);
    this.incoming = incoming.constraints;
    this.bundlePath = bundlePath;
    const replies = await Promise.all(
      this.slots.filter((s) => s.alive).map((slot) => {
        const id = this.nextId++;
        return this.send(slot, { kind: "load", id, bundlePath });
      }),
    );
    const failed = replies.find((r) => r.kind === "load_failed");
    if (failed && failed.kind === "load_failed") throw new Error(failed.message);
    this.constraints = this.incoming;
    this.budgetRules = incoming.budgets;
    this.incoming = undefined;
  }

  /** Terminates the workers; calls still in flight are denied. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.filter(Boolean).map((slot) => slot.worker.terminate()));
    await this.budgets.close();
  }
}
