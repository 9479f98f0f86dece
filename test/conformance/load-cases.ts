/**
 * Loads OPA's conformance cases with OPA's own loader: tools/conformance (a Go
 * module pinned to the same opa as tools/opa) is built from the Go module cache
 * and prints the cases of the pinned opa module's v1/test/cases/testdata/v1.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { OPA_VERSION } from "../../src/policy/opa-binary.ts";
import type { ConformanceCase } from "./conformance-case.ts";

const run = promisify(execFile);

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
const TOOL_DIR = path.join(ROOT, "tools", "conformance");
const TOOL_BIN = path.join(ROOT, "build", "tmp", "conformance-cases");

export class ConformanceSetupError extends Error {
  readonly code = "conformance_setup_failed";
}

async function go(args: string[]): Promise<string> {
  try {
    const { stdout } = await run("go", args, { cwd: TOOL_DIR, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GOWORK: "off" } });
    return stdout;
  } catch (err) {
    const { code, stderr } = err as { code?: string; stderr?: string };
    if (code === "ENOENT") {
      throw new ConformanceSetupError("Go is needed to load OPA's conformance cases with OPA's loader: install Go (https://go.dev/dl/) and rerun");
    }
    throw new ConformanceSetupError(`go ${args.join(" ")} (in tools/conformance) failed: ${stderr?.trim() || String(err)}`);
  }
}

/** The opa version tools/conformance/go.mod pins; it must be the one toolgate builds with. */
function pinnedVersion(): string | undefined {
  const goMod = readFileSync(path.join(TOOL_DIR, "go.mod"), "utf8");
  return /^\s*(?:require\s+)?github\.com\/open-policy-agent\/opa v(\S+)/m.exec(goMod)?.[1];
}

export interface LoadedCases {
  /** opa's v1/test/cases/testdata/v1 in the module cache. */
  dir: string;
  cases: ConformanceCase[];
}

export async function loadCases(): Promise<LoadedCases> {
  const pinned = pinnedVersion();
  if (pinned !== OPA_VERSION) {
    throw new ConformanceSetupError(
      `tools/conformance/go.mod pins opa ${pinned ?? "(none)"}, toolgate builds with ${OPA_VERSION}: pin the same version in both`,
    );
  }
  mkdirSync(path.dirname(TOOL_BIN), { recursive: true });
  await go(["build", "-o", TOOL_BIN, "."]);
  const moduleDir = (await go(["list", "-m", "-f", "{{.Dir}}", "github.com/open-policy-agent/opa"])).trim();
  const dir = path.join(moduleDir, "v1", "test", "cases", "testdata", "v1");
  let stdout: string;
  try {
    ({ stdout } = await run(TOOL_BIN, ["-dir", dir], { maxBuffer: 256 * 1024 * 1024 }));
  } catch (err) {
    throw new ConformanceSetupError(`loading the cases from ${dir} failed: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`);
  }
  return { dir, cases: JSON.parse(stdout) as ConformanceCase[] };
}
