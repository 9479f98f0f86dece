import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { compileBundle } from "../../src/policy/compile.ts";
import type { ToolDeclaration } from "../../src/gate/tool-call.ts";
import { loadCaseFile } from "../../src/testing/case-file.ts";

export const repoRoot = path.resolve(import.meta.dirname, "..", "..");
export const seedRegoDir = path.join(repoRoot, "rego");
export const cliMain = path.join(repoRoot, "src", "cli", "main.ts");

/** Builds the shipped example policy (rego/) with the real opa into a fresh temp dir. */
export async function buildSeedBundle(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-test-"));
  const out = path.join(dir, "bundle.tar.gz");
  await compileBundle({ regoDir: seedRegoDir, out });
  return out;
}

export async function seedTools(): Promise<ToolDeclaration[]> {
  return JSON.parse(await readFile(path.join(seedRegoDir, "tools.json"), "utf8")) as ToolDeclaration[];
}

export interface SeedCase {
  id: string;
  assistant_id: string;
  tool: string;
  arguments: string;
  expect: string;
  redacted?: { path: string; must_not_contain: string };
}

/** The 24 seed cases (test/cases/seed.yaml) in the seeds' own shape: an expected effect, one redaction check. */
export async function seedCases(): Promise<SeedCase[]> {
  return (await loadCaseFile(path.join(repoRoot, "test", "cases", "seed.yaml"))).map((c) => {
    const redacted = c.expect.redacted?.[0];
    return {
      id: c.id,
      assistant_id: c.assistant_id,
      tool: c.tool,
      arguments: c.arguments,
      expect: c.expect.effect,
      ...(redacted ? { redacted: { path: redacted.path, must_not_contain: redacted.must_not_contain[0]! } } : {}),
    };
  });
}
