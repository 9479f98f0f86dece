import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { inSqliteTransaction, openSqliteDatabase } from "../../store/sqlite-database.ts";
import { ApprovalStateError } from "../errors.ts";
import type { ApprovalAnswer, ApprovalListFilter, ApprovalListing, ApprovalState, ApprovalStore, NewApproval, StoredApproval } from "./approval-store.ts";
import { approvalFromRow, approvalsFromRows, type ApprovalRow } from "./approval-row.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  binding TEXT NOT NULL,
  call TEXT NOT NULL,
  arguments TEXT NOT NULL,
  reasons TEXT NOT NULL,
  hint TEXT,
  summary TEXT NOT NULL,
  revision TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'expired')),
  decided_at TEXT,
  decided_by TEXT,
  note TEXT,
  approved_arguments TEXT,
  consumed_at TEXT,
  resumed_at TEXT,
  resume TEXT
);
CREATE INDEX IF NOT EXISTS approvals_state_created ON approvals (state, created_at);
`;

/**
 * Approvals in the embedded SQLite store. Each state change is one
 * conditional UPDATE (… WHERE state = 'pending' AND expires_at > now), so of
 * two processes racing on one approval exactly one changes a row.
 */
export class SqliteApprovalStore implements ApprovalStore {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  static async open(file: string): Promise<SqliteApprovalStore> {
    const db = await openSqliteDatabase(file);
    inSqliteTransaction(db, () => {
      db.exec(SCHEMA);
      // A file made before resumed_at existed gains the column (NULL: never resumed).
      const columns = db.prepare("PRAGMA table_info(approvals)").all() as { name: string }[];
      if (!columns.some((c) => c.name === "resumed_at")) db.exec("ALTER TABLE approvals ADD COLUMN resumed_at TEXT");
    });
    return new SqliteApprovalStore(db);
  }

  async create(approval: NewApproval): Promise<StoredApproval> {
    const id = approval.id ?? randomUUID();
    this.#db
      .prepare(
        `INSERT INTO approvals (id, binding, call, arguments, reasons, hint, summary, revision, created_at, expires_at, state, resume)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
      )
      .run(
        id,
        approval.binding,
        JSON.stringify(approval.call),
        JSON.stringify(approval.arguments),
        JSON.stringify(approval.reasons),
        approval.hint === undefined ? null : JSON.stringify(approval.hint),
        approval.summary,
        approval.revision,
        new Date().toISOString(),
        approval.expiresAt.toISOString(),
        approval.resume === undefined ? null : JSON.stringify(approval.resume),
      );
    return (await this.get(id))!;
  }

  async get(id: string): Promise<StoredApproval | undefined> {
    const row = this.#db.prepare("SELECT * FROM approvals WHERE id = ?").get(id) as ApprovalRow | undefined;
    return row === undefined ? undefined : approvalFromRow(row, "text");
  }

  async list(filter: ApprovalListFilter = {}): Promise<ApprovalListing> {
    const states = filter.states ?? ["pending", "approved", "rejected", "expired"];
    const marks = states.map(() => "?").join(", ");
    const rows = this.#db
      .prepare(`SELECT * FROM approvals WHERE state IN (${marks}) ORDER BY created_at DESC, id LIMIT ?`)
      .all(...states, filter.limit ?? 100) as unknown as ApprovalRow[];
    return approvalsFromRows(rows, "text");
  }

  async decide(id: string, answer: ApprovalAnswer, now = new Date()): Promise<StoredApproval> {
    const at = now.toISOString();
    // The expiry is committed even when the answer is refused: the row then says why.
    // An answer to a row that does not read as an approval is rolled back (approvalFromRow throws inside).
    const { changed, row, decided } = inSqliteTransaction(this.#db, () => {
      this.#expireAt(at);
      const update = this.#db
        .prepare(
          `UPDATE approvals SET state = ?, decided_at = ?, decided_by = ?, note = ?, approved_arguments = ?
           WHERE id = ? AND state = 'pending'`,
        )
        .run(
          answer.status,
          at,
          answer.by ?? null,
          answer.note ?? null,
          answer.status === "approved" && answer.arguments !== undefined ? JSON.stringify(answer.arguments) : null,
          id,
        );
      const row = this.#db.prepare("SELECT * FROM approvals WHERE id = ?").get(id) as ApprovalRow | undefined;
      const changed = Number(update.changes) === 1;
      return { changed, row, decided: changed && row !== undefined ? approvalFromRow(row, "text") : undefined };
    });
    if (row === undefined) throw new ApprovalStateError("approval_not_found", `No approval ${id} in the store.`);
    if (!changed || decided === undefined) throw notPending(id, row.state as ApprovalState);
    return decided;
  }

  async consume(id: string, now = new Date()): Promise<StoredApproval | undefined> {
    // Read inside the transaction: a row that does not read as an approval is not marked consumed.
    return inSqliteTransaction(this.#db, () => {
      const row = this.#db
        .prepare("UPDATE approvals SET consumed_at = ? WHERE id = ? AND state = 'approved' AND consumed_at IS NULL RETURNING *")
        .get(now.toISOString(), id) as ApprovalRow | undefined;
      return row === undefined ? undefined : approvalFromRow(row, "text");
    });
  }

  async claimResume(id: string, now = new Date()): Promise<StoredApproval | undefined> {
    const at = now.toISOString();
    return inSqliteTransaction(this.#db, () => {
      this.#expireAt(at);
      const row = this.#db
        .prepare("UPDATE approvals SET resumed_at = ? WHERE id = ? AND state <> 'pending' AND resumed_at IS NULL RETURNING *")
        .get(at, id) as ApprovalRow | undefined;
      return row === undefined ? undefined : approvalFromRow(row, "text");
    });
  }

  async expire(now = new Date()): Promise<number> {
    return this.#expireAt(now.toISOString());
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  #expireAt(at: string): number {
    return Number(this.#db.prepare("UPDATE approvals SET state = 'expired', decided_at = expires_at WHERE state = 'pending' AND expires_at <= ?").run(at).changes);
  }
}

export function notPending(id: string, state: ApprovalState): ApprovalStateError {
  return new ApprovalStateError("approval_not_pending", `Approval ${id} is ${state}, not pending: it was decided already or has expired, and cannot be answered again.`);
}
