import { randomUUID } from "node:crypto";
import { approvalRequest, type ApprovalNotifier, type ApprovalResponse, type Approver } from "../approval/approver.ts";
import { approvalBinding, sameArguments } from "../approval/binding.ts";
import { ApprovalError, ApprovalStateError } from "../approval/errors.ts";
import { ApprovalLedger } from "../approval/ledger.ts";
import { describeThrown, readApprovalResponse } from "../approval/read-response.ts";
import type { ApprovalStore, StoredApproval } from "../approval/store/approval-store.ts";
import type { ApprovalOutcome } from "../gate/approval-outcome.ts";
import type { Decider } from "../gate/decider.ts";
import type { Evaluation } from "../gate/pipeline.ts";
import type { Decision, Reason } from "../gate/decision.ts";
import type { ToolCall } from "../gate/tool-call.ts";
import { parkedTurnOf, type ParkedTurn } from "./parked-turn.ts";

/** What a tool implementation gets besides its arguments. */
export interface ToolContext {
  readonly call: ToolCall;
  /** The decision that let it run (for an approver's modified arguments: the re-check). */
  readonly decision: Decision;
  readonly approval: ApprovalOutcome | undefined;
}

/** A tool implementation: arguments are the decision's effective ones. A string result goes to the model as is, anything else as JSON. */
export type ToolFunction = (args: Record<string, unknown>, context: ToolContext) => unknown;

export type ToolMap = Readonly<Record<string, ToolFunction>>;

/** Codes the guard adds to what the model is told, beyond the policy's own reason codes. */
export const GuardReason = {
  approvalRejected: "approval_rejected",
  approvalTimedOut: "approval_timed_out",
  approvalFailed: "approval_failed",
  approvalUnavailable: "approval_unavailable",
  /** The approver's modified arguments were denied by the policy. */
  modificationDenied: "approval_modification_denied",
  /** The approver's modified arguments need an approval of their own (see ToolGuard). */
  modificationNeedsApproval: "approval_modification_needs_approval",
  toolError: "tool_error",
  toolNotImplemented: "tool_not_implemented",
} as const;

/** The result of one tool call, for the app and its logs. */
export interface CallOutcome {
  readonly call: ToolCall;
  /** The gate's decision on the call as the model sent it. */
  readonly decision: Decision;
  /** The gate's decision on an approver's modified arguments. */
  readonly recheck?: Decision;
  readonly approval?: ApprovalOutcome;
  /**
   * `ran`: the tool returned; `denied`: policy or approver said no; `error`: the tool threw or is missing;
   * `delegated`: approved for a tool that runs elsewhere (hosted MCP), nothing ran here.
   */
  readonly status: "ran" | "denied" | "error" | "delegated";
  /** The arguments the tool ran with, when it ran (or threw). */
  readonly arguments?: Record<string, unknown>;
  /** What the model is told. */
  readonly output: string;
}

/** Something worth an audit entry beyond the decision record itself. */
export type GuardEvent =
  | { readonly type: "tool_error"; readonly call: ToolCall; readonly decision: Decision; readonly error: unknown }
  /** A require_approval call was stored in the approval store instead of waited for; `error` when notifying failed. */
  | { readonly type: "parked"; readonly call: ToolCall; readonly decision: Decision; readonly approvalId: string; readonly error?: unknown }
  | { readonly type: "approval"; readonly call: ToolCall; readonly decision: Decision; readonly approval: ApprovalOutcome; readonly error?: unknown };

export interface ToolGuardOptions {
  /** What decides the calls: a Gate, a WatchedGate or a GatePool. */
  gate: Decider;
  /** Your tool implementations by name; only what the policy lets through runs. */
  tools: ToolMap;
  /** Asked on require_approval. Without one, such calls are denied. */
  approver?: Approver;
  /**
   * The assistant id the policy sees on surfaces without one (Responses, Chat
   * Completions, Agents): your name for this assistant, so per-assistant
   * rules apply. Assistants runs always use the Run's assistant_id. Default "default".
   */
  assistantId?: string;
  /** Added to every call's input document as `context` (user, tenant, environment). */
  context?: Record<string, unknown>;
  /**
   * Durable approvals (SQLite or PostgreSQL, openApprovalStore). With a store
   * and no approver (or `park: true`), a require_approval call is parked: stored
   * with what its run needs to continue, and the surface's run loop returns
   * instead of waiting. Decide it in the store (the inbox, `store.decide`), then
   * resume the run, in this process or another, with the surface's resume function.
   */
  approvalStore?: ApprovalStore;
  /** Park require_approval calls even when an approver is configured. Default: park when there is an approvalStore and no approver. */
  park?: boolean;
  /** Told about each parked approval (WebhookApprover posts the review request with the inbox link). Its failure leaves the call parked. */
  notifier?: ApprovalNotifier;
  /** Longest wait for an approver, in ms; the policy's `timeout_seconds` hint can shorten it. Default 10 minutes. */
  approvalTimeoutMs?: number;
  /** What the model is told when an approval is rejected or times out. */
  rejectionMessage?: string;
  onEvent?: (event: GuardEvent) => void;
}

