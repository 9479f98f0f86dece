import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { openBudgetStore } from "../../src/budget/open-budget-store.ts";
import { runCli } from "../helpers/run-cli.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-usage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("policy usage lists each counter's settled and reserved usage from the store", async () => {
  const file = path.join(dir, "budgets.db");
  const store = await openBudgetStore(`sqlite:${file}`);
  const now = Date.now();
  const line = { budget: "daily_refunds", key: '["asst_1"]', windowMs: 86_400_000, reservationMs: 900_000, cap: 2000 };
  const a = await store.reserve([{ ...line, amount: 500 }], now);
  await store.reserve([{ ...line, amount: 250 }], now);
  await store.reserve([{ budget: "email_blasts", key: '["asst_1"]', windowMs: 3_600_000, reservationMs: 900_000, cap: 4, amount: 1 }], now);
  if (a.ok) await store.settle(a);
  await store.close();

  const json = await runCli(["usage", "--store", file, "--format", "json"]);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toEqual([
    { budget: "daily_refunds", key: ["asst_1"], windowMs: 86_400_000, window: "1d", used: 500, reserved: 250, calls: 2, lastMs: now },
    { budget: "email_blasts", key: ["asst_1"], windowMs: 3_600_000, window: "1h", used: 0, reserved: 1, calls: 1, lastMs: now },
  ]);
  const table = await runCli(["usage", "--store", file, "--budget", "email_blasts"]);
  expect(table.stdout.split("\n")[0]).toMatch(/^budget\s+key\s+used\s+reserved\s+calls\s+window\s+last$/);
  expect(table.stdout).toContain('email_blasts  ["asst_1"]  0     1         1      1h');
  expect(table.stdout).not.toContain("daily_refunds");
});

test("policy usage refuses a store that is not there instead of creating one", async () => {
  const result = await runCli(["usage", "--store", path.join(dir, "missing.db")]);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain("No budget store at");
  expect(existsSync(path.join(dir, "missing.db"))).toBe(false);
});
