// Several app instances, each a Gate in its own process, racing for one budget
// in a shared store: whatever the interleaving, what they let through never
// passes the limit, and a killed process's reservations expire. Run by
// race.test.ts (make test) and race.soak.ts (make soak, 10,000 calls).
import { fork, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openBudgetStore } from "../../src/budget/open-budget-store.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.ts";

const SUM_LIMIT = 2500;
const COUNT_LIMIT = 1200;
const PROCESSES = 4;
/** Calls in flight per process. */
const IN_FLIGHT = 16;
const worker = path.join(import.meta.dirname, "race-worker.ts");

interface Report {
  allowed: number;
  settled: number;
  settledAmount: number;
  released: number;
  denied: Record<string, number>;
}

/** The suite with `calls` racing calls in all (BUDGET_RACE_CALLS overrides). */
export function raceSuite(defaultCalls: number): void {
  const CALLS = Number(process.env.BUDGET_RACE_CALLS ?? defaultCalls);
  let server: PostgresServer;
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    server = await startPostgres();
    dir = await mkdtemp(path.join(tmpdir(), "toolgate-race-"));
    const rego = path.join(dir, "rego");
    await mkdir(rego);
    await writeFile(
      path.join(rego, "toolgate.yaml"),
      `version: 1
tools:
  spend:
    effect: allow
    budgets:
      - { name: race_spend, sum: amount, limit: ${SUM_LIMIT}, window: 1d }
      - { name: race_calls, count: true, limit: ${COUNT_LIMIT}, window: 1d, per: [assistant] }
`,
    );
    await copyFile(path.join(import.meta.dirname, "race-tools.json"), path.join(rego, "tools.json"));
    bundle = path.join(dir, "bundle.tar.gz");
    await compileBundle({ regoDir: rego, out: bundle });
  }, 120_000);

  afterAll(async () => {
    server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function start(location: string, calls: number, mode: "run" | "die"): { child: ChildProcess; report: Promise<Report> } {
    const child = fork(worker, [bundle, location, String(calls), String(IN_FLIGHT), mode], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const report = new Promise<Report>((resolve, reject) => {
      child.on("message", (m: { ready?: boolean; report?: Report }) => {
        if (m.report) resolve(m.report);
      });
      child.on("exit", (code) => reject(new Error(`race worker exited (${code}) before reporting`)));
    });
    return { child, report };
  }

  /** Starts every process, waits until all are ready, then lets them race at once. */
  async function race(location: string): Promise<Report[]> {
    const workers = Array.from({ length: PROCESSES }, () => start(location, Math.ceil(CALLS / PROCESSES), "run"));
    try {
      // A worker that exits before it is ready fails the race at once (the others would wait for "go" forever).
      await Promise.all(workers.map(({ child }) => new Promise<void>((resolve, reject) => {
        child.once("message", () => resolve());
        child.once("exit", (code) => reject(new Error(`race worker exited (${code}) before it was ready`)));
      })));
      for (const { child } of workers) child.send("go");
      return await Promise.all(workers.map((w) => w.report));
    } catch (err) {
      for (const { child, report } of workers) {
        report.catch(() => undefined);
        child.kill("SIGKILL");
      }
      throw err;
    }
  }

  async function checkNoOverspend(location: string, reports: Report[]): Promise<void> {
    const store = await openBudgetStore(location);
    try {
      const now = Date.now();
      const [spend, calls] = await store.usage(
        [
          { budget: "race_spend", key: "[]", windowMs: 86_400_000 },
          { budget: "race_calls", key: '["asst_race"]', windowMs: 86_400_000 },
        ],
        now,
      );
      const settledAmount = reports.reduce((n, r) => n + r.settledAmount, 0);
      const settled = reports.reduce((n, r) => n + r.settled, 0);
      const allowed = reports.reduce((n, r) => n + r.allowed, 0);
      const denied = reports.reduce((n, r) => n + Object.values(r.denied).reduce((a, b) => a + b, 0), 0);
      expect(allowed + denied).toBe(PROCESSES * Math.ceil(CALLS / PROCESSES));
      // 0 overspend: what ran never passes either limit, and the store holds exactly what ran.
      expect(spend).toEqual({ used: settledAmount, reserved: 0 });
      expect(calls).toEqual({ used: settled, reserved: 0 });
      expect(settledAmount).toBeLessThanOrEqual(SUM_LIMIT);
      expect(settled).toBeLessThanOrEqual(COUNT_LIMIT);
      // The race was real: a limit filled up (less what the last released calls gave back) and the rest were denied for it.
      const slack = PROCESSES * IN_FLIGHT;
      expect(settled >= COUNT_LIMIT - slack || settledAmount >= SUM_LIMIT - 3 * slack, JSON.stringify({ settled, settledAmount })).toBe(true);
      expect(denied).toBeGreaterThan(0);
      const codes = reports.reduce<Record<string, number>>((all, r) => {
        for (const [code, n] of Object.entries(r.denied)) all[code] = (all[code] ?? 0) + n;
        return all;
      }, {});
      expect(Object.keys(codes).filter((code) => code !== "budget_exceeded" && code !== "rate_limited"), JSON.stringify(codes)).toEqual([]);
    } finally {
      await store.close();
    }
  }

  async function checkKilledProcessExpires(location: string): Promise<void> {
    const { child, report } = start(location, 40, "die");
    child.once("message", () => child.send("go"));
    const held = await report;
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(held.allowed).toBe(40);
    const store = await openBudgetStore(location);
    try {
      const query = [{ budget: "race_calls", key: '["asst_race"]', windowMs: 86_400_000 }];
      const now = Date.now();
      expect(await store.usage(query, now)).toEqual([{ used: 0, reserved: 40 }]);
      // After reservation_seconds (default 900) the dead process's share counts no more, and is free again.
      const later = now + 900_001;
      expect(await store.usage(query, later)).toEqual([{ used: 0, reserved: 0 }]);
      const line = { budget: "race_calls", key: '["asst_race"]', windowMs: 86_400_000, reservationMs: 1000, amount: COUNT_LIMIT, cap: COUNT_LIMIT };
      expect((await store.reserve([line], now)).ok).toBe(false);
      expect((await store.reserve([line], later)).ok).toBe(true);
    } finally {
      await store.close();
    }
  }

  describe("PostgreSQL, several processes", () => {
    test(`${CALLS} racing calls: 0 overspend`, async () => {
      const url = server.createDatabase("race");
      await checkNoOverspend(url, await race(url));
    }, 300_000);

    test("a killed process's reservations expire", async () => {
      await checkKilledProcessExpires(server.createDatabase("killed"));
    }, 60_000);
  });

  describe("SQLite file, several processes", () => {
    test(`${CALLS} racing calls: 0 overspend`, async () => {
      const file = `sqlite:${path.join(dir, "race.db")}`;
      await checkNoOverspend(file, await race(file));
    }, 300_000);

    test("a killed process's reservations expire", async () => {
      await checkKilledProcessExpires(`sqlite:${path.join(dir, "killed.db")}`);
    }, 60_000);
  });
}
