import { describeThrown } from "../policy/errors.ts";
import type { PolicyEngine } from "../policy/engine.ts";
import type { RegoTest } from "./rego-build.ts";
import type { TestResult } from "./types.ts";

/**
 * Runs Rego unit tests on the loaded WASM module, one entrypoint each, with no
 * input (as opa test does). A test passes when its rule is defined and not
 * false, opa test's rule; an evaluation error is an error, not a failure.
 */
export function runRegoTest(engine: PolicyEngine, test: RegoTest, buildError: string | undefined): TestResult {
  const base = { kind: "rego" as const, name: test.name, file: test.file, line: test.line };
  if (test.skip) return { ...base, status: "skip", message: "todo_ test (skipped, as opa test does)", durationMs: 0 };
  if (buildError !== undefined) return { ...base, status: "error", message: buildError, durationMs: 0 };
  const started = performance.now();
  let value: unknown;
  try {
    value = engine.evaluate(undefined, test.entrypoint);
  } catch (err) {
    return { ...base, status: "error", message: describeThrown(err), durationMs: performance.now() - started };
  }
  const durationMs = performance.now() - started;
  if (value === undefined) {
    return { ...base, status: "fail", message: "the test rule is undefined: some expression in its body is false or undefined", durationMs };
  }
  if (value === false) return { ...base, status: "fail", message: "the test rule is false", durationMs };
  return { ...base, status: "pass", durationMs, verbose: [`value: ${JSON.stringify(value)}`] };
}
