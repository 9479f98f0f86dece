import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export const repoRoot = path.resolve(import.meta.dirname, "..", "..");
const main = path.join(repoRoot, "src", "cli", "main.ts");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `policy <args>` in `cwd` as a user would. */
export function policy(args: string[], cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A temp copy of the repo's policy (rego/) and seed cases (test/cases/), as a user's repo would hold them. */
export async function policyCopy(): Promise<{ dir: string; edit: (file: string, from: string | RegExp, to: string) => Promise<void>; write: (file: string, text: string) => Promise<void>; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-ptest-"));
  await cp(path.join(repoRoot, "rego"), path.join(dir, "rego"), { recursive: true });
  await cp(path.join(repoRoot, "test", "cases"), path.join(dir, "test", "cases"), { recursive: true });
  return {
    dir,
    async edit(file, from, to) {
      const full = path.join(dir, file);
      const text = await readFile(full, "utf8");
      const changed = text.replace(from, to);
      if (changed === text) throw new Error(`edit of ${file} changed nothing`);
      await writeFile(full, changed);
    },
    async write(file, text) {
      await writeFile(path.join(dir, file), text);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The last non-empty line of a text. */
export function lastLine(text: string): string {
  return text.trimEnd().split("\n").at(-1) ?? "";
}
