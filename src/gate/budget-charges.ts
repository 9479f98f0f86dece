import type { ResolvedBudget } from "../policy/budget-config.ts";
import type { Reason } from "./decision.ts";
import { GateReason } from "./reason-codes.ts";
import type { ToolCall } from "./tool-call.ts";

/** What one call adds to one budget, under which key. */
export interface BudgetCharge {
  readonly budget: ResolvedBudget;
  /** The `per` values as JSON text (`["asst_1"]`): the counter this call adds to. */
  readonly key: string;
  readonly amount: number;
}

/** A budget's consumption inside its window, as the store reads it. */
export interface BudgetUsage {
  /** Settled: the tool ran. */
  readonly used: number;
  /** Reserved by calls allowed but not yet settled (and not expired). */
  readonly reserved: number;
}

/**
 * The usage a decision is made on, by budget name: the store's reading, or
 * "fresh" (nothing used yet: `policy test`, `policy eval`). Without either a
 * budgeted call is denied (budget_unavailable): no path decides a budget blind.
 */
export type UsageReading = ReadonlyMap<string, BudgetUsage> | "fresh";

export type ChargePlan = { readonly ok: true; readonly charges: readonly BudgetCharge[] } | { readonly ok: false; readonly reason: Reason };

const NO_USAGE: BudgetUsage = Object.freeze({ used: 0, reserved: 0 });

/** The value at a dotted path through own properties of plain objects; undefined when absent. */
function at(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function keyValue(per: string, call: ToolCall, args: Record<string, unknown>): unknown {
  if (per === "assistant") return call.assistant_id;
  if (per === "thread") return call.thread_id;
  if (per === "run") return call.run_id;
  const [source, ...path] = per.split(".");
  return source === "context" ? at(call.context, path) : at(args, path);
}

/**
 * What a call adds to each of its budgets: the key from its `per` values and
 * the amount (1, or the number at the `sum` path). Fail closed: a key value
 * that is an object or array, or an amount that is not a finite non-negative
 * number, denies the call. An absent key value is null (all such calls share one counter).
 */
export function planCharges(budgets: readonly ResolvedBudget[], call: ToolCall, args: Record<string, unknown>): ChargePlan {
  const charges: BudgetCharge[] = [];
  for (const budget of budgets) {
    const values: unknown[] = [];
    for (const per of budget.per) {
      const value = keyValue(per, call, args) ?? null;
      if (typeof value === "object" && value !== null) {
        return { ok: false, reason: { code: GateReason.budgetKeyInvalid, message: `budget ${budget.name} is counted per ${per}, which must be a string, number or boolean` } };
      }
      values.push(value);
    }
    let amount = 1;
    if (budget.sum) {
      const value = at(args, budget.sum);
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        return { ok: false, reason: { code: GateReason.budgetAmountInvalid, message: `budget ${budget.name} adds ${budget.sum.join(".")}, which must be a non-negative number` } };
      }
      amount = value;
    }
    charges.push({ budget, key: JSON.stringify(values), amount });
  }
  return { ok: true, charges };
}

/**
 * `input.usage` as JSON text: per budget name, what is used and reserved in the
 * window, what this call adds and what usage would be after it, next to the
 * limits, so the framework (framework/toolgate/budgets.rego) and custom rules
 * decide on it. undefined when a reading lacks a budget (the caller denies).
 */
export function usageDocumentJson(charges: readonly BudgetCharge[], reading: UsageReading): string | undefined {
  const parts: string[] = [];
  for (const { budget, key, amount } of charges) {
    const usage = reading === "fresh" ? NO_USAGE : reading.get(budget.name);
    if (usage === undefined) return undefined;
    const entry = {
      kind: budget.kind,
      used: usage.used,
      reserved: usage.reserved,
      amount,
      would_be: usage.used + usage.reserved + amount,
      limit: budget.limit,
      ...(budget.soft_limit === undefined ? {} : { soft_limit: budget.soft_limit }),
      window: budget.window,
      per: budget.per,
      key: JSON.parse(key) as unknown,
    };
    parts.push(`${JSON.stringify(budget.name)}:${JSON.stringify(entry)}`);
  }
  return `{${parts.join(",")}}`;
}
