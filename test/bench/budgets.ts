// Decisions per second with budgets (issue 16): the plain gate next to a
// budgeted tool whose usage lives in memory (SQLite :memory:), in an SQLite
// file and in PostgreSQL on loopback. A budgeted call is gate.decide() (usage
// read + policy + reservation) then gate.finish(ran) (settle): the whole cost
// a ToolGuard pays. The limit is never reached, so every call reserves.
// Run: make bench (or node test/bench/budgets.ts).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BudgetStore } from "../../src/budget/budget-store.ts";
import { openBudgetStore } from "../../src/budget/open-budget-store.ts";
import { Gate } from "../../src/gate/gate.ts";
import type { ToolCall, ToolDeclaration } from "../../src/gate/tool-call.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { postgresAvailable, startPostgres } from "../helpers/postgres-server.ts";
import { measureConcurrent, type LatencyStats } from "./stats.ts";

export const BUDGET_IN_FLIGHT = 8;

export interface BudgetsBenchResult {
  in_flight: number;
  rows: Record<string, LatencyStats>;
}

const CONFIG = `version: 1
tools:
  lookup: { effect: allow }
  spend:
    effect: allow
    budgets:
      - { name: bench_spend, sum: amount, limit: 1000000000000, window: 1h, per: [assistant] }
`;

const tools: ToolDeclaration[] = ["lookup", "spend"].map((name) => ({
  type: "function",
  function: { name, parameters: { type: "object", properties: { id: { type: "string" }, amount: { type: "number" } } } },
}));

const lookup = (i: number): ToolCall => ({ surface: "chat", assistant_id: `asst_${i % 8}`, call_id: `c${i}`, name: "lookup", arguments: `{"id":"c-${i}"}` });
const spend = (i: number): ToolCall => ({ surface: "chat", assistant_id: `asst_${i % 8}`, call_id: `c${i}`, name: "spend", arguments: `{"amount":${1 + (i % 50)}}` });

export async function benchBudgets(iterations = 10_000): Promise<BudgetsBenchResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-bench-budgets-"));
  try {
    const rego = path.join(dir, "rego");
    await mkdir(rego);
    await writeFile(path.join(rego, "toolgate.yaml"), CONFIG);
    await writeFile(path.join(rego, "tools.json"), JSON.stringify(tools));
    await compileBundle({ regoDir: rego, out: path.join(dir, "bundle.tar.gz") });
    const engine = await PolicyEngine.load(await readBundle(path.join(dir, "bundle.tar.gz")));

    const rows: Record<string, LatencyStats> = {};
    const plain = new Gate(engine, { tools });
    rows["plain gate, a tool without budgets"] = await measureConcurrent((i) => plain.decide(lookup(i)), iterations, BUDGET_IN_FLIGHT);

    const budgeted = async (store: BudgetStore, n: number): Promise<LatencyStats> => {
      const gate = new Gate(engine, { tools, budgets: store });
      try {
        return await measureConcurrent(
          async (i) => {
            const decision = await gate.decide(spend(i));
            if (decision.effect !== "allow") throw new Error(`bench call denied: ${JSON.stringify(decision.reasons)}`);
            await gate.finish(decision, "ran");
          },
          n,
          BUDGET_IN_FLIGHT,
        );
      } finally {
        await store.close();
      }
    };
    rows["budgeted, in-process (SQLite :memory:)"] = await budgeted(await openBudgetStore(":memory:"), iterations);
    rows["budgeted, SQLite file (WAL, synchronous=FULL)"] = await budgeted(await openBudgetStore(`sqlite:${path.join(dir, "budgets.db")}`), Math.max(500, iterations / 10));
    if (postgresAvailable()) {
      const server = await startPostgres();
      try {
        rows["budgeted, PostgreSQL on loopback (fsync off)"] = await budgeted(await openBudgetStore(server.createDatabase("bench")), Math.max(500, iterations / 4));
      } finally {
        server.stop();
      }
    }
    return { in_flight: BUDGET_IN_FLIGHT, rows };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const result = await benchBudgets(Number(process.env.BENCH_ITERATIONS ?? 10_000));
  for (const [label, s] of Object.entries(result.rows)) {
    process.stdout.write(`${label.padEnd(48)} ${String(s.per_second).padStart(8)}/s  p50 ${s.p50_us} us  p99 ${s.p99_us} us\n`);
  }
}
