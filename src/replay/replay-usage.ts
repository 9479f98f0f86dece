import type { BudgetCharge, BudgetUsage } from "../gate/budget-charges.ts";

/**
 * Budget usage recomputed in log order for `policy replay`: every call the
 * candidate lets through (allow, sanitize, require_approval) counts from its
 * record's time, so a candidate budget is tried on history and a changed
 * limit names the calls it would have stopped. What the recorded gate's store
 * held is not used: usage follows the candidate's own decisions. Approval
 * outcomes are not followed (a call held for a person counts as if approved):
 * replay over-counts rather than under-counts.
 */
export class ReplayUsage {
  /** Per counter ([budget, key] as JSON): amounts by time, oldest first. */
  readonly #counters = new Map<string, Array<{ at: number; amount: number }>>();

  reading(charges: readonly BudgetCharge[], at: number): Map<string, BudgetUsage> {
    return new Map(charges.map((charge) => [charge.budget.name, { used: this.#used(charge, at), reserved: 0 }]));
  }

  add(charges: readonly BudgetCharge[], at: number): void {
    for (const charge of charges) {
      const id = JSON.stringify([charge.budget.name, charge.key]);
      let entries = this.#counters.get(id);
      if (!entries) this.#counters.set(id, (entries = []));
      entries.push({ at, amount: charge.amount });
    }
  }

  #used(charge: BudgetCharge, at: number): number {
    const entries = this.#counters.get(JSON.stringify([charge.budget.name, charge.key]));
    if (!entries) return 0;
    // Log order is time order: what left the window stays out.
    while (entries.length > 0 && entries[0]!.at <= at - charge.budget.windowMs) entries.shift();
    return entries.reduce((sum, e) => sum + e.amount, 0);
  }
}
