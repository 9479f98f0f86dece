import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ToolgateError } from "../errors.ts";
import { policyData } from "../policy/compile.ts";
import type { PolicyConfig } from "../policy/config.ts";
import { opaBinary } from "../policy/opa-binary.ts";
import type { TestResult, TestStatus } from "./types.ts";

const run = promisify(execFile);

interface OpaTestResult {
  location?: { file: string; row: number };
  package: string;
  name: string;
  fail?: boolean;
  error?: unknown;
  skip?: boolean;
  duration?: number;
}

type Verdict = "pass" | "fail" | "error" | "skip";

function opaVerdict(r: OpaTestResult): Verdict {
  if (r.skip) return "skip";
  if (r.error !== undefined) return "error";
  return r.fail ? "fail" : "pass";
}

/**
 * Runs the same Rego unit tests with `opa test` (OPA's Go evaluator) on the
 * same sources and config, and returns one failing "parity" result per test
 * whose verdict differs from the WASM run, plus notes on what was compared.
 * Only .rego files and a data file are passed: opa would load every
 * .json/.yaml in a directory as data.
 */
export async function compareWithOpa(options: {
  regoFiles: readonly string[];
  config: PolicyConfig | undefined;
  wasmResults: readonly TestResult[];
  workDir: string;
}): Promise<{ results: TestResult[]; notes: string[] }> {
  const dataFile = path.join(options.workDir, "opa-test-data.json");
  await writeFile(dataFile, JSON.stringify(policyData(options.config)));
  const started = performance.now();
  let stdout: string;
  try {
    ({ stdout } = await run(opaBinary(), ["test", "--format", "json", ...options.regoFiles, dataFile], { maxBuffer: 256 * 1024 * 1024 }));
  } catch (err) {
    // opa test exits non-zero when a test fails; the JSON is still on stdout.
    stdout = String((err as { stdout?: string }).stdout ?? "");
    if (!stdout.trim().startsWith("[")) {
      throw new ToolgateError("opa_test_failed", `opa test did not run: ${String((err as { stderr?: string }).stderr ?? err).trim()}`);
    }
  }
  const opaResults = JSON.parse(stdout) as OpaTestResult[];
  const byName = new Map(opaResults.map((r) => [`${r.package}.${r.name}`, r]));
  const results: TestResult[] = [];
  let compared = 0;
  const notCompiled: string[] = [];
  for (const w of options.wasmResults) {
    if (w.kind !== "rego") continue;
    const o = byName.get(w.name);
    byName.delete(w.name);
    if (!o) {
      results.push({ ...w, kind: "parity", status: "fail", message: "opa test did not run this test", details: [], verbose: [], durationMs: 0 });
      continue;
    }
    const wasm: Verdict = w.status as TestStatus;
    const go = opaVerdict(o);
    if (wasm === "error" && w.message?.startsWith("does not compile to WASM")) {
      notCompiled.push(`${w.name} (opa test: ${go})`);
      continue;
    }
    compared++;
    if (wasm !== go) {
      results.push({
        kind: "parity",
        name: w.name,
        file: w.file,
        line: w.line,
        status: "fail",
        message: `verdicts differ: WASM ${wasm}, opa test (Go) ${go}`,
        details: [
          `WASM: ${wasm}${w.message ? ` (${w.message})` : ""}`,
          `opa test: ${go}${o.error !== undefined ? ` (${JSON.stringify(o.error)})` : ""}`,
          "production evaluates WASM: what opa test promised does not hold there",
        ],
        durationMs: 0,
      });
    }
  }
  const notes = [
    `--compare-opa: ${compared} Rego tests compared with opa test (Go) in ${((performance.now() - started) / 1000).toFixed(2)}s; ${results.length} differ`,
  ];
  if (notCompiled.length > 0) notes.push(`--compare-opa: not compared (no WASM verdict): ${notCompiled.join(", ")}`);
  const extra = [...byName.keys()];
  if (extra.length > 0) notes.push(`--compare-opa: opa test also ran ${extra.length} tests not selected here`);
  return { results, notes };
}
