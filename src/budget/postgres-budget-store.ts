import { randomUUID } from "node:crypto";
import type { Pool } from "pg";
import { inPostgresTransaction, openPostgresPool } from "../store/postgres-pool.ts";
import { StoreError } from "../store/errors.ts";
import { SWEEP_EVERY, counterFromRow, type BudgetStore, type CounterListing, type CounterUsage, type Reservation, type ReservationLine, type ReserveResult, type UsageQuery } from "./budget-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS budget_reservations (
  id text NOT NULL,
  budget text NOT NULL,
  key text NOT NULL,
  amount double precision NOT NULL,
  created_ms bigint NOT NULL,
  window_ms bigint NOT NULL,
  expires_ms bigint,
  PRIMARY KEY (id, budget)
);
CREATE INDEX IF NOT EXISTS budget_reservations_window ON budget_reservations (budget, key, created_ms, expires_ms, amount);
CREATE INDEX IF NOT EXISTS budget_reservations_pending ON budget_reservations (budget, key, expires_ms) WHERE expires_ms IS NOT NULL;
`;

const USAGE = `
SELECT q.i,
       COALESCE(SUM(CASE WHEN r.expires_ms IS NULL THEN r.amount END), 0) AS used,
       COALESCE(SUM(CASE WHEN r.expires_ms > $4 THEN r.amount END), 0) AS reserved
FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS q(budget, key, since, i)
LEFT JOIN budget_reservations r ON r.budget = q.budget AND r.key = q.key AND r.created_ms > q.since
GROUP BY q.i ORDER BY q.i`;

/**
 * Budgets in PostgreSQL, shared by every app instance. reserve() takes a
 * transaction-scoped advisory lock per counter (hash of budget and key, in
 * sorted order so two reservations never deadlock) before it sums and inserts:
 * under READ COMMITTED the sum after the lock sees every reservation committed
 * by the previous holder. A hash collision only serializes two counters.
 */
export class PostgresBudgetStore implements BudgetStore {
  readonly #pool: Pool;
  #reserves = 0;

  private constructor(pool: Pool) {
    this.#pool = pool;
  }

  static async open(url: string, options: { max?: number } = {}): Promise<PostgresBudgetStore> {
    const pool = await openPostgresPool(url, options);
    try {
      // Two instances starting together must not race on CREATE TABLE IF NOT EXISTS.
      await inPostgresTransaction(pool, async (client) => {
        await client.query("SELECT pg_advisory_xact_lock(hashtextextended('toolgate budget schema', 0))");
        await client.query(SCHEMA);
      });
    } catch (cause) {
      await pool.end().catch(() => {});
      throw new StoreError("store_failed", `Cannot set up the budget tables: ${(cause as Error).message}`, { cause });
    }
    return new PostgresBudgetStore(pool);
  }

  async usage(queries: readonly UsageQuery[], now: number): Promise<CounterUsage[]> {
    if (queries.length === 0) return [];
    const result = await this.#pool.query(USAGE, [queries.map((q) => q.budget), queries.map((q) => q.key), queries.map((q) => now - q.windowMs), now]);
    return result.rows.map((row: { used: number; reserved: number }) => ({ used: Number(row.used), reserved: Number(row.reserved) }));
  }

  async reserve(lines: readonly ReservationLine[], now: number): Promise<ReserveResult> {
    const id = randomUUID();
    const counters = [...new Set(lines.map((line) => JSON.stringify([line.budget, line.key])))].sort();
    const sweep = ++this.#reserves % SWEEP_EVERY === 0;
    return inPostgresTransaction(this.#pool, async (client) => {
      // Now and then, rows of counters no one uses any more go (dead rows only: no sum changes).
      if (sweep) await client.query("DELETE FROM budget_reservations WHERE created_ms <= $1 - window_ms OR expires_ms <= $1", [now]);
      for (const counter of counters) await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [counter]);
      await client.query(
        `DELETE FROM budget_reservations r USING unnest($1::text[], $2::text[], $3::bigint[]) AS q(budget, key, since)
         WHERE r.budget = q.budget AND r.key = q.key AND (r.created_ms <= q.since OR r.expires_ms <= $4)`,
        [lines.map((l) => l.budget), lines.map((l) => l.key), lines.map((l) => now - l.windowMs), now],
      );
      const usage = await client.query(USAGE, [lines.map((l) => l.budget), lines.map((l) => l.key), lines.map((l) => now - l.windowMs), now]);
      for (const [i, line] of lines.entries()) {
        const used = Number(usage.rows[i].used);
        const reserved = Number(usage.rows[i].reserved);
        if (!(used + reserved + line.amount <= line.cap)) return { ok: false, budget: line.budget, used, reserved } as const;
      }
      await client.query(
        `INSERT INTO budget_reservations (id, budget, key, amount, created_ms, window_ms, expires_ms)
         SELECT $1, q.budget, q.key, q.amount, $5, q.window_ms, $5 + q.reservation_ms
         FROM unnest($2::text[], $3::text[], $4::double precision[], $6::bigint[], $7::bigint[]) AS q(budget, key, amount, window_ms, reservation_ms)`,
        [id, lines.map((l) => l.budget), lines.map((l) => l.key), lines.map((l) => l.amount), now, lines.map((l) => l.windowMs), lines.map((l) => l.reservationMs)],
      );
      return { ok: true, id, at: now, lines } as const;
    });
  }

  async settle(reservation: Reservation): Promise<void> {
    const { id, at, lines } = reservation;
    await this.#pool.query(
      `INSERT INTO budget_reservations (id, budget, key, amount, created_ms, window_ms, expires_ms)
       SELECT $1, q.budget, q.key, q.amount, $5, q.window_ms, NULL
       FROM unnest($2::text[], $3::text[], $4::double precision[], $6::bigint[]) AS q(budget, key, amount, window_ms)
       ON CONFLICT (id, budget) DO UPDATE SET expires_ms = NULL`,
      [id, lines.map((l) => l.budget), lines.map((l) => l.key), lines.map((l) => l.amount), at, lines.map((l) => l.windowMs)],
    );
  }

  async release(id: string): Promise<void> {
    await this.#pool.query("DELETE FROM budget_reservations WHERE id = $1", [id]);
  }

  async list(now: number): Promise<CounterListing[]> {
    const result = await this.#pool.query(
      `SELECT budget, key, MAX(window_ms) AS window_ms,
              COALESCE(SUM(CASE WHEN expires_ms IS NULL THEN amount END), 0) AS used,
              COALESCE(SUM(CASE WHEN expires_ms > $1 THEN amount END), 0) AS reserved,
              COUNT(*) AS calls, MAX(created_ms) AS last_ms
       FROM budget_reservations
       WHERE created_ms > $1 - window_ms AND (expires_ms IS NULL OR expires_ms > $1)
       GROUP BY budget, key ORDER BY budget, key`,
      [now],
    );
    return result.rows.map(counterFromRow);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
