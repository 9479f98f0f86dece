import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadToolDeclarations } from "../gate/load-tools.ts";
import type { AnyToolDeclaration } from "../gate/tool-call.ts";
import { CaseFileError, loadCaseFile, type ToolCallCase } from "./case-file.ts";
import { CaseRunner } from "./case-runner.ts";
import { compareWithOpa } from "./compare-opa.ts";
import { discover } from "./discovery.ts";
import { buildTestBundle, readRegoTests } from "./rego-build.ts";
import { runRegoTest } from "./rego-tests.ts";
import { summarize, type TestReport, type TestResult } from "./types.ts";

export interface RunOptions {
  paths: string[];
  /** Policy directory (default: first path with a toolgate.yaml, else rego). */
  rego?: string;
  /** Tool declarations for the cases (default: <policy dir>/tools.json). */
  tools?: string;
  /** Only tests whose name matches (a regular expression). */
  run?: string;
  bail?: boolean;
  compareOpa?: boolean;
}

/**
 * `policy test`: discovers Rego unit tests and tool-call cases, compiles the
 * policy and every selected test to one WASM module (once), runs the tests on
 * it in-process and the cases through the gate on the same module.
 */
export async function runPolicyTests(options: RunOptions): Promise<TestReport> {
  const started = performance.now();
  const found = await discover(options.paths, options.rego);
  const filter = options.run === undefined ? undefined : new RegExp(options.run);
  const selected = (name: string) => filter === undefined || filter.test(name);

  // Read and validate everything before building: a bad case file is a usage error.
  const { tests: allTests, files: testFiles } = await readRegoTests(found.regoTestFiles);
  const tests = allTests.filter((t) => selected(t.name));
  const cases: ToolCallCase[] = [];
  const caseProblems: string[] = [];
  for (const file of found.caseFiles) {
    try {
      cases.push(...(await loadCaseFile(file)).filter((c) => selected(`${c.file}#${c.id}`)));
    } catch (err) {
      if (!(err instanceof CaseFileError)) throw err;
      caseProblems.push(...err.problems);
    }
  }
  if (caseProblems.length > 0) throw new CaseFileError(caseProblems);
  let tools: AnyToolDeclaration[] = [];
  if (cases.length > 0) tools = await loadToolDeclarations(options.tools ?? path.join(found.policyDir, "tools.json"));

  const workDir = await mkdtemp(path.join(tmpdir(), "toolgate-test-"));
  try {
    const buildStarted = performance.now();
    const built = await buildTestBundle({
      policyDir: found.policyDir,
      tests,
      files: testFiles.filter((f) => tests.some((t) => t.file === f.file)),
      workDir,
    });
    const buildMs = performance.now() - buildStarted;

    const results: TestResult[] = [];
    let bailed = false;
    const add = (r: TestResult): boolean => {
      results.push(r);
      if (options.bail && (r.status === "fail" || r.status === "error")) bailed = true;
      return bailed;
    };
    for (const t of tests) if (add(runRegoTest(built.engine, t, built.buildErrors.get(t.entrypoint)))) break;
    if (!bailed && cases.length > 0) {
      const runner = new CaseRunner(built.engine, tools);
      for (const c of cases) if (add(runner.run(c))) break;
    }

    const notes: string[] = [];
    if (built.builds > 1) notes.push(`built ${built.builds} times to take out tests that do not compile to WASM`);
    if (options.compareOpa && !bailed && tests.length > 0) {
      const compiledOriginals = built.compiled.files.filter((f) => !path.resolve(f).startsWith(workDir));
      const regoFiles = [...new Map([...compiledOriginals, ...testFiles.map((f) => f.file)].map((f) => [path.resolve(f), f])).values()];
      const parity = await compareWithOpa({ regoFiles, config: built.compiled.config, wasmResults: results, workDir });
      results.push(...parity.results);
      notes.push(...parity.notes);
    }
    return {
      results,
      summary: summarize(results),
      revision: built.compiled.revision,
      buildMs,
      wallMs: performance.now() - started,
      bailed,
      notes,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
