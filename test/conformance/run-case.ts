/**
 * Runs one OPA conformance case through toolgate's path: `opa build -t wasm`
 * with toolgate's capabilities (build/capabilities.json, as compileBundle
 * passes it), then PolicyEngine.load and evaluateJson as the gate's pipeline
 * calls it. The checks mirror OPA's WASM e2e runner
 * (internal/wasm/sdk/test/e2e/external_test.go assert).
 */
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { readBundle } from "../../src/policy/bundle.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { parseRegoModules } from "../../src/policy/rego-modules.ts";
import { numberIndexedDataProblem } from "../../src/policy/rule-lint.ts";
import { compareResultSets } from "./compare-results.ts";
import type { CaseOutcome, ConformanceCase } from "./conformance-case.ts";

const run = promisify(execFile);

const BUILD_TIMEOUT_MS = 120_000;
/** Messages are cut to this length in reasons: enough to tell one failure from another. */
const REASON_LENGTH = 240;

export interface CaseRunner {
  opa: string;
  capabilities: string;
  /** A scratch folder of this worker's own. */
  work: string;
}

function short(text: string, work: string): string {
  const oneLine = text.split(work).join("").replace(/\s+/g, " ").trim();
  return oneLine.length > REASON_LENGTH ? `${oneLine.slice(0, REASON_LENGTH)}...` : oneLine;
}

function summary(value: unknown): string {
  return JSON.stringify(value) ?? "undefined";
}

/** The builtins opa's type checker names as undefined functions. */
function missingBuiltins(buildOutput: string): string[] {
  const names = new Set<string>();
  for (const match of buildOutput.matchAll(/undefined function ([A-Za-z0-9_.]+)/g)) names.add(match[1]!);
  return [...names].sort();
}

function wantsError(c: ConformanceCase): boolean {
  return c.want_error_code !== undefined || c.want_error !== undefined;
}

/** What OPA expects, for reasons: "error eval_conflict_error", "defined", a result set. */
function wanted(c: ConformanceCase): string {
  if (c.want_defined !== undefined) return c.want_defined ? "defined" : "undefined";
  if (c.want_result !== undefined) return summary(c.want_result);
  if (c.strict_error) return "an empty result (strict-error case)";
  return `error ${c.want_error_code ?? c.want_error}`;
}

/** Whether the base data document holds an object (not an array) at path. */
function isBaseObject(data: unknown, path: readonly string[]): boolean {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, key)) return false;
    value = (value as Record<string, unknown>)[key];
  }
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export async function runCase(runner: CaseRunner, c: ConformanceCase): Promise<CaseOutcome> {
  const ran = await runThroughEngine(runner, c);
  // A set in the input reaches the module as an array (JSON, all a gate is given,
  // has no sets), so a different result there says nothing about the runtime.
  if (ran.category === "wrong" && c.input_has_set) {
    return { ...ran, category: "skipped", reason: `input_term holds a set, which JSON input cannot carry (${ran.reason})` };
  }
  return ran;
}

async function runThroughEngine(runner: CaseRunner, c: ConformanceCase): Promise<CaseOutcome> {
  const outcome = (category: CaseOutcome["category"], reason = "", missing?: string[]): CaseOutcome =>
    missing ? { id: c.id, category, reason, missing } : { id: c.id, category, reason };
  if (c.wrapper === undefined) {
    return wantsError(c) && !c.strict_error ? outcome("pass") : outcome("refused", `query does not parse: ${c.wrap_error ?? ""}`);
  }
  const dir = path.join(runner.work, "case");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    const files = [path.join(dir, "query.rego")];
    await writeFile(files[0]!, c.wrapper);
    for (const [i, module] of c.modules.entries()) {
      const file = path.join(dir, `module${i}.rego`);
      await writeFile(file, module);
      files.push(file);
    }
    // toolgate's compile refuses a number literal indexing data.toolgate.config, its only base
    // data (rule-lint's data_number_index); here, one indexing an object of the case's data.
    if ([c.wrapper, ...c.modules].some((m) => /\[\s*-?\d/.test(m))) {
      const refs = (await parseRegoModules(runner.opa, files)).flatMap((m) => m?.dataRefs ?? []);
      const intoObject = refs.find((r) => r.numberIndex && isBaseObject(c.data, r.path));
      if (intoObject) return outcome("refused", `build error: ${numberIndexedDataProblem(intoObject).message}`);
    }
    const bundleFile = path.join(dir, "bundle.tar.gz");
    const args = ["build", "-t", "wasm", "-e", "toolgate/decision", "--capabilities", runner.capabilities, "-r", "conformance", "-o", bundleFile, ...files];
    try {
      await run(runner.opa, args, { maxBuffer: 64 * 1024 * 1024, timeout: BUILD_TIMEOUT_MS });
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string };
      const output = `${stdout ?? ""}${stderr ?? ""}` || String(err);
      const missing = missingBuiltins(output);
      if (missing.length > 0) return outcome("refused", `builtin not provided: ${missing.join(", ")}`, missing);
      if (wantsError(c) && !c.strict_error) return outcome("pass");
      // OPA's runner compiles the query itself; a gate has only rules, and a query
      // reading all of data then reads the rule it is wrapped in.
      const wrapped = output.includes("data.toolgate.decision is recursive") ? "the query reads all of data, toolgate/decision included: " : "";
      return outcome("refused", `build error: ${wrapped}${short(output, dir)}`);
    }

    let engine: PolicyEngine;
    try {
      const bundle = await readBundle(bundleFile);
      // As OPA's runner gives the case's data to the module at load (WithDataJSON).
      engine = await PolicyEngine.load({ ...bundle, data: c.data ?? {} });
    } catch (err) {
      if (wantsError(c) && !c.strict_error) return outcome("pass");
      return outcome("threw", `load: ${short((err as Error).message, dir)}`);
    }

    let result: unknown;
    try {
      result = c.input === undefined ? engine.evaluate(undefined) : engine.evaluateJson(JSON.stringify(c.input));
    } catch (err) {
      const message = (err as Error).message;
      if (wantsError(c) && !c.strict_error) {
        if (c.want_error_code === "eval_conflict_error" && !/var assignment conflict|object insert conflict/.test(message)) {
          return outcome("threw", `wants eval_conflict_error, threw: ${short(message, dir)}`);
        }
        return outcome("pass");
      }
      return outcome("threw", `evaluation: ${short(message, dir)}`);
    }

    const bindings = result === undefined ? [] : result;
    if (!Array.isArray(bindings)) return outcome("wrong", `toolgate/decision is not a set: ${short(summary(result), dir)}`);
    const got = (): string => short(summary(bindings), dir);
    if (c.want_defined !== undefined) {
      return (bindings.length > 0) === c.want_defined ? outcome("pass") : outcome("wrong", `want ${wanted(c)}, got ${got()}`);
    }
    if (c.want_result !== undefined || c.strict_error) {
      const want = c.want_result ?? [];
      const same = compareResultSets(bindings, want, c.sort_bindings ?? false);
      if (same === "same") return outcome("pass");
      const what = same === "order-only" ? "same values, different array order" : "different result";
      return outcome("wrong", `${what}: want ${short(wanted(c), dir)}, got ${got()}`);
    }
    return outcome("wrong", `want ${wanted(c)}, got ${bindings.length === 0 ? "undefined" : got()} without an error`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
