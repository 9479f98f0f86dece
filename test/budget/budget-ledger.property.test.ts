// The gate's budget against a reference ledger written out plainly: for any
// sequence of calls (amounts, invalid amounts), tool outcomes (ran, failed,
// process killed before settling) and clock moves, a call is allowed exactly
// when the reference says it fits (used + unexpired reservations in the
// sliding window + amount <= limit): never more (0 overspend), and in
// sequential use never less.
import fc from "fast-check";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, expect, test } from "vitest";
import { openBudgetStore } from "../../src/budget/open-budget-store.ts";
import { Gate } from "../../src/gate/gate.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { openTool } from "../helpers/constraint-gate.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";

const LIMIT = 1000;
const WINDOW_MS = 3_600_000;
const RESERVATION_MS = 60_000;
const tools = [openTool("spend")];
let engine: PolicyEngine;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-ledger-"));
  const rego = path.join(dir, "rego");
  await mkdir(rego);
  await writeFile(
    path.join(rego, "toolgate.yaml"),
    `version: 1
tools:
  spend:
    effect: allow
    budgets:
      - { name: ledger, sum: amount, limit: ${LIMIT}, window: 1h, per: [assistant], reservation_seconds: ${RESERVATION_MS / 1000} }
`,
  );
  await writeFile(path.join(rego, "tools.json"), JSON.stringify(tools));
  await compileBundle({ regoDir: rego, out: path.join(dir, "bundle.tar.gz") });
  engine = await PolicyEngine.load(await readBundle(path.join(dir, "bundle.tar.gz")));
}, 120_000);

type Step =
  | { kind: "call"; amount: unknown; end: "ran" | "not_run" | "killed" }
  | { kind: "wait"; ms: number };

// Multiples of 0.5 add exactly in binary, so the store's SUM and the reference agree to the last bit.
const amount = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 1200 }).map((n) => n / 2) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, -0.5, "100", null, "Infinity", true) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("call" as const), amount, end: fc.constantFrom("ran" as const, "not_run" as const, "killed" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.oneof(fc.integer({ min: 0, max: 90_000 }), fc.constant(WINDOW_MS)) }) },
);

test("allowed exactly when the reference ledger says the call fits", async () => {
  const store = await openBudgetStore(":memory:");
  let now = Date.UTC(2026, 0, 1);
  const gate = new Gate(engine, { tools, budgets: store, clock: () => now });
  let run = 0;
  let decisions = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 16 }), async (steps) => {
      // Each run its own counter (assistant) and its own stretch of time.
      const assistant = `asst_${run++}`;
      now += 10 * WINDOW_MS;
      const ledger: Array<{ at: number; amount: number; settled: boolean; expires: number }> = [];
      const usage = (): number =>
        ledger.filter((e) => e.at > now - WINDOW_MS && (e.settled || e.expires > now)).reduce((sum, e) => sum + e.amount, 0);
      for (const s of steps) {
        if (s.kind === "wait") {
          now += s.ms;
          continue;
        }
        const decision = await gate.decide({ surface: "chat", assistant_id: assistant, call_id: `c${decisions++}`, name: "spend", arguments: JSON.stringify({ amount: s.amount }) });
        const valid = typeof s.amount === "number" && Number.isFinite(s.amount) && s.amount >= 0;
        if (!valid) {
          expect(decision.reasons.map((r) => r.code)).toEqual(["budget_amount_invalid"]);
          continue;
        }
        const fits = usage() + (s.amount as number) <= LIMIT;
        expect(decision.effect).toBe(fits ? "allow" : "deny");
        if (!fits) {
          expect(decision.reasons.map((r) => r.code)).toEqual(["budget_exceeded"]);
          continue;
        }
        const entry = { at: now, amount: s.amount as number, settled: false, expires: now + RESERVATION_MS };
        ledger.push(entry);
        if (s.end === "ran") {
          await gate.finish(decision, "ran");
          entry.settled = true;
        } else if (s.end === "not_run") {
          await gate.finish(decision, "not_run");
          ledger.pop();
        }
        // killed: never settled nor released; the reservation counts until it expires.
      }
    }),
    { numRuns: fuzzRuns(2500) },
  );
  // About 6.8 calls per sequence (~17,000 in all): >= 10,000 decisions checked at scale 1.
  expect(decisions).toBeGreaterThanOrEqual(fuzzRuns(10_000));
  await store.close();
}, fuzzTimeout());
