import { existsSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { ToolgateError } from "../errors.ts";
import { CONFIG_FILE } from "../policy/config.ts";
import { findPolicyDir } from "../policy/policy-dir.ts";

/**
 * What `policy test [paths...]` runs, found from the paths given:
 * - `*_test.rego` files anywhere under a path: Rego unit tests;
 * - `.yaml`/`.yml`/`.json` files inside a directory named `cases` (at any depth),
 *   or named directly on the command line: tool-call case files.
 * The policy directory (compiled with the framework, and whose tools.json the
 * cases use) is --rego, else the first path holding a toolgate.yaml, else the
 * one every command finds (findPolicyDir: $TOOLGATE_POLICY_DIR, ./, policy/, rego/).
 * With no paths: the policy directory and `test/cases` (when it exists).
 */
export interface Discovered {
  policyDir: string;
  regoTestFiles: string[];
  caseFiles: string[];
}

export const DEFAULT_CASES_DIR = path.join("test", "cases");
const CASE_EXTENSIONS = [".yaml", ".yml", ".json", ".jsonl"];
const SKIP_DIRS = new Set(["node_modules", "build", "dist"]);

function isCaseFile(name: string): boolean {
  return CASE_EXTENSIONS.some((ext) => name.endsWith(ext));
}

async function walk(dir: string, underCases: boolean, out: Discovered): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && !SKIP_DIRS.has(entry.name)) {
        await walk(full, underCases || entry.name === "cases", out);
      }
    } else if (entry.name.endsWith("_test.rego")) {
      out.regoTestFiles.push(full);
    } else if (underCases && isCaseFile(entry.name)) {
      out.caseFiles.push(full);
    }
  }
}

export async function discover(paths: readonly string[], regoOption: string | undefined): Promise<Discovered> {
  const given = paths.length > 0 ? [...paths] : [findPolicyDir(regoOption), ...(existsSync(DEFAULT_CASES_DIR) ? [DEFAULT_CASES_DIR] : [])];
  const policyDir =
    regoOption ??
    given.find((p) => existsSync(path.join(p, CONFIG_FILE)) && statSync(p).isDirectory()) ??
    findPolicyDir();
  const out: Discovered = { policyDir, regoTestFiles: [], caseFiles: [] };
  for (const p of given) {
    if (!existsSync(p)) throw new ToolgateError("usage", `no such file or directory: ${p}`);
    if (statSync(p).isDirectory()) {
      await walk(p, path.basename(path.resolve(p)) === "cases", out);
    } else if (p.endsWith(".rego")) {
      out.regoTestFiles.push(p);
    } else if (isCaseFile(p)) {
      out.caseFiles.push(p);
    } else {
      throw new ToolgateError("usage", `${p}: not a directory, a .rego file or a case file (.yaml, .yml, .json, .jsonl)`);
    }
  }
  const unique = (files: string[]) => [...new Map(files.map((f) => [path.resolve(f), f])).values()];
  out.regoTestFiles = unique(out.regoTestFiles);
  out.caseFiles = unique(out.caseFiles);
  return out;
}
