import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { compileBundle } from "../../src/policy/compile.ts";
import type { ToolDeclaration } from "../../src/gate/tool-call.ts";

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

export async function seedCases(): Promise<SeedCase[]> {
  const text = await readFile(path.join(repoRoot, "test", "fixtures", "seed-cases.jsonl"), "utf8");
  return text.trim().split("\n").map((line) => JSON.parse(line) as SeedCase);
}
