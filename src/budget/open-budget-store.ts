import { parseStoreLocation, type StoreLocation } from "../store/store-location.ts";
import type { BudgetStore } from "./budget-store.ts";

/**
 * Opens the budget store at a location as users write it: `sqlite:FILE` or a
 * path (one host, persisted across restarts), `:memory:` (one process), or
 * `postgres://…` (every instance sharing one database).
 * Each store's module is imported when one is opened: the gate imports this
 * file, and a cold start should not load both (a policy without budgets opens none).
 */
export async function openBudgetStore(location: string | StoreLocation, base?: string): Promise<BudgetStore> {
  const where = location === ":memory:" ? undefined : typeof location === "string" ? parseStoreLocation(location, base) : location;
  if (where?.kind === "postgres") return (await import("./postgres-budget-store.ts")).PostgresBudgetStore.open(where.url);
  return (await import("./sqlite-budget-store.ts")).SqliteBudgetStore.open(where?.file ?? ":memory:");
}
