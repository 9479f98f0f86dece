import { mkdirSync } from "node:fs";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { StoreError } from "./errors.ts";

/**
 * Opens (creating) the embedded store file. WAL lets readers (the inbox page,
 * `policy usage`) run beside the writer; busy_timeout makes a second process
 * on the same file wait for the lock instead of failing at once.
 * node:sqlite is loaded here, lazily, so hosts that never use a store do not pay for it.
 */
export async function openSqliteDatabase(file: string): Promise<DatabaseSync> {
  let sqlite: typeof import("node:sqlite");
  try {
    sqlite = await import("node:sqlite");
  } catch (cause) {
    throw new StoreError("store_unavailable", `node:sqlite is not available in Node ${process.versions.node}: use Node >= 22.13 or a postgres:// store.`, { cause });
  }
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const db = new sqlite.DatabaseSync(file);
    // busy_timeout first: switching a new file to WAL takes a lock, and a second process opening it at once must wait, not fail.
    db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
    return db;
  } catch (cause) {
    throw new StoreError("store_unavailable", `Cannot open the store file ${file}: ${(cause as Error).message}. Check the path and its permissions.`, { cause });
  }
}

/** Runs `work` in one IMMEDIATE transaction (the write lock is taken up front, so two writers never both read-then-write). */
export function inSqliteTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}