/** The seed's wording for a rejected approval. */
export const DEFAULT_REJECTION_MESSAGE = "Security system denied this specific action.";
const DEFAULT_APPROVAL_TIMEOUT_MS = 10 * 60 * 1000;
/** What the timeout resolves to: no answer an approver can give is equal to it. */
const TIMED_OUT: unique symbol = Symbol("approval timed out");

/** Either the tool may run with these arguments, or the model gets this refusal, or (parking guards) a person must decide first. */
export type Authorization =
  | { readonly kind: "run"; readonly arguments: Record<string, unknown>; readonly decision: Decision; readonly recheck?: Decision; readonly approval?: ApprovalOutcome }
  | { readonly kind: "refused"; readonly outcome: CallOutcome }
  | { readonly kind: "park"; readonly decision: Decision };

/** One call of a turn a run loop parks: the call and its require_approval decision. */
export interface ParkingCall {
  readonly call: ToolCall;
  readonly decision: Decision;
}

/** What resumeTurn found: the turn waits for a person still, another resume took it, or here is how each parked call ends. */
export type TurnResumption =
  | { readonly status: "pending"; readonly pending: readonly string[] }
  | { readonly status: "resumed_elsewhere" }
  | {
      readonly status: "resumed";
      /** The surface's continuation data given to parkTurn. */
      readonly data: unknown;
      /** The parked calls in the order given to parkTurn: run each "run" authorization once (execute), answer the refused ones with their output. */
      readonly calls: readonly { readonly approvalId: string; readonly call: ToolCall; readonly authorization: Exclude<Authorization, { kind: "park" }> }[];
    };

/**
 * Applies the gate's decisions to tool calls: runs allowed calls once with the
 * effective arguments, refuses denied ones with an output the model can react
 * to, and routes require_approval through the Approver. The surface adapters
 * only translate between their wire format and ToolCall / CallOutcome.
 *
 * Approver-modified arguments go through the full gate again. If the policy
 * then wants approval again for arguments that differ from those approved, the
 * call is denied rather than re-asked: the approver approved other arguments,
 * and asking in a loop would let a modification walk past the policy one
 * approval at a time. Identical arguments are not a modification.
 */
export class ToolGuard {
  readonly gate: Decider;
  readonly assistantId: string;
  readonly context: Record<string, unknown> | undefined;
  readonly #options: ToolGuardOptions;
  readonly #ledger = new ApprovalLedger();

  constructor(options: ToolGuardOptions) {
    this.#options = options;
    this.gate = options.gate;
    this.assistantId = options.assistantId ?? "default";
    this.context = options.context;
  }

  /** Decides every call of one model turn together; outcomes come back in call order. */
  handleAll(calls: readonly ToolCall[]): Promise<CallOutcome[]> {
    return Promise.all(calls.map((call) => this.handle(call)));
  }

  /** Decides one call and applies the decision. Never throws for a tool's or an approver's failure. */
  async handle(call: ToolCall): Promise<CallOutcome> {
    const authorization = await this.authorize(call);
    switch (authorization.kind) {
      case "run":
        return this.#run(call, authorization);
      case "refused":
        return authorization.outcome;
      case "park":
        return this.refuseUnparkable(call, authorization.decision);
    }
  }

