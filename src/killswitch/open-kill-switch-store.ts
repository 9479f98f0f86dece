import { parseStoreLocation, type StoreLocation } from "../store/store-location.ts";
import type { KillSwitchStore } from "./kill-switch.ts";

/**
 * Opens the kill switches at a store location (a path, sqlite:FILE or postgres://…), creating the tables when missing.
 * The store's module is imported when one is opened, not with the package.
 */
export async function openKillSwitchStore(location: string | StoreLocation): Promise<KillSwitchStore> {
  const where = typeof location === "string" ? parseStoreLocation(location) : location;
  return where.kind === "sqlite"
    ? (await import("./sqlite-kill-switch-store.ts")).SqliteKillSwitchStore.open(where.file)
    : (await import("./postgres-kill-switch-store.ts")).PostgresKillSwitchStore.open(where.url);
}
