import { parseStoreLocation, type StoreLocation } from "../store/store-location.ts";
import type { KillSwitchStore } from "./kill-switch.ts";
import { PostgresKillSwitchStore } from "./postgres-kill-switch-store.ts";
import { SqliteKillSwitchStore } from "./sqlite-kill-switch-store.ts";

/** Opens the kill switches at a store location (a path, sqlite:FILE or postgres://…), creating the tables when missing. */
export function openKillSwitchStore(location: string | StoreLocation): Promise<KillSwitchStore> {
  const where = typeof location === "string" ? parseStoreLocation(location) : location;
  return where.kind === "sqlite" ? SqliteKillSwitchStore.open(where.file) : PostgresKillSwitchStore.open(where.url);
}