  /**
   * The answer for a call that needs a person, reached where nothing can park
   * it (handle, gateResponse, gateChatCompletion, gateRequiredAction, an
   * inline Agents tool): denied as approval_unavailable. Only a run loop that
   * can stop parks (respondWithGate, chatWithGate, pollWithGate,
   * streamWithGate, runAgentWithParking).
   */
  async refuseUnparkable(call: ToolCall, decision: Decision): Promise<CallOutcome> {
    const { record } = await this.#settle(call, decision, { status: "unavailable", note: "this call needs a person and was reached outside a run loop that can park it" });
    return refused(call, decision, rejection(this.#rejectionMessage, record), record).outcome;
  }

  /**
   * Tells the gate how a call it let through ended, for its budgets: "ran"
   * settles the reservation, "not_run" releases it. Every path that does not
   * run the tool after an allow/sanitize/require_approval decision releases.
   */
  async #finish(decision: Decision | undefined, how: "ran" | "not_run"): Promise<void> {
    if (decision === undefined || decision.effect === "deny") return;
    try {
      await this.gate.finish?.(decision, how);
    } catch {
      // finish never throws by contract; an unsettled reservation expires.
    }
  }

  /**
   * Reports how a call `authorize()` let through ended when the app ran it
   * itself: "ran" settles its budget reservation, "not_run" releases it.
   * (handle() does this on its own.) Without it the reservation counts until
   * it expires (reservation_seconds) and then no longer does.
   */
  async finish(authorization: Authorization, how: "ran" | "not_run"): Promise<void> {
    if (authorization.kind === "run") await this.#finish(authorization.recheck ?? authorization.decision, how);
  }

  /** Decides one call, asking the approver if needed, without running anything. */
  async authorize(call: ToolCall): Promise<Authorization> {
    const decision = await this.gate.decide(this.#withContext(call));
    switch (decision.effect) {
      case "allow":
      case "sanitize":
        return { kind: "run", arguments: decision.arguments, decision };
      case "deny":
        return refused(call, decision, denial(decision.reasons));
      case "require_approval":
        return this.#approve(call, decision);
    }
  }

  /**
   * Decides and answers every call of one model turn, like handleAll; with a
   * parking guard, a call that needs a person comes back as `park` (nothing
   * ran, no output yet) for the run loop to hand to parkTurn.
   */
  handleTurn(calls: readonly ToolCall[]): Promise<({ readonly outcome: CallOutcome } | { readonly park: ParkingCall })[]> {
    return Promise.all(
      calls.map(async (call) => {
        const authorization = await this.authorize(call);
        switch (authorization.kind) {
          case "run":
            return { outcome: await this.#run(call, authorization) };
          case "refused":
            return { outcome: authorization.outcome };
          case "park":
            return { park: { call, decision: authorization.decision } };
        }
      }),
    );
  }

  /** The store parked calls go to, when the guard has one. */
  get approvalStore(): ApprovalStore | undefined {
    return this.#options.approvalStore;
  }

  /** Whether require_approval calls are parked in the approval store rather than waited for. */
  get parks(): boolean {
    return this.#options.approvalStore !== undefined && (this.#options.park ?? this.#options.approver === undefined);
  }

  /**
   * Stores the calls of one model turn that need a person, with `data` (what
   * the surface's run loop needs to continue: ids, history, the outputs of the
   * turn's other calls). Returns their approval ids in the given order; the
   * first one is the turn's lead, which carries `data`. A store failure
   * throws: the caller refuses the calls (nothing ran for them).
   */
  async parkTurn(parking: readonly ParkingCall[], data: unknown, options: { expiresAt?: Date } = {}): Promise<string[]> {
    const store = this.#store("park a call");
    const ids = parking.map(() => randomUUID());
    const lead = ids[0];
    if (lead === undefined) return [];
    // A parked call does not run now: what its decision reserved of budgets is given back; it is decided (and reserved) again when resumed.
    for (const { decision } of parking) await this.#finish(decision, "not_run");
    const limit = this.#options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    for (const [i, { call, decision }] of parking.entries()) {
      const hinted = decision.approval?.timeout_seconds;
      const timeoutMs = typeof hinted === "number" && hinted > 0 ? Math.min(hinted * 1000, limit) : limit;
      const expiresAt = new Date(Math.min(Date.now() + timeoutMs, options.expiresAt?.getTime() ?? Infinity));
      const id = ids[i]!;
      const turn: ParkedTurn = { lead, approvals: ids, decision_id: decision.decision_id, ...(i === 0 ? { data } : {}) };
      const request = approvalRequest(call, decision, approvalBinding(call, decision.arguments), new AbortController().signal);
      await store.create({
        id,
        binding: request.binding,
        call,
        arguments: decision.arguments,
        reasons: decision.reasons,
        hint: decision.approval,
        summary: request.summary,
        revision: decision.revision,
        expiresAt,
        resume: { toolgate_parked_turn: turn },
      });
      let error: unknown;
      try {
        await this.#options.notifier?.notify({ ...request, approvalId: id, expiresAt: expiresAt.toISOString() });
      } catch (err) {
        error = err;
      }
      this.#emit({ type: "parked", call, decision, approvalId: id, ...(error === undefined ? {} : { error }) });
    }
    return ids;
  }

  /**
   * parkTurn, failing closed: when the store cannot take the calls, each is
   * refused (approval_failed, the store's error in the outcome's note and a
   * parked-less approval event) and the run loop answers the model with that
   * instead of parking. Nothing of theirs ran.
   */
  async parkOrRefuse(parking: readonly ParkingCall[], data: unknown, options: { expiresAt?: Date } = {}): Promise<{ approvalIds: string[] } | { refused: CallOutcome[] }> {
    try {
      return { approvalIds: await this.parkTurn(parking, data, options) };
    } catch (error) {
      const refusals: CallOutcome[] = [];
      for (const { call, decision } of parking) {
        const { record } = await this.#settle(call, decision, { status: "failed", note: `the approval store could not park the call: ${describeThrown(error)}` }, { error });
        refusals.push(refused(call, decision, rejection(this.#rejectionMessage, record), record).outcome);
      }
      return { refused: refusals };
    }
  }

  /**
   * Continues a turn parked by parkTurn, named by any of its approval ids, in
   * this process or another one on the same store. While any of the turn's
   * approvals is pending (and unexpired) nothing happens. Otherwise exactly one
   * caller across all instances claims the turn (store.claimResume on the lead);
   * every other gets `resumed_elsewhere`. For each call: approved -> consumed
   * (store.consume: at most once, ever) and decided again by the gate on the
   * stored call (a policy that now denies it wins; the binding must still
   * match), then the approver's modified arguments are re-checked as in the
   * waiting flow; rejected -> the rejection; expired -> timed out. Each outcome
   * is recorded against the decision that parked the call.
   * `grant: true` also grants the approval in this guard's ledger, for run
   * loops whose framework executes the call itself (Agents SDK).
   */
  async resumeTurn(approvalId: string, options: { now?: Date; grant?: boolean } = {}): Promise<TurnResumption> {
    const store = this.#store("resume a parked call");
    const now = options.now ?? new Date();
    const named = await store.get(approvalId);
    if (named === undefined) throw new ApprovalStateError("approval_not_found", `No approval ${approvalId} in the store.`);
    const turn = parkedTurnOf(named);
    await store.expire(now);
    const rows: StoredApproval[] = [];
    for (const id of turn.approvals) {
      const row = await store.get(id);
      if (row === undefined) throw new ApprovalStateError("approval_not_resumable", `Approval ${id} of the turn parked with ${approvalId} is missing from the store.`);
      // Every approval of a turn names the same turn: one run's approval is never consumed by another run's resume.
      if (parkedTurnOf(row).lead !== turn.lead) throw new ApprovalStateError("approval_not_resumable", `Approval ${id} belongs to another parked turn than ${approvalId}.`);
      rows.push(row);
    }
    const pending = rows.filter((r) => r.state === "pending").map((r) => r.id);
    if (pending.length > 0) return { status: "pending", pending };
    const lead = await store.claimResume(turn.lead, now);
    if (lead === undefined) return { status: "resumed_elsewhere" };
    const data = parkedTurnOf(lead).data;
    const calls = [];
    for (const row of rows) {
      calls.push({ approvalId: row.id, call: row.call, authorization: await this.#resumeCall(store, row, parkedTurnOf(row).decision_id, now, options.grant === true) });
    }
    return { status: "resumed", data, calls };
  }

  /** Runs an authorized call once with its effective arguments. */
  execute(call: ToolCall, authorization: Extract<Authorization, { kind: "run" }>): Promise<CallOutcome> {
    return this.#run(call, authorization);
  }

  /**
   * Asks the approver ahead of execution and, if approved, records a grant that
   * the next execution of exactly this call (id and arguments) consumes. For
   * flows that pause the run for approval (Agents SDK interruptions).
   */
  async preapprove(call: ToolCall): Promise<ApprovalOutcome> {
    const { decision } = await this.#preview(this.#withContext(call));
    if (decision.effect !== "require_approval") return { status: "approved", note: `the policy decided ${decision.effect}` };
    const { record, response } = await this.#ask(call, decision);
    if (response?.status === "approved") this.#ledger.grant(approvalBinding(call, decision.arguments), response);
    return record;
  }

  /** Whether the policy would want a human for this call now (no audit record: the execution records). */
  async needsApproval(call: ToolCall): Promise<boolean> {
    return (await this.#preview(this.#withContext(call))).decision.effect === "require_approval";
  }

  /** The gate's answer now (budgets at their current usage), nothing recorded or reserved. */
  #preview(call: ToolCall): Promise<Evaluation> {
    return this.gate.preview ? this.gate.preview(call) : Promise.resolve(this.gate.evaluate(call));
  }

  /** What the model is told when an approval ended other than approved. */
  rejectionOutput(record: ApprovalOutcome): string {
    return rejection(this.#rejectionMessage, record);
  }

  #withContext(call: ToolCall): ToolCall {
    return this.context === undefined || call.context !== undefined ? call : { ...call, context: this.context };
  }

  async #approve(call: ToolCall, decision: Decision): Promise<Authorization> {
    const granted = this.#ledger.take(approvalBinding(call, decision.arguments));
    let response: ApprovalResponse | undefined = granted;
    let record: ApprovalOutcome;
    if (granted) {
      record = recordOf(granted);
    } else if (this.parks) {
      return { kind: "park", decision };
    } else {
      ({ record, response } = await this.#ask(call, decision));
      if (response?.status === "approved") {
        // The fresh decision reserves budgets on its own: what this one reserved is given back.
        await this.#finish(decision, "not_run");
        return this.#decideAgain(call, approvalBinding(call, decision.arguments), response, record);
      }
    }
    if (response?.status !== "approved") {
      await this.#finish(decision, "not_run");
      return refused(call, decision, rejection(this.#rejectionMessage, record), record);
    }
    return this.#applyApproval(call, decision, response, record);
  }

  /**
   * After a wait for a human (a live approver or a parked approval), the call
   * is decided again on the revision serving now: a kill switch, a tightened
   * policy or a spent budget that came meanwhile wins over the approval. The
   * approval still answers only its binding.
   */
  async #decideAgain(
    call: ToolCall,
    binding: string,
    response: Extract<ApprovalResponse, { status: "approved" }>,
    record: ApprovalOutcome,
  ): Promise<Exclude<Authorization, { kind: "park" }>> {
    const fresh = await this.gate.decide(this.#withContext(call));
    switch (fresh.effect) {
      case "allow":
      case "sanitize":
        return { kind: "run", arguments: fresh.arguments, decision: fresh, approval: record };
      case "deny":
        return refused(call, fresh, denial(fresh.reasons), record);
      case "require_approval":
        break;
    }
    if (approvalBinding(call, fresh.arguments) !== binding) {
      await this.#finish(fresh, "not_run");
      const failed: ApprovalOutcome = { status: "failed", note: "the call's effective arguments changed since it was approved" };
      return refused(call, fresh, rejection(this.#rejectionMessage, failed), failed);
    }
    return this.#applyApproval(call, fresh, response, record);
  }

  /** How one parked call ends, from its stored approval (see resumeTurn). */
  async #resumeCall(store: ApprovalStore, row: StoredApproval, decisionId: string, now: Date, grant: boolean): Promise<Exclude<Authorization, { kind: "park" }>> {
    const call = row.call;
    // The decision that parked the call, as the log recorded it: the approval's outcome is filed under it.
    const parked: Decision = {
      decision_id: decisionId,
      revision: row.revision,
      effect: "require_approval",
      reasons: row.reasons,
      arguments: row.arguments,
      ...(row.hint === undefined ? {} : { approval: row.hint }),
      duration_us: 0,
    };
    const named = { ...(row.decidedBy === undefined ? {} : { approver: row.decidedBy }), ...(row.note === undefined ? {} : { note: row.note }) };
    if (row.state !== "approved") {
      const record: ApprovalOutcome =
        row.state === "rejected" ? { status: "rejected", ...named } : { status: "timed_out", note: `not decided before it expired at ${row.expiresAt}` };
      await this.#settle(call, parked, record);
      return refused(call, parked, rejection(this.#rejectionMessage, record), record);
    }
    const consumed = await store.consume(row.id, now);
    if (consumed === undefined) {
      const { record } = await this.#settle(call, parked, { status: "failed", note: `approval ${row.id} was used already: an approval runs its call at most once` });
      return refused(call, parked, rejection(this.#rejectionMessage, record), record);
    }
    const response: Extract<ApprovalResponse, { status: "approved" }> = {
      status: "approved",
      ...named,
      ...(consumed.approvedArguments === undefined ? {} : { arguments: consumed.approvedArguments }),
    };
    const { record } = await this.#settle(call, parked, recordOf(response), { response });
    const applied = await this.#decideAgain(call, row.binding, response, record);
    if (grant && applied.kind === "run") {
      // The run loop executes the call itself (Agents SDK), deciding and reserving it then: this decision's reservation is given back.
      await this.#finish(applied.recheck ?? applied.decision, "not_run");
      this.#ledger.grant(row.binding, response);
    }
    return applied;
  }

  #store(what: string): ApprovalStore {
    const store = this.#options.approvalStore;
    if (store === undefined) throw new ApprovalStateError("approval_not_resumable", `The guard has no approvalStore: give ToolGuard one to ${what}.`);
    return store;
  }

  /** An approval says yes: the approver's modified arguments go through the full gate again (see the class comment). */
  async #applyApproval(
    call: ToolCall,
    decision: Decision,
    response: Extract<ApprovalResponse, { status: "approved" }>,
    record: ApprovalOutcome,
  ): Promise<Exclude<Authorization, { kind: "park" }>> {
    const modified = response.arguments;
    if (modified === undefined || sameArguments(modified, decision.arguments)) {
      return { kind: "run", arguments: decision.arguments, decision, approval: record };
    }
    // The modified arguments are decided (and reserved) on their own; what the original decision reserved is given back.
    await this.#finish(decision, "not_run");
    const recheck = await this.gate.decide(this.#withContext({ ...call, arguments: JSON.stringify(modified) }));
    if (recheck.effect === "require_approval") await this.#finish(recheck, "not_run");
    switch (recheck.effect) {
      case "allow":
      case "sanitize":
        return { kind: "run", arguments: recheck.arguments, decision, recheck, approval: record };
      case "deny":
        return refused(call, decision, denial([{ code: GuardReason.modificationDenied, message: "the approver's modified arguments were denied" }, ...recheck.reasons]), record, recheck);
      case "require_approval":
        return refused(
          call,
          decision,
          denial([{ code: GuardReason.modificationNeedsApproval, message: "the approver's modified arguments need an approval of their own" }, ...recheck.reasons]),
          record,
          recheck,
        );
    }
  }

  /** Asks the approver under a timeout; every way this can end becomes an ApprovalOutcome and an event. */
  async #ask(call: ToolCall, decision: Decision): Promise<{ record: ApprovalOutcome; response?: ApprovalResponse }> {
    const approver = this.#options.approver;
    if (!approver) {
      return this.#settle(call, decision, { status: "unavailable", note: "no approver is configured" });
    }
    const hinted = decision.approval?.timeout_seconds;
    const limit = this.#options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    const timeoutMs = typeof hinted === "number" && hinted > 0 ? Math.min(hinted * 1000, limit) : limit;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`approval timed out after ${timeoutMs} ms`));
        resolve(TIMED_OUT);
      }, timeoutMs);
    });
    const request = approvalRequest(call, decision, approvalBinding(call, decision.arguments), controller.signal);
    let answer: unknown;
    try {
      answer = await Promise.race([approver.request(request), timedOut]);
    } catch (error) {
      const record: ApprovalOutcome = controller.signal.aborted
        ? { status: "timed_out", note: `no answer within ${timeoutMs} ms` }
        : { status: "failed", note: describeThrown(error) };
      return this.#settle(call, decision, record, { error });
    } finally {
      clearTimeout(timer);
    }
    if (answer === TIMED_OUT) {
      return this.#settle(call, decision, { status: "timed_out", note: `no answer within ${timeoutMs} ms` });
    }
    // Whatever the approver returned is read once, here, into plain data: nothing later touches its object.
    const reading = readApprovalResponse(answer);
    if (!reading.ok) {
      return this.#settle(call, decision, { status: "failed", note: reading.message }, { error: new ApprovalError(reading.message) });
    }
    return this.#settle(call, decision, recordOf(reading.response), { response: reading.response });
  }

  /** How an approval ended, told to listeners and appended to the decision log next to the decision. */
  async #settle(
    call: ToolCall,
    decision: Decision,
    record: ApprovalOutcome,
    extra: { response?: ApprovalResponse; error?: unknown } = {},
  ): Promise<{ record: ApprovalOutcome; response?: ApprovalResponse }> {
    this.#emit({ type: "approval", call, decision, approval: record, ...(extra.error === undefined ? {} : { error: extra.error }) });
    await this.gate.recordApproval(call, decision, record);
    return extra.response ? { record, response: extra.response } : { record };
  }

  async #run(call: ToolCall, authorization: Extract<Authorization, { kind: "run" }>): Promise<CallOutcome> {
    const { arguments: args, decision, recheck, approval } = authorization;
    const base = { call, decision, ...(recheck ? { recheck } : {}), ...(approval ? { approval } : {}) };
    // A hosted MCP tool runs on its server: never the app's function of the same name.
    const local = call.tool_type === undefined || call.tool_type === "function";
    const tool = local && Object.hasOwn(this.#options.tools, call.name) ? this.#options.tools[call.name] : undefined;
    const effective = recheck ?? decision;
    if (!tool) {
      await this.#finish(effective, "not_run");
      const error = new Error(`no implementation for tool ${call.name}`);
      this.#emit({ type: "tool_error", call, decision: recheck ?? decision, error });
      return { ...base, status: "error", output: modelMessage("error", "This tool is not available.", [GuardReason.toolNotImplemented]) };
    }
    let returned = false;
    try {
      const result = await tool(args, { call, decision: recheck ?? decision, approval });
      returned = true;
      const output = typeof result === "string" ? result : (JSON.stringify(result) ?? "null");
      await this.#finish(effective, "ran");
      return { ...base, status: "ran", arguments: args, output };
    } catch (error) {
      // A tool that returned ran, even if its result cannot be encoded: its share stays used.
      await this.#finish(effective, returned ? "ran" : "not_run");
      this.#emit({ type: "tool_error", call, decision: recheck ?? decision, error });
      // The error text stays in the event: it may carry internals the model should not see.
      return {
        ...base,
        status: "error",
        arguments: args,
        output: modelMessage("error", "The tool failed while running; the action may not have completed.", [GuardReason.toolError]),
      };
    }
  }

  get #rejectionMessage(): string {
    return this.#options.rejectionMessage ?? DEFAULT_REJECTION_MESSAGE;
  }

  #emit(event: GuardEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A failing listener must not turn a decided call into a crashed run loop.
    }
  }
}

function recordOf(response: ApprovalResponse): ApprovalOutcome {
  return {
    status: response.status,
    ...(response.approver === undefined ? {} : { approver: response.approver }),
    ...(response.note === undefined ? {} : { note: response.note }),
    ...(response.status === "approved" && response.arguments !== undefined ? { arguments: response.arguments } : {}),
  };
}

function refused(call: ToolCall, decision: Decision, output: string, approval?: ApprovalOutcome, recheck?: Decision): Extract<Authorization, { kind: "refused" }> {
  return { kind: "refused", outcome: { call, decision, ...(recheck ? { recheck } : {}), ...(approval ? { approval } : {}), status: "denied", output } };
}

/** A policy denial for the model: the reason codes and one sentence built from the reasons. */
function denial(reasons: readonly Reason[]): string {
  const sentence = reasons.length === 0 ? "The policy denied this call." : `The policy denied this call: ${reasons.map((r) => r.message.replace(/\.$/, "")).join("; ")}.`;
  return modelMessage("denied", sentence, reasons.map((r) => r.code));
}

function rejection(message: string, record: ApprovalOutcome): string {
  const code = {
    approved: GuardReason.approvalRejected,
    rejected: GuardReason.approvalRejected,
    timed_out: GuardReason.approvalTimedOut,
    failed: GuardReason.approvalFailed,
    unavailable: GuardReason.approvalUnavailable,
  }[record.status] ?? GuardReason.approvalFailed;
  return modelMessage("denied", message, [code]);
}

/** The JSON the model receives instead of a tool result. */
function modelMessage(status: "denied" | "error", message: string, reasons: readonly string[]): string {
  return JSON.stringify({ status, message, reasons });
}
