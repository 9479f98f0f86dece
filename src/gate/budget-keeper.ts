import type { BudgetStore, Reservation } from "../budget/budget-store.ts";
import { describeThrown } from "../policy/errors.ts";
import type { BudgetResolver } from "../policy/budget-config.ts";
import { planCharges, type BudgetCharge, type BudgetUsage, type UsageReading } from "./budget-charges.ts";
import type { Decision, Reason } from "./decision.ts";
import { parseArguments, type ArgumentLimits, type ParsedArguments } from "./parse-arguments.ts";
import { refusal, type Evaluation } from "./pipeline.ts";
import { GateReason } from "./reason-codes.ts";
import type { ToolCall } from "./tool-call.ts";
import { toolRef } from "./tool-ref.ts";

/** How a call a decision let through ended, for its budget reservation. */
export type CallEnd = "ran" | "not_run";

/** Reservations made for decisions the guard has not yet reported on, by decision id. */
const MAX_OPEN = 100_000;

/**
 * Budgets around the decision pipeline, for a Gate: reads the usage of the
 * budgets a call touches (one store round trip; none for calls without
 * budgets), decides on it, and reserves before the decision is returned, so a
 * call the gate lets through has its share taken. The reservation's cap is
 * the limit for require_approval and the soft limit (else the limit) for
 * allow/sanitize: usage that moved between the read and the reservation can
 * only turn the answer into a deny (budget_exceeded / rate_limited), never
 * into a wider allow. Any store failure denies (budget_unavailable).
 */
export class BudgetKeeper {
  #store: BudgetStore | Promise<BudgetStore> | undefined;
  /** Only a store the keeper opened itself is closed by it; the app closes the one it gave. */
  readonly #owned: boolean;
  readonly #clock: () => number;
  readonly #open = new Map<string, { store: BudgetStore; reservation: Reservation }>();

  constructor(store: BudgetStore | undefined, clock: () => number = Date.now) {
    this.#store = store;
    this.#owned = store === undefined;
    this.#clock = clock;
  }

