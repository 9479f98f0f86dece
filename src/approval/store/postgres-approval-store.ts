import { randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import { inPostgresTransaction, openPostgresPool } from "../../store/postgres-pool.ts";
import { StoreError } from "../../store/errors.ts";
import { ApprovalStateError } from "../errors.ts";
import type { ApprovalAnswer, ApprovalListFilter, ApprovalListing, ApprovalState, ApprovalStore, NewApproval, StoredApproval } from "./approval-store.ts";
import { approvalFromRow, approvalsFromRows, type ApprovalRow } from "./approval-row.ts";
import { notPending } from "./sqlite-approval-store.ts";

// `json`, not `jsonb`: json keeps the text as written, and jsonb refuses a
// string holding U+0000, which a model's arguments (and so a call) may carry.
// The table name is prefixed: a shared database likely has an `approvals` of its own.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS toolgate_approvals (
  id text PRIMARY KEY,
  binding text NOT NULL,
  call json NOT NULL,
  arguments json NOT NULL,
  reasons json NOT NULL,
  hint json,
  summary text NOT NULL,
  revision text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'expired')),
  decided_at timestamptz,
  decided_by text,
  note text,
  approved_arguments json,
  consumed_at timestamptz,
  resumed_at timestamptz,
  resume json
);
CREATE INDEX IF NOT EXISTS toolgate_approvals_state_created ON toolgate_approvals (state, created_at);
`;

/** Serializes schema creation across instances starting at once (CREATE … IF NOT EXISTS is not race-free in PostgreSQL). */
const SCHEMA_LOCK = 0x746f6f6c; // "tool"

const EXPIRE = "UPDATE toolgate_approvals SET state = 'expired', decided_at = expires_at WHERE state = 'pending' AND expires_at <= $1";

/**
 * Approvals in PostgreSQL, shared by every app instance on one database. Each
 * state change is one conditional UPDATE … RETURNING (… WHERE state =
 * 'pending', … WHERE consumed_at IS NULL): PostgreSQL re-checks the WHERE
 * clause on the row after waiting for a concurrent writer's lock, so of many
 * instances racing on one approval exactly one gets the row back.
 */
export class PostgresApprovalStore implements ApprovalStore {
  readonly #pool: Pool;
  #closed = false;

  private constructor(pool: Pool) {
    this.#pool = pool;
  }

  static async open(url: string, options: { maxConnections?: number } = {}): Promise<PostgresApprovalStore> {
    const pool = await openPostgresPool(url, { max: options.maxConnections ?? 4 });
    try {
      await inPostgresTransaction(pool, async (client) => {
        await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
        await client.query(SCHEMA);
      });
    } catch (cause) {
      await pool.end().catch(() => {});
      throw new StoreError("store_failed", `Cannot create the approvals table in the PostgreSQL store: ${(cause as Error).message}. The user needs CREATE on the database's schema.`, { cause });
    }
    return new PostgresApprovalStore(pool);
  }

  async create(approval: NewApproval): Promise<StoredApproval> {
    const { rows } = await this.#pool.query<ApprovalRow>(
      `INSERT INTO toolgate_approvals (id, binding, call, arguments, reasons, hint, summary, revision, created_at, expires_at, state, resume)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11) RETURNING *`,
      [
        approval.id ?? randomUUID(),
        approval.binding,
        JSON.stringify(approval.call),
        JSON.stringify(approval.arguments),
        JSON.stringify(approval.reasons),
        approval.hint === undefined ? null : JSON.stringify(approval.hint),
        approval.summary,
        approval.revision,
        new Date(),
        approval.expiresAt,
        approval.resume === undefined ? null : JSON.stringify(approval.resume),
      ],
    );
    return approvalFromRow(rows[0]!, "parsed");
  }

  async get(id: string): Promise<StoredApproval | undefined> {
    const { rows } = await this.#pool.query<ApprovalRow>("SELECT * FROM toolgate_approvals WHERE id = $1", [id]);
    return rows[0] === undefined ? undefined : approvalFromRow(rows[0], "parsed");
  }

  async list(filter: ApprovalListFilter = {}): Promise<ApprovalListing> {
    const states = filter.states ?? ["pending", "approved", "rejected", "expired"];
    const { rows } = await this.#pool.query<ApprovalRow>(
      "SELECT * FROM toolgate_approvals WHERE state = ANY($1::text[]) ORDER BY created_at DESC, id LIMIT $2",
      [states, filter.limit ?? 100],
    );
    return approvalsFromRows(rows, "parsed");
  }

  async decide(id: string, answer: ApprovalAnswer, now = new Date()): Promise<StoredApproval> {
    // The expiry is committed even when the answer is refused: the row then says why.
    // An answer to a row that does not read as an approval is rolled back (approvalFromRow throws inside).
    const { changed, row, decided } = await inPostgresTransaction(this.#pool, async (client) => {
      await client.query(EXPIRE, [now]);
      const updated = await client.query<ApprovalRow>(
        `UPDATE toolgate_approvals SET state = $1, decided_at = $2, decided_by = $3, note = $4, approved_arguments = $5
         WHERE id = $6 AND state = 'pending' RETURNING *`,
        [
          answer.status,
          now,
          answer.by ?? null,
          answer.note ?? null,
          answer.status === "approved" && answer.arguments !== undefined ? JSON.stringify(answer.arguments) : null,
          id,
        ],
      );
      if (updated.rows[0] !== undefined) return { changed: true, row: updated.rows[0], decided: approvalFromRow(updated.rows[0], "parsed") };
      return { changed: false, row: await selectRow(client, id), decided: undefined };
    });
    if (row === undefined) throw new ApprovalStateError("approval_not_found", `No approval ${id} in the store.`);
    if (!changed || decided === undefined) throw notPending(id, row.state as ApprovalState);
    return decided;
  }

  async consume(id: string, now = new Date()): Promise<StoredApproval | undefined> {
    // Read inside the transaction: a row that does not read as an approval is not marked consumed.
    return inPostgresTransaction(this.#pool, async (client) => {
      const { rows } = await client.query<ApprovalRow>(
        "UPDATE toolgate_approvals SET consumed_at = $1 WHERE id = $2 AND state = 'approved' AND consumed_at IS NULL RETURNING *",
        [now, id],
      );
      return rows[0] === undefined ? undefined : approvalFromRow(rows[0], "parsed");
    });
  }

  async claimResume(id: string, now = new Date()): Promise<StoredApproval | undefined> {
    return inPostgresTransaction(this.#pool, async (client) => {
      await client.query(EXPIRE, [now]);
      const { rows } = await client.query<ApprovalRow>(
        "UPDATE toolgate_approvals SET resumed_at = $1 WHERE id = $2 AND state <> 'pending' AND resumed_at IS NULL RETURNING *",
        [now, id],
      );
      return rows[0] === undefined ? undefined : approvalFromRow(rows[0], "parsed");
    });
  }

  async expire(now = new Date()): Promise<number> {
    return (await this.#pool.query(EXPIRE, [now])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

async function selectRow(client: PoolClient, id: string): Promise<ApprovalRow | undefined> {
  return (await client.query<ApprovalRow>("SELECT * FROM toolgate_approvals WHERE id = $1", [id])).rows[0];
}
