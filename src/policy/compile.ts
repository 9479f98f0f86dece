import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CONFIG_FILE, readPolicyConfig, type PolicyConfig } from "./config.ts";
import { lintConfigFields } from "./config-fields-lint.ts";
import { lintConfigTools } from "./config-lint.ts";
import { declaredTools, readDeclaredTools, TOOLS_FILE, type NamedTool } from "./declared-tools.ts";
import { DECISION_ENTRYPOINT } from "./engine.ts";
import { PolicyBuildError, type PolicyDiagnostic } from "./errors.ts";
import { sameStamps, settleInputs, stampInputs } from "./input-stamps.ts";
import { opaBinary } from "./opa-binary.ts";
import { lintRules } from "./rule-lint.ts";
import { CAPABILITIES_FILE, FRAMEWORK_DIR } from "./package-files.ts";
import { combinedSecretPattern, readSecretRules, SECRET_RULES_FILE, type SecretRules } from "./secret-rules.ts";

const run = promisify(execFile);
export { CAPABILITIES_FILE, FRAMEWORK_DIR } from "./package-files.ts";

export interface CompileOptions {
  /** The user's policy directory: *.rego and toolgate.yaml. */
  regoDir: string;
  /** Where to write bundle.tar.gz. */
  out: string;
  /** Extra entrypoints beyond toolgate/decision (e.g. test rules). */
  entrypoints?: string[];
  /** Include *_test.rego files (policy test compiles them as entrypoints). */
  includeTests?: boolean;
  /** More Rego files to compile (policy test: the test files it was given). */
  extraFiles?: string[];
  capabilities?: string;
  /**
   * The tool declarations to check toolgate.yaml's tool names against: a
   * tools.json path, or the declarations (e.g. a gate's tools). Default:
   * <regoDir>/tools.json when it exists; without any, names are not checked (a warning).
   */
  tools?: string | readonly NamedTool[];
  /** Build only once no input has changed for this long (default 0: build at once). */
  settleMs?: number;
}

export interface CompiledBundle {
  path: string;
  revision: string;
  config: PolicyConfig | undefined;
  /** The Rego files compiled, as given to opa (relative to cwd where possible). */
  files: string[];
  /** What builds but may surprise: no toolgate.yaml, declared tools not configured, names not checked. */
  warnings: PolicyDiagnostic[];
  /** Build time, without the time spent waiting for the inputs to settle. */
  durationMs: number;
  /** Time spent waiting for the inputs to hold still (settleMs). */
  settleWaitMs: number;
}

/**
 * The bundle's base data: the config at data.toolgate.config and the secret
 * rules at data.toolgate.secret_rules, with their combined pattern built once
 * here rather than on every evaluation (left out when the rules file is
 * missing or unusable, so that redact_secrets denies with secret_rules_missing).
 */
export function policyData(config: PolicyConfig | undefined, secretRules: SecretRules | undefined = readSecretRules()): Record<string, unknown> {
  const rules = secretRules ? { secret_rules: { ...secretRules, combined: combinedSecretPattern(secretRules) } } : {};
  return { toolgate: { config: config ?? {}, ...rules } };
}

async function regoFiles(dir: string, includeTests: boolean): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") && entry.name !== "node_modules") await walk(full);
      } else if (entry.name.endsWith(".rego") && (includeTests || !entry.name.endsWith("_test.rego"))) {
        found.push(full);
      }
    }
  };
  await walk(dir);
  return found;
}

