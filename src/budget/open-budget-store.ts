import { parseStoreLocation, type StoreLocation } from "../store/store-location.ts";
import type { BudgetStore } from "./budget-store.ts";
import { PostgresBudgetStore } from "./postgres-budget-store.ts";
import { SqliteBudgetStore } from "./sqlite-budget-store.ts";

/**
 * Opens the budget store at a location as users write it: `sqlite:FILE` or a
 * path (one host, persisted across restarts), `:memory:` (one process), or
 * `postgres://…` (every instance sharing one database).
 */
export async function openBudgetStore(location: string | StoreLocation, base?: string): Promise<BudgetStore> {
  if (location === ":memory:") return SqliteBudgetStore.open(":memory:");
  const where = typeof location === "string" ? parseStoreLocation(location, base) : location;
  return where.kind === "postgres" ? PostgresBudgetStore.open(where.url) : SqliteBudgetStore.open(where.file);
}
