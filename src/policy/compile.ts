import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CONFIG_FILE, loadPolicyConfig, type PolicyConfig } from "./config.ts";
import { DECISION_ENTRYPOINT } from "./engine.ts";
import { PolicyBuildError, type PolicyDiagnostic } from "./errors.ts";
import { opaBinary } from "./opa-binary.ts";
import { combinedSecretPattern, readSecretRules, SECRET_RULES_FILE, type SecretRules } from "./secret-rules.ts";

const run = promisify(execFile);
const packageRoot = path.resolve(import.meta.dirname, "..", "..");

/** The framework Rego that every bundle is compiled with (package toolgate). */
export const FRAMEWORK_DIR = path.join(packageRoot, "framework");
/** Exactly the builtins the runtime provides (scripts/generate-capabilities.ts). */
export const CAPABILITIES_FILE = path.join(packageRoot, "build", "capabilities.json");

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
}

export interface CompiledBundle {
  path: string;
  revision: string;
  config: PolicyConfig | undefined;
  /** The Rego files compiled, as given to opa (relative to cwd where possible). */
  files: string[];
  durationMs: number;
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
async function locatedErrors(opa: string, args: string[]): Promise<PolicyDiagnostic[]> {
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
          ? `${e.message} (not a builtin the toolgate WASM runtime provides: see build/capabilities.json)`
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

/**
 * Compiles the framework plus a policy directory to a WASM bundle with the real
 * opa CLI. The revision is a content hash of everything that went in, so the
 * same sources always give the same revision.
 */
export async function compileBundle(options: CompileOptions): Promise<CompiledBundle> {
  const started = performance.now();
  const opa = opaBinary();
  const capabilities = options.capabilities ?? CAPABILITIES_FILE;
  if (!existsSync(options.regoDir)) {
    throw new PolicyBuildError([{ code: "policy_dir_missing", message: `no policy directory at ${options.regoDir}` }]);
  }
  const includeTests = options.includeTests ?? false;
  const files = [
    ...(await regoFiles(FRAMEWORK_DIR, includeTests)),
    ...(await regoFiles(options.regoDir, includeTests)),
    ...(options.extraFiles ?? []),
  ].map(display);

  const configPath = path.join(options.regoDir, CONFIG_FILE);
  const config = existsSync(configPath) ? await loadPolicyConfig(configPath, display(configPath)) : undefined;

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
    const tmpOut = path.join(work, "bundle.tar.gz");
    const args = [
      "build", "-t", "wasm",
      ...entrypoints.flatMap((e) => ["-e", e]),
      "--capabilities", capabilities,
      "-r", revision,
      "-o", tmpOut,
      ...files, dataFile,
    ];
    try {
      await run(opa, args, { maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const diagnostics = await locatedErrors(opa, ["--capabilities", capabilities, ...files]);
      throw new PolicyBuildError(
        diagnostics.length > 0 ? diagnostics : [{ code: "opa_build_failed", message: errorText(err) }],
      );
    }
    await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    // Rename within one filesystem is atomic: a watcher never sees half a bundle.
    const staged = `${options.out}.${process.pid}.tmp`;
    await writeFile(staged, await readFile(tmpOut));
    await rename(staged, options.out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { path: options.out, revision, config, files, durationMs: performance.now() - started };
}
