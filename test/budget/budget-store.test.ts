import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SWEEP_EVERY, type BudgetStore, type ReservationLine } from "../../src/budget/budget-store.ts";
import { openBudgetStore } from "../../src/budget/open-budget-store.ts";
import { StoreError } from "../../src/store/errors.ts";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

function line(amount: number, cap: number, extra: Partial<ReservationLine> = {}): ReservationLine {
  return { budget: "daily_refunds", key: '["asst_1"]', windowMs: 24 * HOUR, reservationMs: 60_000, amount, cap, ...extra };
}

let server: PostgresServer;
let dir: string;
let databases = 0;

beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(path.join(tmpdir(), "toolgate-budget-"));
});
afterAll(() => {
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const kinds: Array<[string, () => Promise<BudgetStore>]> = [
  ["sqlite", () => openBudgetStore(`sqlite:${path.join(dir, `b${++databases}.db`)}`)],
  ["postgres", () => openBudgetStore(server.createDatabase(`budget_${++databases}`))],
];

describe.each(kinds)("%s budget store", (_kind, open) => {
  test("reserve counts as reserved, settle turns it into used, release removes it", async () => {
    const store = await open();
    try {
      const query = [{ budget: "daily_refunds", key: '["asst_1"]', windowMs: 24 * HOUR }];
      const a = await store.reserve([line(300, 1000)], T0);
      const b = await store.reserve([line(200, 1000)], T0 + 1);
      expect(a.ok && b.ok).toBe(true);
      expect(await store.usage(query, T0 + 2)).toEqual([{ used: 0, reserved: 500 }]);
      if (a.ok) await store.settle(a);
      if (b.ok) await store.release(b.id);
      expect(await store.usage(query, T0 + 3)).toEqual([{ used: 300, reserved: 0 }]);
      // Another key is another counter.
      expect(await store.usage([{ ...query[0]!, key: '["asst_2"]' }], T0 + 3)).toEqual([{ used: 0, reserved: 0 }]);
    } finally {
      await store.close();
    }
  });

  test("a reservation that would pass the cap is refused and adds nothing; exactly the cap fits", async () => {
    const store = await open();
    try {
      expect((await store.reserve([line(600, 1000)], T0)).ok).toBe(true);
      expect(await store.reserve([line(400.5, 1000)], T0)).toEqual({ ok: false, budget: "daily_refunds", used: 0, reserved: 600 });
      expect((await store.reserve([line(400, 1000)], T0)).ok).toBe(true);
      expect((await store.reserve([line(0.01, 1000)], T0)).ok).toBe(false);
      const listed = await store.list(T0 + 1);
      expect(listed).toEqual([{ budget: "daily_refunds", key: '["asst_1"]', windowMs: 24 * HOUR, used: 0, reserved: 1000, calls: 2, lastMs: T0 }]);
    } finally {
      await store.close();
    }
  });

  test("all lines or none: a refused second budget leaves the first untouched", async () => {
    const store = await open();
    try {
      const rate = { budget: "blast_rate", key: "[]", windowMs: HOUR };
      expect((await store.reserve([line(1, 1, rate)], T0)).ok).toBe(true);
      const refused = await store.reserve([line(10, 1000), line(1, 1, rate)], T0);
      expect(refused).toMatchObject({ ok: false, budget: "blast_rate" });
      expect(await store.usage([{ budget: "daily_refunds", key: '["asst_1"]', windowMs: 24 * HOUR }], T0)).toEqual([{ used: 0, reserved: 0 }]);
    } finally {
      await store.close();
    }
  });

  test("usage slides with the window; an unsettled reservation stops counting when it expires", async () => {
    const store = await open();
    try {
      const hourly = { windowMs: HOUR, reservationMs: 2 * HOUR };
      const settled = await store.reserve([line(1, 2, hourly)], T0);
      if (settled.ok) await store.settle(settled);
      // A process that reserved and died: never settled, never released.
      expect((await store.reserve([line(1, 2, { ...hourly, reservationMs: 10_000 })], T0 + 1000)).ok).toBe(true);
      expect((await store.reserve([line(1, 2, hourly)], T0 + 2000)).ok).toBe(false);
      // 10 s later the dead reservation has expired: its unit is free again.
      expect((await store.reserve([line(1, 2, hourly)], T0 + 11_001)).ok).toBe(true);
      // Past the hour, the first (settled) call leaves the window.
      const query = [{ budget: "daily_refunds", key: '["asst_1"]', windowMs: HOUR }];
      expect(await store.usage(query, T0 + HOUR - 1)).toEqual([{ used: 1, reserved: 1 }]);
      expect(await store.usage(query, T0 + HOUR)).toEqual([{ used: 0, reserved: 1 }]);
    } finally {
      await store.close();
    }
  });

  test("a tool slower than its reservation still counts once it settles, even after the reservation was pruned", async () => {
    const store = await open();
    try {
      const slow = await store.reserve([line(600, 1000, { reservationMs: 1000 })], T0);
      // 2 s later the slow call's reservation has expired; this reserve prunes it and fits.
      expect((await store.reserve([line(700, 1000)], T0 + 2000)).ok).toBe(true);
      if (slow.ok) await store.settle(slow);
      const query = [{ budget: "daily_refunds", key: '["asst_1"]', windowMs: 24 * HOUR }];
      expect(await store.usage(query, T0 + 3000)).toEqual([{ used: 600, reserved: 700 }]);
      if (slow.ok) await store.settle(slow);
      expect(await store.usage(query, T0 + 3000)).toEqual([{ used: 600, reserved: 700 }]);
    } finally {
      await store.close();
    }
  });

  test("rows of counters no one uses again are swept out once their window has passed", async () => {
    const store = await open();
    try {
      const once = (i: number, at: number) => store.reserve([line(1, 10, { key: JSON.stringify([`made-up-${i}`]), windowMs: HOUR, reservationMs: 24 * HOUR })], at);
      for (let i = 1; i < SWEEP_EVERY; i++) await once(i, T0);
      const dayQuery = [{ budget: "daily_refunds", key: '["made-up-1"]', windowMs: 24 * HOUR }];
      // Read with a longer window than the rows were made with: whatever is still stored shows.
      expect(await store.usage(dayQuery, T0 + 2 * HOUR)).toEqual([{ used: 0, reserved: 1 }]);
      await once(SWEEP_EVERY, T0 + 2 * HOUR);
      expect(await store.usage(dayQuery, T0 + 2 * HOUR)).toEqual([{ used: 0, reserved: 0 }]);
    } finally {
      await store.close();
    }
  }, 120_000);

  test("usage of several counters in one call, in query order", async () => {
    const store = await open();
    try {
      await store.reserve([line(5, 100, { key: '["a"]' })], T0);
      await store.reserve([line(7, 100, { key: '["b"]' })], T0);
      const q = (key: string) => ({ budget: "daily_refunds", key, windowMs: HOUR });
      expect(await store.usage([q('["b"]'), q('["c"]'), q('["a"]')], T0)).toEqual([
        { used: 0, reserved: 7 },
        { used: 0, reserved: 0 },
        { used: 0, reserved: 5 },
      ]);
    } finally {
      await store.close();
    }
  });

  test("a closed store rejects instead of answering", async () => {
    const store = await open();
    await store.close();
    await expect(store.reserve([line(1, 10)], T0)).rejects.toThrow();
  });
});

test("an unreachable PostgreSQL store is a StoreError naming the problem", async () => {
  await expect(openBudgetStore("postgres://postgres@127.0.0.1:1/none")).rejects.toThrow(StoreError);
});
