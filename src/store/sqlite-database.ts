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
  let db: DatabaseSync | undefined;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    db = new sqlite.DatabaseSync(file);
    // busy_timeout first: a second process opening the file at once must wait for the lock, not fail.
    db.exec("PRAGMA busy_timeout = 5000");
    // Switching a new file to WAL can still answer SQLITE_BUSY without waiting (another process
    // is setting up the same file's WAL index): try again for as long as busy_timeout would wait.
    const open = db;
    await whileBusy(() => open.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"), 5000);
    return db;
  } catch (cause) {
    if (db?.isOpen) db.close();
    throw new StoreError("store_unavailable", `Cannot open the store file ${file}: ${(cause as Error).message}. Check the path and its permissions.`, { cause });
  }
}

/** SQLITE_BUSY and SQLITE_LOCKED: another connection holds the lock. */
function isBusy(err: unknown): boolean {
  const code = (err as { errcode?: unknown }).errcode;
  return typeof code === "number" && ((code & 0xff) === 5 || (code & 0xff) === 6);
}

/** Runs `step`, again after a short pause while it fails busy, until `waitMs` have passed. */
export async function whileBusy(step: () => void, waitMs: number): Promise<void> {
  const deadline = performance.now() + waitMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      step();
      return;
    } catch (err) {
      if (!isBusy(err) || performance.now() + pause > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
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