  /**
   * Decides `call` through `decideWith` (the pipeline, here or on a worker; given the arguments
   * as parsed here for the budgets, with the same limits, so the pipeline need not parse them again)
   * with the usage of its budgets, and reserves what it lets through.
   * `budgets` resolves the serving revision's budgets; a revision swapped in
   * between can only make the usage miss a budget, which denies.
   */
  async decide(
    budgets: BudgetResolver | undefined,
    limits: ArgumentLimits,
    revision: string,
    call: ToolCall,
    decideWith: (usage?: UsageReading, parsed?: Extract<ParsedArguments, { ok: true }>) => Evaluation | Promise<Evaluation>,
  ): Promise<Evaluation> {
    if (!budgets?.any) return decideWith();
    const started = performance.now();
    const planned = plannedCharges(budgets, limits, call);
    // Refused before any budget matters (bad call, bad arguments), or no budgets: the pipeline says why.
    if (planned === undefined) return decideWith();
    const { charges, args, parsed } = planned;

    let store: BudgetStore;
    let reading: Map<string, BudgetUsage>;
    const now = this.#clock();
    try {
      store = await this.#storeOpened();
      const usage = await store.usage(charges.map(({ budget, key }) => ({ budget: budget.name, key, windowMs: budget.windowMs })), now);
      reading = new Map(charges.map((charge, i) => [charge.budget.name, usage[i]!]));
    } catch (err) {
      return unavailable(revision, started, args, err);
    }
    const evaluated = await decideWith(reading, parsed);
    const { decision } = evaluated;
    if (decision.effect === "deny") return evaluated;

    // The effective arguments (sanitized ones) are what the tool runs with, so they are what is charged.
    const plan = planCharges(charges.map((c) => c.budget), call, decision.arguments);
    if (!plan.ok) return replaced(evaluated, denied(decision, [plan.reason]));
    const lines = plan.charges.map(({ budget, key, amount }) => ({
      budget: budget.name,
      key,
      amount,
      windowMs: budget.windowMs,
      reservationMs: budget.reservationMs,
      cap: decision.effect === "require_approval" ? budget.limit : (budget.soft_limit ?? budget.limit),
    }));
    try {
      const reserved = await store.reserve(lines, now);
      if (!reserved.ok) {
        const charge = plan.charges.find((c) => c.budget.name === reserved.budget);
        const code = charge?.budget.kind === "count" ? GateReason.rateLimited : GateReason.budgetExceeded;
        const message = `${charge?.budget.kind === "count" ? "rate limit" : "budget"} ${reserved.budget} was used up by other calls (${reserved.used + reserved.reserved} of ${charge?.budget.limit ?? "?"} in ${charge?.budget.window ?? "its window"})`;
        return replaced(evaluated, denied(decision, [{ code, message }]));
      }
      if (this.#open.size >= MAX_OPEN) this.#open.delete(this.#open.keys().next().value as string);
      this.#open.set(decision.decision_id, { store, reservation: reserved });
    } catch (err) {
      return replaced(evaluated, unavailable(revision, started, decision.arguments, err).decision);
    }
    return evaluated;
  }

  /**
   * The usage a call would be decided on now, without reserving (for a
   * preview: does this call need approval?). undefined when the call has no
   * budgets or the store fails (the pipeline then denies a budgeted call).
   */
  async peek(budgets: BudgetResolver | undefined, limits: ArgumentLimits, call: ToolCall): Promise<UsageReading | undefined> {
    if (!budgets?.any) return undefined;
    const planned = plannedCharges(budgets, limits, call);
    if (planned === undefined) return undefined;
    try {
      const store = await this.#storeOpened();
      const usage = await store.usage(planned.charges.map(({ budget, key }) => ({ budget: budget.name, key, windowMs: budget.windowMs })), this.#clock());
      return new Map(planned.charges.map((charge, i) => [charge.budget.name, usage[i]!]));
    } catch {
      return undefined;
    }
  }

  /**
   * Settles (ran) or releases (not_run) what the decision reserved. Never
   * throws: an unsettled reservation expires after its reservation_seconds,
   * and a release that fails only over-counts until then.
   */
  async end(decision: Decision, how: CallEnd): Promise<void> {
    const open = this.#open.get(decision.decision_id);
    if (!open) return;
    this.#open.delete(decision.decision_id);
    try {
      await (how === "ran" ? open.store.settle(open.reservation) : open.store.release(open.reservation.id));
    } catch {
      // Counted until it expires: fails towards fewer calls, never more.
    }
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    const store = await Promise.resolve(this.#store).catch(() => undefined);
    await store?.close().catch(() => {});
  }

  /** The store given, or an in-memory one opened on first use: correct for one process. (A gate without budgets never imports the stores.) */
  #storeOpened(): Promise<BudgetStore> {
    this.#store ??= import("../budget/open-budget-store.ts").then(({ openBudgetStore }) => openBudgetStore(":memory:"));
    return Promise.resolve(this.#store);
  }
}

/** The charges a call would make as the model sent it; undefined when it has none or will be refused before any budget is read. */
function plannedCharges(
  budgets: BudgetResolver,
  limits: ArgumentLimits,
  call: ToolCall,
): { charges: readonly BudgetCharge[]; args: Record<string, unknown>; parsed: Extract<ParsedArguments, { ok: true }> } | undefined {
  if (typeof call?.name !== "string" || typeof call.assistant_id !== "string") return undefined;
  const tool = toolRef(call);
  if (!tool.ok || tool.ref.type !== "function") return undefined;
  let resolved;
  try {
    resolved = budgets.resolve(call.assistant_id, tool.ref.name);
  } catch {
    return undefined; // The pipeline resolves again and denies (policy_error).
  }
  if (resolved.length === 0) return undefined;
  const parsed = parseArguments(call.arguments, limits);
  if (!parsed.ok) return undefined;
  const plan = planCharges(resolved, call, parsed.value);
  return plan.ok ? { charges: plan.charges, args: parsed.value, parsed } : undefined;
}

function unavailable(revision: string, started: number, args: Record<string, unknown>, err: unknown): Evaluation {
  const decision = refusal({ code: GateReason.budgetUnavailable, message: `the budget store failed: ${describeThrown(err)}` }, revision, started, args);
  return { decision, input: undefined };
}

function denied(decision: Decision, reasons: Reason[]): Decision {
  const { approval: _approval, ...rest } = decision;
  return { ...rest, effect: "deny", reasons };
}

function replaced(evaluated: Evaluation, decision: Decision): Evaluation {
  return {
    decision,
    ...(evaluated.built === undefined ? {} : { built: evaluated.built }),
    input: evaluated.input,
  };
}
