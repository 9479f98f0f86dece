import { canonicalText } from "../json/canonical-text.ts";
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

/** `input.usage` as the input document holds it: the value and its JSON text. */
export interface UsageJson {
  /** What parseOwnJson reads from `json` (made for this call: not shared). */
  readonly value: Record<string, unknown>;
  readonly json: string;
  /** True when `json` is canonical (see canonicalText): then the document is built from `value`, not read back. */
  readonly canonical: boolean;
}

/** A number as a JSON round trip gives it back: -0 is 0, a non-finite number null (what JSON.stringify writes). */
function jsonNumber(value: number): number | null {
  return Number.isFinite(value) ? value + 0 : null;
}

/**
 * `input.usage`: per budget name, what is used and reserved in the window,
 * what this call adds and what usage would be after it, next to the limits, so
 * the framework (framework/toolgate/budgets.rego) and custom rules decide on
 * it. Written canonically (members in sorted order), so the input document
 * stays canonical and the audit log splices it. undefined when a reading lacks
 * a budget (the caller denies).
 */
export function usageDocumentJson(charges: readonly BudgetCharge[], reading: UsageReading): UsageJson | undefined {
  const value: Record<string, unknown> = {};
  for (const { budget, key, amount } of charges) {
    const usage = reading === "fresh" ? NO_USAGE : reading.get(budget.name);
    if (usage === undefined) return undefined;
    // Members in sorted order, soft_limit only when set (as JSON.stringify would leave an undefined one out).
    const entry: Record<string, unknown> = {
      amount: jsonNumber(amount),
      key: JSON.parse(key) as unknown,
      kind: budget.kind,
      limit: jsonNumber(budget.limit),
      per: [...budget.per],
      reserved: jsonNumber(usage.reserved),
    };
    if (budget.soft_limit !== undefined) entry.soft_limit = jsonNumber(budget.soft_limit);
    entry.used = jsonNumber(usage.used);
    entry.window = budget.window;
    entry.would_be = jsonNumber(usage.used + usage.reserved + amount);
    // A budget named __proto__ is an own member like any other (as parseOwnJson reads it).
    if (budget.name === "__proto__") Object.defineProperty(value, budget.name, { value: entry, writable: true, enumerable: true, configurable: true });
    else value[budget.name] = entry;
  }
  const canonical = canonicalText(value);
  return canonical === undefined
    ? { value, json: JSON.stringify(value), canonical: false }
    : { value, json: canonical, canonical: true };
}
