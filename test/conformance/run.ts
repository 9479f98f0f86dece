// `make conformance`: OPA's own conformance suite (the pinned opa module's
// v1/test/cases/testdata/v1) through toolgate's build and PolicyEngine, in
// worker processes. Prints pass / refused / threw / wrong per case category and
// per builtin, writes every outcome to build/tmp/conformance-results.json, and
// fails when a case's category differs from test/conformance/expectations.json.
//
//   node test/conformance/run.ts [--update] [--filter TEXT] [--workers N]
//
// --update   rewrite expectations.json from this run (after a fix: progress)
// --filter   only the cases whose id or file contains TEXT
// --workers  worker processes (default 2)
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { CAPABILITIES_FILE } from "../../src/policy/package-files.ts";
import { opaBinary, OPA_VERSION } from "../../src/policy/opa-binary.ts";
import type { CaseOutcome, ConformanceCase } from "./conformance-case.ts";
import { changes, countCategories, EXPECTATIONS_FILE, RANK, readExpectations, writeExpectations } from "./expectations.ts";
import { loadCases, ROOT } from "./load-cases.ts";
import { builtinTable, printReport } from "./report.ts";
import type { FromWorker, ToWorker } from "./worker.ts";

const { values: options } = parseArgs({
  options: {
    update: { type: "boolean", default: false },
    filter: { type: "string" },
    workers: { type: "string", default: "2" },
  },
});
const RESULTS_FILE = path.join(ROOT, "build", "tmp", "conformance-results.json");
const log = (text: string): void => void process.stdout.write(`${text}\n`);

const started = performance.now();
const { dir, cases: allCases } = await loadCases();
const filter = options.filter;
const cases = filter ? allCases.filter((c) => c.id.includes(filter) || c.file.includes(filter)) : allCases;
const workerCount = Math.max(1, Math.min(Number(options.workers) || 2, cases.length));
log(`conformance: ${cases.length} of ${allCases.length} cases from ${dir}, ${workerCount} worker processes`);

/** Runs the cases, handing each worker the next case when it answers. */
function runAll(queue: ConformanceCase[]): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  let next = 0;
  let progressShown = 0;
  return new Promise((resolve, reject) => {
    let running = workerCount;
    const feed = (worker: ChildProcess): void => {
      const c = queue[next++];
      worker.send((c ? { case: c } : { exit: true }) satisfies ToWorker);
    };
    for (let i = 0; i < workerCount; i++) {
      const worker = fork(path.join(import.meta.dirname, "worker.ts"), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
      worker.on("message", ({ outcome }: FromWorker) => {
        outcomes.push(outcome);
        if (outcomes.length - progressShown >= 200) {
          progressShown = outcomes.length;
          log(`  ${outcomes.length}/${queue.length} ...`);
        }
        feed(worker);
      });
      worker.on("exit", (code) => {
        if (code !== 0 && code !== null) reject(new Error(`a conformance worker exited with status ${code}`));
        if (--running === 0) resolve(outcomes);
      });
      worker.send({ setup: { opa: opaBinary(), capabilities: CAPABILITIES_FILE } } satisfies ToWorker);
      feed(worker);
    }
  });
}

const RERUNS = 4;
const firstRun = await runAll(cases);
const expectations = readExpectations();

/**
 * A case whose category differs from the file runs RERUNS times more, and
 * counts as the worst of its outcomes: OPA's answer never varies between runs, so a
 * result that does (time.now_ns read twice in one evaluation) is a difference,
 * and a lucky pass is not progress.
 */
async function settleChanges(outcomes: CaseOutcome[]): Promise<CaseOutcome[]> {
  const changed = new Set(changes(expectations, outcomes).map((c) => c.id));
  if (changed.size === 0) return outcomes;
  const again = cases.filter((c) => changed.has(c.id));
  log(`rerunning the ${again.length} case(s) whose category changed, ${RERUNS} times ...`);
  const reruns: CaseOutcome[] = [];
  for (let i = 0; i < RERUNS; i++) reruns.push(...(await runAll(again)));
  return outcomes.map((first) => {
    if (!changed.has(first.id)) return first;
    const all = [first, ...reruns.filter((o) => o.id === first.id)];
    const worst = all.reduce((a, b) => (RANK[b.category] > RANK[a.category] ? b : a));
    const varies = all.some((o) => o.category !== worst.category);
    return varies ? { ...worst, reason: `varies between runs (${all.map((o) => o.category).join(", ")}): ${worst.reason}` } : worst;
  });
}

const outcomes = (await settleChanges(firstRun)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const seconds = (performance.now() - started) / 1000;

const byId = new Map(cases.map((c) => [c.id, c]));
mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
writeFileSync(
  RESULTS_FILE,
  `${JSON.stringify({ opa: OPA_VERSION, counts: countCategories(outcomes), builtins: builtinTable(outcomes, byId), cases: outcomes }, null, 2)}\n`,
);
printReport(outcomes, byId, log);
log(`(${seconds.toFixed(1)} s; every outcome in ${path.relative(process.cwd(), RESULTS_FILE)})`);

const allRan = !filter;
const found = changes(expectations, outcomes);
if (allRan && expectations) {
  const ran = new Set(outcomes.map((o) => o.id));
  for (const [id, was] of Object.entries(expectations.cases)) {
    if (!ran.has(id)) found.push({ id, from: was.category, to: "pass", reason: "no longer among the cases", progress: false });
  }
}
const relExpectations = path.relative(process.cwd(), EXPECTATIONS_FILE);
if (options.update) {
  writeExpectations(OPA_VERSION, outcomes, expectations, allRan);
  log(`\n${relExpectations} updated (${found.length} case${found.length === 1 ? "" : "s"} changed category).`);
  process.exit(0);
}
if (found.length === 0) {
  log(`\nevery case is in the category ${relExpectations} expects.`);
  process.exit(0);
}
const progress = found.filter((f) => f.progress);
const regressions = found.filter((f) => !f.progress);
for (const [title, list] of [["PROGRESS", progress], ["REGRESSION", regressions]] as const) {
  if (list.length === 0) continue;
  log(`\n${title} (${list.length}):`);
  for (const f of list) log(`  ${f.id}: ${f.from} -> ${f.to}${f.reason ? ` (${f.reason})` : ""}`);
}
if (regressions.length === 0) {
  log(`\nOnly progress: run \`node test/conformance/run.ts --update\` (or make conformance-update) and commit ${relExpectations}.`);
} else {
  log(`\n${regressions.length} case(s) moved away from pass. Fix them, or, if the new category is intended, run with --update and commit ${relExpectations}.`);
}
process.exit(1);
