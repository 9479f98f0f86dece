// `make bench`: every benchmark in one run. Writes test/bench/results.json
// (git-ignored) and regenerates test/bench/results.md, and prints the table.
import { writeFileSync } from "node:fs";
import { benchColdStart, benchGateMemory } from "./cold-start.ts";
import { benchAudited } from "./audited.ts";
import { benchBudgets } from "./budgets.ts";
import { seedCalls, seedGate } from "./gate.ts";
import { benchPool, IN_FLIGHT } from "./pool.ts";
import { benchAuditedProfile, benchProfile } from "./profile.ts";
import { machine, resultsFile, writeReport, type BenchResults } from "./report.ts";
import { benchSideBySide } from "./side-by-side.ts";
import { benchStages } from "./stages.ts";
import { measureConcurrent } from "./stats.ts";
import { benchWorstCase } from "./worst-case.ts";

const quick = process.env.BENCH_QUICK === "1";
const m = machine();
const log = (text: string): void => void process.stderr.write(`${text}\n`);

log("side by side: gate, raw opa-wasm, opa server ...");
const sideBySide = await benchSideBySide(quick ? 2000 : 20_000, quick ? 500 : 5000);
log("gate stages ...");
const stages = await benchStages(quick ? 2000 : 20_000);
log("worker pool ...");
const { gate } = await seedGate();
const calls = await seedCalls();
const inProcess = await measureConcurrent((i) => gate.decide(calls[i % calls.length]!), quick ? 4000 : 40_000, IN_FLIGHT);
const pool = await benchPool(quick ? 4000 : 40_000);
log("audited decisions: unaudited, durability none and group ...");
const audited = await benchAudited(quick ? 4000 : 40_000);
log("budgets: plain gate, in-process, SQLite file, PostgreSQL ...");
const budgets = await benchBudgets(quick ? 2000 : 10_000);
log("worst case: a 24,000-element list ...");
const worstCase = await benchWorstCase(quick ? 10 : 40);
log("cold start (built dist/, fresh processes) and memory per open gate ...");
const coldStart = await benchColdStart(quick ? 3 : 9);
const gateMemory = benchGateMemory(quick ? 5 : 20);
log("profile of gate.evaluate (node --cpu-prof) ...");
const profile = benchProfile(quick ? 10_000 : 60_000);
const auditedProfile = benchAuditedProfile(quick ? 10_000 : 60_000);

const results: BenchResults = {
  measured_at: new Date().toISOString(),
  machine: m,
  side_by_side: sideBySide,
  stages,
  pool: { in_flight: IN_FLIGHT, "in-process gate.decide() (main thread)": inProcess, ...pool } as BenchResults["pool"],
  worst_case: worstCase,
  cold_start: coldStart,
  gate_memory: gateMemory,
  profile,
  audited_profile: auditedProfile,
  audited,
  budgets,
};
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(writeReport());
