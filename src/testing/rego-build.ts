import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { compileBundle, type CompiledBundle } from "../policy/compile.ts";
import { PolicyEngine } from "../policy/engine.ts";
import { PolicyBuildError, type PolicyDiagnostic } from "../policy/errors.ts";
import { blankLines, entrypointOf, parseRegoSource, ruleAt, type RegoRule, type RegoSource } from "./rego-source.ts";

/** One Rego unit test as discovered: the entrypoint opa builds and where it is written. */
export interface RegoTest {
  /** `data.<package>.<rule>`, the name opa test prints. */
  name: string;
  entrypoint: string;
  file: string;
  line: number;
  skip: boolean;
}

export interface TestBundle {
  compiled: CompiledBundle;
  engine: PolicyEngine;
  /** Tests that could not be compiled to WASM, by entrypoint, with the reason. */
  buildErrors: Map<string, string>;
  /** How many opa builds it took (1 unless some tests had to be taken out). */
  builds: number;
}

interface TestFile {
  /** As discovered (what reports show). */
  file: string;
  text: string;
  source: RegoSource;
  /** The path given to opa: the file itself, or a copy with failing tests blanked out. */
  compiled: string;
  excluded: boolean;
}

export async function readRegoTests(files: readonly string[]): Promise<{ tests: RegoTest[]; files: TestFile[] }> {
  const tests: RegoTest[] = [];
  const out: TestFile[] = [];
  for (const file of files) {
    const text = await readFile(file, "utf8");
    const source = parseRegoSource(text);
    out.push({ file, text, source, compiled: file, excluded: false });
    const seen = new Set<string>();
    for (const t of source.tests) {
      const entrypoint = entrypointOf(source.package, t.name);
      if (seen.has(entrypoint)) continue; // a test defined twice is one rule
      seen.add(entrypoint);
      tests.push({ name: `data.${source.package}.${t.name}`, entrypoint, file, line: t.line, skip: t.skip });
    }
  }
  return { tests, files: out };
}

const LOCATED = /(\S+?\.rego):(\d+)(?::\d+)?: (rego_\w+): (.*)/g;
const NOT_A_RULE = /entrypoint "([^"]+)" does not refer to a rule/g;

/** opa build prints errors as text; opa check's JSON only covers what check sees. Recover locations from either. */
function located(diagnostics: PolicyDiagnostic[]): PolicyDiagnostic[] {
  const out: PolicyDiagnostic[] = [];
  for (const d of diagnostics) {
    if (d.location) {
      out.push(d);
      continue;
    }
    for (const m of d.message.matchAll(LOCATED)) {
      out.push({ code: m[3]!, message: m[4]!.trim(), location: { file: m[1]!, row: Number(m[2]), col: 0 } });
    }
  }
  return out;
}

const MAX_BUILDS = 40;

/**
 * Compiles the framework, the policy directory and the test files to one WASM
 * bundle with every selected test as an entrypoint. A test opa cannot compile
 * to WASM is taken out (its lines blanked in a copy, so locations stay true)
 * and reported as an error with opa's reason; an error in a test file outside
 * any test (a helper) takes the whole file out; files failing without a
 * location are found by bisection. Errors in the policy itself are build errors.
 */
