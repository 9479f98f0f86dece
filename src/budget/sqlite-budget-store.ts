import { randomUUID } from "node:crypto";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { inSqliteTransaction, openSqliteDatabase } from "../store/sqlite-database.ts";
import { StoreError } from "../store/errors.ts";
import { SWEEP_EVERY, counterFromRow, type BudgetStore, type CounterListing, type CounterUsage, type Reservation, type ReservationLine, type ReserveResult, type UsageQuery } from "./budget-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS budget_reservations (
  id TEXT NOT NULL,
  budget TEXT NOT NULL,
  key TEXT NOT NULL,
  amount REAL NOT NULL,
  created_ms INTEGER NOT NULL,
  window_ms INTEGER NOT NULL,
  expires_ms INTEGER,
  PRIMARY KEY (id, budget)
);
CREATE INDEX IF NOT EXISTS budget_reservations_window ON budget_reservations (budget, key, created_ms, expires_ms, amount);
CREATE INDEX IF NOT EXISTS budget_reservations_pending ON budget_reservations (budget, key, expires_ms) WHERE expires_ms IS NOT NULL;
`;

/**
 * Budgets in an embedded SQLite file (or ":memory:"). reserve() runs in one
 * BEGIN IMMEDIATE transaction: SQLite's write lock covers the whole file, so
 * the sum and the insert are atomic for every process using the file.
 * `expires_ms` NULL means settled.
 */
export class SqliteBudgetStore implements BudgetStore {
  readonly #db: DatabaseSync;
  readonly #usage: StatementSync;
  readonly #pruneOld: StatementSync;
  readonly #pruneExpired: StatementSync;
  readonly #insert: StatementSync;
  readonly #settle: StatementSync;
  readonly #release: StatementSync;
  readonly #list: StatementSync;
  readonly #sweep: StatementSync;
  #reserves = 0;

  private constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#usage = db.prepare(`
      SELECT COALESCE(SUM(CASE WHEN expires_ms IS NULL THEN amount END), 0) AS used,
             COALESCE(SUM(CASE WHEN expires_ms > ? THEN amount END), 0) AS reserved
      FROM budget_reservations WHERE budget = ? AND key = ? AND created_ms > ?`);
    // Two range deletes, each on its index: out of the window, and unsettled past their expiry.
    this.#pruneOld = db.prepare("DELETE FROM budget_reservations WHERE budget = ? AND key = ? AND created_ms <= ?");
    this.#pruneExpired = db.prepare("DELETE FROM budget_reservations WHERE budget = ? AND key = ? AND expires_ms <= ?");
    this.#insert = db.prepare(
      "INSERT INTO budget_reservations (id, budget, key, amount, created_ms, window_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.#settle = db.prepare(`
      INSERT INTO budget_reservations (id, budget, key, amount, created_ms, window_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, NULL)
      ON CONFLICT (id, budget) DO UPDATE SET expires_ms = NULL`);
    this.#release = db.prepare("DELETE FROM budget_reservations WHERE id = ?");
    this.#sweep = db.prepare("DELETE FROM budget_reservations WHERE created_ms <= ? - window_ms OR expires_ms <= ?");
    this.#list = db.prepare(`
      SELECT budget, key, MAX(window_ms) AS window_ms,
             COALESCE(SUM(CASE WHEN expires_ms IS NULL THEN amount END), 0) AS used,
             COALESCE(SUM(CASE WHEN expires_ms > :now THEN amount END), 0) AS reserved,
             COUNT(*) AS calls, MAX(created_ms) AS last_ms
      FROM budget_reservations
      WHERE created_ms > :now - window_ms AND (expires_ms IS NULL OR expires_ms > :now)
      GROUP BY budget, key ORDER BY budget, key`);
  }

  static async open(file: string): Promise<SqliteBudgetStore> {
    const db = await openSqliteDatabase(file);
    try {
      return new SqliteBudgetStore(db);
    } catch (cause) {
      db.close();
      throw new StoreError("store_failed", `Cannot set up the budget tables in ${file}: ${(cause as Error).message}`, { cause });
    }
  }

  async usage(queries: readonly UsageQuery[], now: number): Promise<CounterUsage[]> {
    return queries.map((q) => this.#read(q, now));
  }

  async reserve(lines: readonly ReservationLine[], now: number): Promise<ReserveResult> {
    const id = randomUUID();
    return inSqliteTransaction(this.#db, () => {
      // Counters are pruned as they are used; now and then, rows of counters no one uses any more
      // (keys the model made up once) go too. Dead rows only: no sum changes.
      if (++this.#reserves % SWEEP_EVERY === 0) this.#sweep.run(now, now);
      for (const line of lines) {
        this.#pruneOld.run(line.budget, line.key, now - line.windowMs);
        this.#pruneExpired.run(line.budget, line.key, now);
        const { used, reserved } = this.#read(line, now);
        if (!(used + reserved + line.amount <= line.cap)) return { ok: false, budget: line.budget, used, reserved } as const;
      }
      for (const line of lines) this.#insert.run(id, line.budget, line.key, line.amount, now, line.windowMs, now + line.reservationMs);
      return { ok: true, id, at: now, lines } as const;
    });
  }

  async settle(reservation: Reservation): Promise<void> {
    inSqliteTransaction(this.#db, () => {
      for (const line of reservation.lines) this.#settle.run(reservation.id, line.budget, line.key, line.amount, reservation.at, line.windowMs);
    });
  }

  async release(id: string): Promise<void> {
    this.#release.run(id);
  }

  async list(now: number): Promise<CounterListing[]> {
    return this.#list.all({ now }).map(counterFromRow);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  #read(q: UsageQuery, now: number): CounterUsage {
    const row = this.#usage.get(now, q.budget, q.key, now - q.windowMs) as { used: number; reserved: number };
    return { used: Number(row.used), reserved: Number(row.reserved) };
  }
}
