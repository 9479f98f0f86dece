import { statSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import { StoreError } from "../store/errors.ts";
import { inSqliteTransaction, openSqliteDatabase } from "../store/sqlite-database.ts";
import {
  checkName,
  checkText,
  switchFromRow,
  toolFromKey,
  toolKey,
  type KillRequest,
  type KillSwitch,
  type KillSwitchEvent,
  type KillSwitchStore,
  type SwitchRow,
  type LiftRequest,
} from "./kill-switch.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kill_switches (
  assistant_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  reason TEXT NOT NULL,
  killed_by TEXT NOT NULL,
  killed_at TEXT NOT NULL,
  PRIMARY KEY (assistant_id, tool)
);
CREATE TABLE IF NOT EXISTS kill_switch_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  action TEXT NOT NULL CHECK (action IN ('kill', 'lift')),
  assistant_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);`;

/**
 * Kill switches in the embedded SQLite file. Every read first checks that the
 * file it has open is still the file at that path: an open connection keeps
 * reading a deleted file (Linux keeps the inode), which would serve switches
 * no `policy kill` can reach any more. Gone: store_unavailable (the monitor
 * then fails closed); replaced: reopened.
 */
export class SqliteKillSwitchStore implements KillSwitchStore {
  readonly file: string;
  private db: DatabaseSync;
  private identity: string;

  private constructor(file: string, db: DatabaseSync, identity: string) {
    this.file = file;
    this.db = db;
    this.identity = identity;
  }

  static async open(file: string): Promise<SqliteKillSwitchStore> {
    const db = await openSqliteDatabase(file);
    try {
      db.exec(SCHEMA);
      return new SqliteKillSwitchStore(file, db, fileIdentity(file));
    } catch (cause) {
      db.close();
      throw asStoreError(cause, file);
    }
  }

  private async current(): Promise<DatabaseSync> {
    let identity: string;
    try {
      identity = fileIdentity(this.file);
    } catch (cause) {
      throw new StoreError("store_unavailable", `The store file ${this.file} is gone or unreadable (${(cause as Error).message}); kill switches cannot be read. Restore it, or create a new one with \`policy kill --list --store ${this.file}\`.`, { cause });
    }
    if (identity !== this.identity) {
      const db = await openSqliteDatabase(this.file);
      db.exec(SCHEMA);
      this.db.close();
      this.db = db;
      this.identity = identity;
    }
    return this.db;
  }

  async kill(request: KillRequest): Promise<KillSwitch> {
    const assistant = checkName("The assistant id", request.assistantId);
    const tool = toolKey(request.tool);
    const reason = checkText("The reason", request.reason);
    const by = checkName("Who kills (--by)", request.by);
    const at = new Date().toISOString();
    const db = await this.current();
    return this.run(() =>
      inSqliteTransaction(db, () => {
        db.prepare(
          `INSERT INTO kill_switches (assistant_id, tool, reason, killed_by, killed_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (assistant_id, tool) DO UPDATE SET reason = excluded.reason, killed_by = excluded.killed_by, killed_at = excluded.killed_at`,
        ).run(assistant, tool, reason, by, at);
        db.prepare("INSERT INTO kill_switch_events (action, assistant_id, tool, reason, actor, at) VALUES ('kill', ?, ?, ?, ?, ?)").run(assistant, tool, reason, by, at);
        return switchFromRow({ assistant_id: assistant, tool, reason, killed_by: by, killed_at: at });
      }),
    );
  }

  async lift(request: LiftRequest): Promise<KillSwitch | undefined> {
    const assistant = checkName("The assistant id", request.assistantId);
    const tool = toolKey(request.tool);
    const note = checkText("The note", request.note ?? "");
    const by = checkName("Who lifts (--by)", request.by);
    const db = await this.current();
    return this.run(() =>
      inSqliteTransaction(db, () => {
        const row = db.prepare("SELECT * FROM kill_switches WHERE assistant_id = ? AND tool = ?").get(assistant, tool) as SwitchRow | undefined;
        if (!row) return undefined;
        db.prepare("DELETE FROM kill_switches WHERE assistant_id = ? AND tool = ?").run(assistant, tool);
        db.prepare("INSERT INTO kill_switch_events (action, assistant_id, tool, reason, actor, at) VALUES ('lift', ?, ?, ?, ?, ?)").run(assistant, tool, note, by, new Date().toISOString());
        return switchFromRow(row);
      }),
    );
  }

  async active(): Promise<KillSwitch[]> {
    const db = await this.current();
    return this.run(() => (db.prepare("SELECT * FROM kill_switches ORDER BY assistant_id, tool").all() as unknown as SwitchRow[]).map(switchFromRow));
  }

  async history(): Promise<KillSwitchEvent[]> {
    const db = await this.current();
    return this.run(() =>
      (db.prepare("SELECT * FROM kill_switch_events ORDER BY seq").all() as unknown as Array<Omit<KillSwitchEvent, "tool"> & { tool: string }>).map((row) => ({
        seq: row.seq,
        action: row.action,
        assistant_id: row.assistant_id,
        tool: toolFromKey(row.tool),
        reason: row.reason,
        actor: row.actor,
        at: row.at,
      })),
    );
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  private run<T>(work: () => T): T {
    try {
      return work();
    } catch (cause) {
      throw asStoreError(cause, this.file);
    }
  }
}

/** Device and inode: which file the path names now. */
function fileIdentity(file: string): string {
  const stat = statSync(file);
  return `${stat.dev}:${stat.ino}`;
}

function asStoreError(cause: unknown, file: string): StoreError {
  if (cause instanceof StoreError) return cause;
  return new StoreError("store_failed", `The kill switch store ${file} failed: ${(cause as Error).message}.`, { cause });
}