function display(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

interface OpaCheckError {
  code: string;
  message: string;
  location?: { file: string; row: number; col: number };
  details?: { idx?: number };
}

/** opa check gives structured, located errors (opa build only prints text). */
async function locatedErrors(opa: string, args: string[], capabilities: string): Promise<PolicyDiagnostic[]> {
  try {
    await run(opa, ["check", "--format", "json", ...args], { maxBuffer: 64 * 1024 * 1024 });
    return [];
  } catch (err) {
    // opa check writes its JSON report to stdout or stderr depending on version.
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    const report = [stdout, stderr].find((text) => text?.trim().startsWith("{")) ?? "";
    try {
      const parsed = JSON.parse(report) as { errors?: OpaCheckError[] };
      return (parsed.errors ?? []).map((e) => ({
        code: e.code,
        message: e.message.startsWith("undefined function")
          ? `${e.message} (not a builtin the toolgate WASM runtime provides; the ones it does are listed in ${capabilities})`
          : e.message,
        ...(e.location
          ? { location: { file: e.location.file, row: e.location.row, col: e.location.col || (e.details?.idx ?? 0) + 1 } }
          : {}),
      }));
    } catch {
      return [{ code: "opa_check_failed", message: errorText(err) }];
    }
  }
}

function errorText(err: unknown): string {
  const { stdout, stderr } = err as { stdout?: string; stderr?: string };
  return `${stdout ?? ""}${stderr ?? ""}`.trim() || String(err);
}

/** Builds whose inputs keep changing under them are retried this many times, then refused. */
const MAX_ATTEMPTS = 5;

interface BuildResult {
  work: string;
  bundle: string;
  revision: string;
  config: PolicyConfig | undefined;
  files: string[];
  warnings: PolicyDiagnostic[];
}

/**
 * Compiles the framework plus a policy directory to a WASM bundle with the real
 * opa CLI. The revision is a content hash of everything that went in, so the
 * same sources always give the same revision.
 *
 * Every input (Rego, toolgate.yaml, tools.json, data files, the framework) is
 * stamped (size, mtime, ctime, inode) once it has held still for `settleMs`,
 * and again after the build: a build whose inputs changed under it is redone,
 * so a bundle never mixes two versions of the sources. Before anything is
 * written, rules the decision would never read and tool names tools.json does
 * not declare are refused (located); what only makes the policy deny more is
 * returned as `warnings`.
 */
export async function compileBundle(options: CompileOptions): Promise<CompiledBundle> {
  const started = performance.now();
  const capabilities = options.capabilities ?? CAPABILITIES_FILE;
  if (!existsSync(options.regoDir)) {
    throw new PolicyBuildError([{ code: "policy_dir_missing", message: `no policy directory at ${options.regoDir}` }]);
  }
  const defaultTools = path.join(options.regoDir, TOOLS_FILE);
  const tools = options.tools ?? (existsSync(defaultTools) ? defaultTools : undefined);
  const stampDirs = [FRAMEWORK_DIR, options.regoDir];
  const stampFiles = [capabilities, ...(options.extraFiles ?? []), ...(typeof tools === "string" ? [tools] : [])];
  let settleWaitMs = 0;
  for (let attempt = 1; ; attempt++) {
    const waitStarted = performance.now();
    const before = await settleInputs(stampDirs, stampFiles, options.settleMs ?? 0);
    settleWaitMs += performance.now() - waitStarted;
    let built: BuildResult | undefined;
    let failure: unknown;
    try {
      built = await buildOnce(options, capabilities, tools);
    } catch (err) {
      failure = err;
    }
    const unchanged = sameStamps(before, await stampInputs(stampDirs, stampFiles));
    try {
      if (unchanged && built) {
        await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
        // Rename within one filesystem is atomic: a watcher never sees half a bundle.
        const staged = `${options.out}.${process.pid}.tmp`;
        await writeFile(staged, await readFile(built.bundle));
        await rename(staged, options.out);
        const { revision, config, files, warnings } = built;
        const durationMs = performance.now() - started - settleWaitMs;
        return { path: options.out, revision, config, files, warnings, durationMs, settleWaitMs };
      }
    } finally {
      if (built) await rm(built.work, { recursive: true, force: true });
    }
    if (unchanged) throw failure;
    if (attempt >= MAX_ATTEMPTS) {
      throw new PolicyBuildError(
        [{ code: "policy_inputs_changing", message: `the policy files changed during each of ${attempt} builds; nothing was built` }],
        "policy inputs changing",
      );
    }
  }
}

async function buildOnce(
  options: CompileOptions,
  capabilities: string,
  tools: string | readonly NamedTool[] | undefined,
): Promise<BuildResult> {
  const opa = opaBinary();
  const includeTests = options.includeTests ?? false;
  const frameworkFiles = (await regoFiles(FRAMEWORK_DIR, includeTests)).map(display);
  const policyFiles = (await regoFiles(options.regoDir, includeTests)).map(display);
  const files = [...frameworkFiles, ...policyFiles, ...(options.extraFiles ?? []).map(display)];

  const configPath = path.join(options.regoDir, CONFIG_FILE);
  const loaded = existsSync(configPath) ? await readPolicyConfig(configPath, display(configPath)) : undefined;
  const config = loaded?.config;
  const declared =
    tools === undefined ? undefined : typeof tools === "string" ? await readDeclaredTools(tools, display(tools)) : declaredTools(tools, "the gate's tools");
  const toolsLint = lintConfigTools(loaded, declared, display(configPath));
  const fieldsLint = lintConfigFields(loaded, declared);
  const configLint = { errors: [...toolsLint.errors, ...fieldsLint.errors], warnings: [...toolsLint.warnings, ...fieldsLint.warnings] };

  const data = policyData(config, readSecretRules(SECRET_RULES_FILE));
  const hash = createHash("sha256");
  for (const file of [capabilities, ...files]) {
    hash.update(display(file)).update("\0").update(await readFile(file)).update("\0");
  }
  hash.update(JSON.stringify(data));
  const revision = hash.digest("hex").slice(0, 16);

  const work = await mkdtemp(path.join(tmpdir(), "toolgate-build-"));
  try {
    // The config and the secret rules become bundle data under data.toolgate;
    // a file given to opa directly is merged at the data root.
    const dataFile = path.join(work, "data.json");
    await writeFile(dataFile, JSON.stringify(data));
    const entrypoints = [DECISION_ENTRYPOINT, ...(options.entrypoints ?? [])];
    const bundle = path.join(work, "bundle.tar.gz");
    const args = [
      "build", "-t", "wasm",
      ...entrypoints.flatMap((e) => ["-e", e]),
      "--capabilities", capabilities,
      "-r", revision,
      "-o", bundle,
      ...files, dataFile,
    ];
    // The rule lint checks what production compiles (never *_test.rego files), and
    // the policy's *_test.rego files only for decision rules that would be left out.
    const isTestFile = (f: string) => f.endsWith("_test.rego");
    const productionPolicy = policyFiles.filter((f) => !isTestFile(f));
    const policyTests = (includeTests ? policyFiles : (await regoFiles(options.regoDir, true)).map(display)).filter(isTestFile);
    const productionFramework = frameworkFiles.filter((f) => !isTestFile(f));
    const [build, ruleProblems] = await Promise.allSettled([
      run(opa, args, { maxBuffer: 64 * 1024 * 1024 }),
      lintRules(opa, productionFramework, productionPolicy, policyTests),
    ]);
    if (build.status === "rejected") {
      const diagnostics = await locatedErrors(opa, ["--capabilities", capabilities, ...files], capabilities);
      // A rule the decision cannot read (e.g. `deny` written as a function) can also clash with the
      // framework's types: the lint's finding says what to change, so it comes first.
      // (A file the lint could not parse is opa's error to report.)
      const unread = ruleProblems.status === "fulfilled" ? ruleProblems.value.filter((p) => p.code !== "rule_lint_failed") : [];
      throw new PolicyBuildError([
        ...unread,
        ...(diagnostics.length > 0 ? diagnostics : [{ code: "opa_build_failed", message: errorText(build.reason) }]),
      ]);
    }
    if (ruleProblems.status === "rejected") throw ruleProblems.reason;
    const refused = [...ruleProblems.value, ...configLint.errors];
    if (refused.length > 0) {
      throw new PolicyBuildError(refused, "policy refused: it would compile, but some of it would never apply");
    }
    return { work, bundle, revision, config, files, warnings: configLint.warnings };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}