export async function buildTestBundle(options: {
  policyDir: string;
  tests: readonly RegoTest[];
  files: TestFile[];
  workDir: string;
}): Promise<TestBundle> {
  const buildErrors = new Map<string, string>();
  const { files, workDir } = options;
  const byPath = (p: string) => files.find((f) => path.resolve(f.compiled) === path.resolve(p));
  const out = path.join(workDir, "bundle.tar.gz");
  let builds = 0;

  const attempt = async (subset: readonly TestFile[]): Promise<CompiledBundle> => {
    builds++;
    const included = new Set(subset.map((f) => f.file));
    const entrypoints = options.tests
      .filter((t) => !t.skip && !buildErrors.has(t.entrypoint) && included.has(t.file))
      .map((t) => t.entrypoint);
    return compileBundle({
      regoDir: options.policyDir,
      out,
      entrypoints,
      extraFiles: subset.map((f) => f.compiled),
    });
  };
  const live = () => files.filter((f) => !f.excluded);
  const excludeFile = (f: TestFile, reason: string) => {
    f.excluded = true;
    for (const t of options.tests) if (t.file === f.file && !buildErrors.has(t.entrypoint)) buildErrors.set(t.entrypoint, reason);
  };

  let copies = 0;
  for (;;) {
    if (builds >= MAX_BUILDS) throw new PolicyBuildError([{ code: "too_many_builds", message: `gave up isolating failing tests after ${builds} builds` }]);
    let failure: PolicyBuildError;
    try {
      const compiled = await attempt(live());
      const engine = await PolicyEngine.open(compiled.path);
      return { compiled, engine, buildErrors, builds };
    } catch (err) {
      if (!(err instanceof PolicyBuildError)) throw err;
      failure = err;
    }
    let progressed = false;
    for (const m of failure.diagnostics.flatMap((d) => [...d.message.matchAll(NOT_A_RULE)])) {
      const test = options.tests.find((t) => t.entrypoint === m[1]);
      if (test && !buildErrors.has(test.entrypoint)) {
        buildErrors.set(test.entrypoint, `opa does not see a rule ${test.entrypoint}: ${m[0]}`);
        progressed = true;
      }
    }
    const blanks = new Map<TestFile, Array<[number, number]>>();
    for (const d of located(failure.diagnostics)) {
      const f = byPath(d.location!.file);
      if (!f) throw failure; // the policy itself does not build
      if (f.excluded) continue;
      const where = `${f.file}:${d.location!.row}`;
      // opa may locate an error at a test that calls a broken helper; when the
      // message names a helper of this file, the helper is what fails.
      const helper = namedHelper(f.source, d.message);
      const rule = helper ?? ruleAt(f.source.rules, d.location!.row);
      const test = !helper && rule ? ruleAt(f.source.tests, d.location!.row) : undefined;
      if (test) {
        const entrypoint = entrypointOf(f.source.package, test.name);
        buildErrors.set(entrypoint, `does not compile to WASM: ${where}: ${d.code}: ${d.message}`);
        blanks.set(f, [...(blanks.get(f) ?? []), [test.line, test.endLine]]);
      } else {
        excludeFile(
          f,
          `does not compile to WASM: ${where}: ${d.code}: ${d.message} ` +
            `(outside any test${rule ? `, in ${rule.name}` : ""}, so no test of ${f.file} can run)`,
        );
      }
      progressed = true;
    }
    for (const [f, ranges] of blanks) {
      if (f.excluded) continue;
      let text = await readFile(f.compiled, "utf8");
      for (const [from, to] of ranges) text = blankLines(text, from, to);
      const copy = path.join(workDir, `t${copies++}`, path.basename(f.file));
      await mkdir(path.dirname(copy), { recursive: true });
      await writeFile(copy, text);
      f.compiled = copy;
    }
    if (progressed) continue;

    // No location names a test file: bisect the test files.
    const candidates = live();
    if (candidates.length === 0) throw failure;
    await attempt([]); // throws when the policy alone does not build
    const bad = await bisect(candidates, attempt);
    if (bad.length === 0) throw failure;
    for (const f of bad) excludeFile(f, `does not compile to WASM together with the policy: ${failure.message.replace(/\s+/g, " ")}`);
  }
}

function namedHelper(source: RegoSource, message: string): RegoRule | undefined {
  const prefix = `data.${source.package}.`;
  for (const m of message.matchAll(/data\.[\w.]+/g)) {
    if (!m[0].startsWith(prefix)) continue;
    const name = m[0].slice(prefix.length).split(".")[0];
    const rule = source.rules.find((r) => r.name === name && !r.name.startsWith("test_") && !r.name.startsWith("todo_test_"));
    if (rule) return rule;
  }
  return undefined;
}

async function bisect(files: TestFile[], attempt: (subset: TestFile[]) => Promise<unknown>): Promise<TestFile[]> {
  const fails = async (subset: TestFile[]) => {
    try {
      await attempt(subset);
      return false;
    } catch (err) {
      if (err instanceof PolicyBuildError) return true;
      throw err;
    }
  };
  if (!(await fails(files))) return [];
  if (files.length === 1) return files;
  const mid = Math.floor(files.length / 2);
  return [...(await bisect(files.slice(0, mid), attempt)), ...(await bisect(files.slice(mid), attempt))];
}
