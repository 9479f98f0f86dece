import { existsSync } from "node:fs";
import { glob } from "node:fs/promises";
import path from "node:path";
import { watch as watchFiles, type FSWatcher } from "chokidar";
import { InvalidArgumentError, type Command } from "commander";
import type { PolicyEngine } from "../../policy/engine.ts";
import { describeThrown, formatDiagnostic } from "../../policy/errors.ts";
import { PolicyWatcher, type PolicySource, type ReloadOutcome } from "../../policy/watch.ts";
import { loadCaseFile } from "../../testing/case-file.ts";
import { CaseRunner } from "../../testing/case-runner.ts";
import { DEFAULT_CASES_DIR } from "../../testing/discovery.ts";
import { runPolicyTests } from "../../testing/run.ts";
import { summaryLine } from "../../testing/types.ts";
import { findPolicyDir } from "../../policy/policy-dir.ts";
import { DEFAULT_BUNDLE, REGO_OPTION_HELP, defaultToolsFile } from "../defaults.ts";
import { loadToolDeclarations } from "../../gate/load-tools.ts";

/** Seed-format JSON-lines cases `policy watch` also runs when --cases is not given. */
export const DEFAULT_CASES_GLOB = "test/cases/*.jsonl";

interface WatchCliOptions {
  paths: string[];
  test: boolean;
  rego: string;
  out: string;
  bundle?: string;
  tools?: string;
  cases?: string[];
  debounce: number;
  settle: number;
  once?: boolean;
}

export function registerWatch(program: Command): void {
  program
    .command("watch")
    .description(
      "Developer loop: rebuild the policy with opa on every save, run `policy test` (Rego unit tests and " +
        "tool-call cases) and any JSON-lines cases on the new revision, print one line per build " +
        "(the located error when it fails). Ctrl-C stops.",
    )
    .argument("[paths...]", "what `policy test` runs (default: the policy dir and test/cases)")
    .option("--rego <dir>", REGO_OPTION_HELP)
    .option("--out <file>", "where each good build's bundle is written", DEFAULT_BUNDLE)
    .option("--bundle <file>", "watch a prebuilt bundle.tar.gz instead of building (reloaded when it is replaced)")
    .option("--tools <file>", "tool declarations (default: <rego>/tools.json)")
    .option(
      "--cases <file>",
      `tool-call cases (JSON lines {id, assistant_id, tool, arguments, expect}, or a YAML case file), run on the served revision; repeatable (default: ${DEFAULT_CASES_GLOB})`,
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--no-test", "do not run `policy test` after each build (only the JSON-lines cases)")
    .option("--debounce <ms>", "quiet time after a save before rebuilding", nonNegativeInt, 150)
    .option("--settle <ms>", "how long every policy file must hold still before it is built (a half-written save is waited for)", nonNegativeInt, 1000)
    .option("--once", "build and run the cases once, then exit (1 when the build or a case fails)")
    .action(async (paths: string[], options: Omit<WatchCliOptions, "paths" | "rego"> & { rego?: string }) => {
      process.exitCode = await runWatch({ ...options, rego: findPolicyDir(options.rego), paths });
    });
}

/** The engine the loop tests; the watcher swaps it like it swaps a Gate's. */
class Current {
  engine: PolicyEngine | undefined;
  get revision(): string {
    return this.engine?.revision ?? "";
  }
  use(engine: PolicyEngine): void {
    this.engine = engine;
  }
}

async function runWatch(options: WatchCliOptions): Promise<number> {
  const current = new Current();
  const source: PolicySource = options.bundle
    ? { bundle: options.bundle }
    : { regoDir: options.rego, out: options.out, ...(options.tools ? { tools: options.tools } : {}) };
  const watcher = new PolicyWatcher(current, source, { debounceMs: options.debounce, settleMs: options.settle, logger: false });
  const toolsFile = options.tools ?? defaultToolsFile(options.rego);
  let lastOk = true;

  // Reports are serialized: a report reads files and runs cases, a later build must not interleave.
  let reporting: Promise<void> = Promise.resolve();
  const report = (outcome: ReloadOutcome | { status: "cases_changed" }) => {
    reporting = reporting.then(async () => {
      if (outcome.status === "reloaded" || outcome.status === "unchanged") {
        for (const warning of outcome.warnings) process.stderr.write(`policy: warning: ${formatDiagnostic(warning)}\n`);
      }
      const { line, ok } = await describeOutcome(outcome, current, toolsFile, options);
      lastOk = ok;
      process.stdout.write(line);
    });
  };
  watcher.on("reloaded", (e) => report({ status: "reloaded", ...e }));
  watcher.on("unchanged", (e) => report({ status: "unchanged", ...e }));
  watcher.on("reload_failed", (e) => report({ status: "failed", ...e }));

  if (options.once) {
    await watcher.reload();
    await watcher.close();
    await reporting;
    return lastOk ? 0 : 1;
  }

  await watcher.start();
  const casesWatcher = await watchCases(options, () => {
    if (current.engine) report({ status: "cases_changed" });
  });
  process.stdout.write(
    `watching ${watcher.watchedPaths.map(displayPath).join(", ")}${casesWatcher ? " and the cases" : ""} (Ctrl-C stops)\n`,
  );
  await watcher.reload();

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await casesWatcher?.close();
  await watcher.close();
  await reporting;
  process.stdout.write("stopped\n");
  return 0;
}

/** Case files live outside the policy dir: a change reruns the tests without a rebuild. */
async function watchCases(options: WatchCliOptions, onChange: () => void): Promise<FSWatcher | undefined> {
  const paths = [
    ...(options.cases ?? []),
    ...(options.test ? options.paths : []),
    ...((options.cases === undefined || options.test) && existsSync(DEFAULT_CASES_DIR) ? [DEFAULT_CASES_DIR] : []),
  ].filter((p) => !path.resolve(p).startsWith(path.resolve(options.rego) + path.sep) && path.resolve(p) !== path.resolve(options.rego));
  if (paths.length === 0) return undefined;
  const watcher = watchFiles(paths, {
    ignoreInitial: true,
    ignored: (file: string, stats?: { isFile(): boolean }) => Boolean(stats?.isFile()) && !/\.(jsonl|json|ya?ml|rego)$/.test(file),
  });
  let timer: NodeJS.Timeout | undefined;
  watcher.on("all", () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, 100);
  });
  await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  const close = watcher.close.bind(watcher);
  watcher.close = async () => {
    clearTimeout(timer);
    await close();
  };
  return watcher;
}

