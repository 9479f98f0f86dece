import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { ToolgateError } from "../../errors.ts";
import { CONFIG_SCHEMA_FILE, DOCS_DIR, INIT_TEMPLATE_DIR } from "../../policy/package-files.ts";

/** The directory `policy init` creates; every command finds a toolgate.yaml there (findPolicyDir). */
export const DEFAULT_INIT_DIR = "policy";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description(
      "Scaffold a policy: toolgate.yaml (with its JSON schema for your editor), tools.json, one custom rule, " +
        "its Rego tests, tool-call cases and a CI workflow to copy",
    )
    .argument("[dir]", "where to create it", DEFAULT_INIT_DIR)
    .option("--force", "overwrite files that already exist")
    .action(async (dir: string, options: { force?: boolean }) => {
      process.stdout.write(await scaffold(dir, options.force ?? false));
    });
}

/** Template files relative to the template directory, sorted. */
async function templateFiles(): Promise<string[]> {
  const entries = await readdir(INIT_TEMPLATE_DIR, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(INIT_TEMPLATE_DIR, path.join(e.parentPath, e.name)))
    .sort();
}

/** A path as written in a file inside `dir`: relative, with forward slashes. */
function relativeFrom(dir: string, target: string): string {
  return path.relative(path.resolve(dir), target).split(path.sep).join("/");
}

async function scaffold(dir: string, force: boolean): Promise<string> {
  const files = await templateFiles();
  const existing = files.filter((f) => existsSync(path.join(dir, f)));
  if (existing.length > 0 && !force) {
    throw new ToolgateError(
      "init_would_overwrite",
      `${existing.map((f) => path.join(dir, f)).join(", ")} already exist${existing.length === 1 ? "s" : ""}: pass --force to overwrite, or choose another directory (policy init DIR)`,
    );
  }
  const values: Record<string, string> = { schema: relativeFrom(dir, CONFIG_SCHEMA_FILE), docs: relativeFrom(process.cwd(), DOCS_DIR) };
  for (const file of files) {
    const text = await readFile(path.join(INIT_TEMPLATE_DIR, file), "utf8");
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole));
  }
  const shown = dir === DEFAULT_INIT_DIR ? "" : ` --rego ${dir}`;
  return [
    `created ${files.map((f) => path.join(dir, f)).join(", ")}`,
    "",
    "next:",
    `  npx policy build${shown}      compile it to build/bundle.tar.gz (needs opa 1.22.2 on PATH, or TOOLGATE_OPA)`,
    `  npx policy test${shown}       run ${path.join(dir, "rules_test.rego")} and ${path.join(dir, "cases", "calls.yaml")}`,
    `  copy ${path.join(dir, "ci.yml")} to .github/workflows/policy.yml to run both in CI`,
    "",
  ].join("\n");
}
