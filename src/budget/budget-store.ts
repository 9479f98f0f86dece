/** Reservations between two sweeps of rows that no longer count (counters no one uses any more). */
export const SWEEP_EVERY = 1024;

/** One budget counter the gate asks about: usage of `key` in `budget` since `now - windowMs`. */
export interface UsageQuery {
  readonly budget: string;
  /** The `per` values as JSON text. */
  readonly key: string;
  readonly windowMs: number;
}

/** Settled and reserved amounts of one counter inside its window. */
export interface CounterUsage {
  readonly used: number;
  readonly reserved: number;
}

/** One budget line of a reservation: added only if usage stays at or below `cap` with it. */
export interface ReservationLine extends UsageQuery {
  readonly amount: number;
  /** The largest usage (used + reserved + amount) this reservation may bring the counter to. */
  readonly cap: number;
  /** How long the line counts while unsettled (a process killed mid-call). */
  readonly reservationMs: number;
}

/** A reservation made: what settle() needs to record it even after it expired and was pruned. */
export interface Reservation {
  readonly id: string;
  /** When it was made (its place in the window). */
  readonly at: number;
  readonly lines: readonly ReservationLine[];
}

export type ReserveResult =
  | ({ readonly ok: true } & Reservation)
  /** The first line that did not fit, with the usage it met. */
  | { readonly ok: false; readonly budget: string; readonly used: number; readonly reserved: number };

/** A counter as `policy usage` lists it: usage inside the window its last reservation was made with. */
export interface CounterListing extends CounterUsage {
  readonly budget: string;
  readonly key: string;
  readonly windowMs: number;
  /** Reservations in the window (settled and unsettled). */
  readonly calls: number;
  readonly lastMs: number;
}

/**
 * Where budget usage lives: reservations (one row per call and budget, with
 * its amount, time and window) summed over a sliding window. reserve() is
 * atomic across every process sharing the store: the check and the insert
 * happen under one lock, so two calls can never both take the last unit.
 * Every method rejects on a store failure; the gate turns that into a deny.
 */
export interface BudgetStore {
  /** Usage of each counter, in query order (one round trip). */
  usage(queries: readonly UsageQuery[], now: number): Promise<CounterUsage[]>;
  /** Adds every line or none: refused when any line's usage would pass its cap. */
  reserve(lines: readonly ReservationLine[], now: number): Promise<ReserveResult>;
  /**
   * The tool ran: the reservation becomes usage (it no longer expires). Its
   * lines are written again if they expired and were pruned meanwhile (a tool
   * slower than reservation_seconds): what ran is always counted.
   */
  settle(reservation: Reservation): Promise<void>;
  /** The call did not happen (tool failed, approval rejected or timed out): the reservation is removed. */
  release(id: string): Promise<void>;
  /** Every counter with usage inside its window. */
  list(now: number): Promise<CounterListing[]>;
  close(): Promise<void>;
}

/** One row of a store's counter listing (budget, key, window_ms, used, reserved, calls, last_ms), as both stores return it. */
export function counterFromRow(row: Record<string, unknown>): CounterListing {
  return {
    budget: String(row.budget),
    key: String(row.key),
    windowMs: Number(row.window_ms),
    used: Number(row.used),
    reserved: Number(row.reserved),
    calls: Number(row.calls),
    lastMs: Number(row.last_ms),
  };
}
