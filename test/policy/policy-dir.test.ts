import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPolicyDir, POLICY_DIR_ENV, PolicyDirNotFoundError } from "../../src/policy/policy-dir.ts";
import { runCli } from "../helpers/run-cli.ts";

describe("findPolicyDir: one rule for every command", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "toolgate-dir-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const project = async (name: string, dirs: string[]) => {
    const dir = path.join(root, name);
    for (const d of dirs) {
      await mkdir(path.join(dir, d), { recursive: true });
      await writeFile(path.join(dir, d, "toolgate.yaml"), "version: 1\ntools: {}\n");
    }
    await mkdir(dir, { recursive: true });
    return dir;
  };

  it("takes ./ before policy/ before rego/; the flag or the setting before any", async () => {
    expect(findPolicyDir(undefined, await project("all", [".", "policy", "rego"]))).toBe(".");
    expect(findPolicyDir(undefined, await project("two", ["policy", "rego"]))).toBe("policy");
    expect(findPolicyDir(undefined, await project("one", ["rego"]))).toBe("rego");
    expect(findPolicyDir("elsewhere", await project("flag", ["policy"]))).toBe("elsewhere");
    process.env[POLICY_DIR_ENV] = "from-env";
    try {
      expect(findPolicyDir(undefined, await project("env", ["policy"]))).toBe("from-env");
    } finally {
      delete process.env[POLICY_DIR_ENV];
    }
  });

  it("says how to get a policy when there is none", async () => {
    expect(() => findPolicyDir(undefined, root)).toThrow(PolicyDirNotFoundError);
    expect(() => findPolicyDir(undefined, root)).toThrow(/run `policy init`/);
  });

  it("build, test and watch all find policy/ made by `policy init`", async () => {
    const dir = await project("init", []);
    expect((await runCli(["init"], { cwd: dir })).code).toBe(0);
    const build = await runCli(["build"], { cwd: dir });
    expect(build.stdout).toMatch(/^built build\/bundle\.tar\.gz .* and toolgate\.yaml/);
    const test = await runCli(["test"], { cwd: dir });
    expect(test.stdout).toContain("5 rego tests, 3 tool-call cases");
    expect(test.code).toBe(0);
    const watch = await runCli(["watch", "--once"], { cwd: dir });
    expect(watch.stdout).toContain("policy test: 8 passed, 0 failed");
    const evaluated = await runCli(["eval", "--call", "-", "--fail-on", "deny"], {
      cwd: dir,
      stdin: '{"assistant_id":"support","tool":"delete_account","arguments":"{\\"account_id\\":\\"a-1\\"}"}',
    });
    expect(evaluated.stdout).toMatch(/^deny +stdin: delete_account for support/);
    expect(evaluated.code).toBe(1);
    const none = await runCli(["build"], { cwd: root });
    expect(none.stderr).toContain("no toolgate.yaml in ./, policy/ or rego/");
    expect(none.code).toBe(2);
  });
});
