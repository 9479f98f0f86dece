import { parseStoreLocation, type StoreLocation } from "../../store/store-location.ts";
import type { ApprovalStore } from "./approval-store.ts";
import { PostgresApprovalStore } from "./postgres-approval-store.ts";
import { SqliteApprovalStore } from "./sqlite-approval-store.ts";

/**
 * Opens the approval store at a location as users write it (`sqlite:FILE`, a
 * path, or `postgres://…`; see parseStoreLocation). Throws StoreError when the
 * location is invalid or the store cannot be opened.
 */
export async function openApprovalStore(location: string | StoreLocation, base?: string): Promise<ApprovalStore> {
  const parsed = typeof location === "string" ? parseStoreLocation(location, base) : location;
  return parsed.kind === "postgres" ? PostgresApprovalStore.open(parsed.url) : SqliteApprovalStore.open(parsed.file);
}