function stamp(): string {
  return `[${new Date().toTimeString().slice(0, 8)}]`;
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

async function describeOutcome(
  outcome: ReloadOutcome | { status: "cases_changed" },
  current: Current,
  toolsFile: string,
  options: WatchCliOptions,
): Promise<{ line: string; ok: boolean }> {
  if (outcome.status === "failed") {
    const still = outcome.serving ? `still serving ${outcome.serving}` : "nothing is serving";
    const lines = outcome.diagnostics.map((d) => `  ${formatDiagnostic(d)}`);
    return { line: `${stamp()} ✗ build failed in ${Math.round(outcome.buildMs)} ms; ${still}\n${lines.join("\n")}\n`, ok: false };
  }
  const head =
    outcome.status === "reloaded"
      ? `${stamp()} ✓ built ${outcome.to} in ${Math.round(outcome.buildMs)} ms`
      : outcome.status === "unchanged"
        ? `${stamp()} ✓ built ${outcome.revision} in ${Math.round(outcome.buildMs)} ms (unchanged)`
        : `${stamp()} cases changed (revision ${current.revision})`;
  const results: CasesResult[] = [];
  if (options.test) results.push(await runTests(options));
  const cases = await runCases(current.engine!, toolsFile, options.cases);
  if (cases.found || !options.test) results.push(cases);
  const summary = results.map((r) => r.summary).join(" · ");
  const details = results.flatMap((r) => r.details).map((d) => `  ${d}\n`).join("");
  return { line: `${head} · ${summary}\n${details}`, ok: results.every((r) => r.ok) };
}

/** `policy test` on the saved sources: Rego unit tests and tool-call cases (it builds its own test module). */
async function runTests(options: WatchCliOptions): Promise<CasesResult> {
  try {
    const report = await runPolicyTests({
      paths: options.paths,
      rego: options.rego,
      ...(options.tools ? { tools: options.tools } : {}),
    });
    const bad = report.results.filter((r) => r.status === "fail" || r.status === "error");
    const details = bad.slice(0, 10).map((r) => `✗ ${r.name} (${r.file}:${r.line})${r.message ? `: ${r.message}` : ""}`);
    if (bad.length > details.length) details.push(`... and ${bad.length - details.length} more (run policy test)`);
    return {
      summary: `policy test: ${summaryLine(report.summary)} in ${Math.round(report.wallMs)} ms`,
      details,
      ok: bad.length === 0,
      found: report.results.length > 0,
    };
  } catch (err) {
    return { summary: "policy test did not run", details: [describeThrown(err)], ok: false, found: true };
  }
}

interface CasesResult {
  summary: string;
  details: string[];
  ok: boolean;
  /** False when there was nothing to run. */
  found: boolean;
}

/** Runs each case through the gate's decision pipeline on the served revision, as production would decide it. */
export async function runCases(engine: PolicyEngine, toolsFile: string, casesOption: string[] | undefined): Promise<CasesResult> {
  let files: string[];
  let runner: CaseRunner;
  try {
    if (casesOption) files = casesOption;
    else {
      files = [];
      for await (const file of glob(DEFAULT_CASES_GLOB)) files.push(file);
      files.sort();
    }
    if (files.length === 0) {
      return { summary: `no cases (add ${DEFAULT_CASES_GLOB} or pass --cases FILE)`, details: [], ok: true, found: false };
    }
    runner = new CaseRunner(engine, await loadToolDeclarations(toolsFile));
  } catch (err) {
    return { summary: `cases not run: ${describeThrown(err)}`, details: [], ok: false, found: true };
  }
  let passed = 0;
  const failures: string[] = [];
  for (const file of files) {
    try {
      for (const c of await loadCaseFile(file)) {
        const result = runner.run(c);
        if (result.status === "pass") passed += 1;
        else failures.push(`✗ ${c.id} (${result.file}:${result.line}): ${result.message}`);
      }
    } catch (err) {
      failures.push(`✗ ${describeThrown(err)}`);
    }
  }
  const summary = `cases: ${passed} passed, ${failures.length} failed`;
  const shown = failures.slice(0, 10);
  if (failures.length > shown.length) shown.push(`... and ${failures.length - shown.length} more`);
  return { summary, details: shown, ok: failures.length === 0, found: true };
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number of milliseconds.");
  return n;
}
