import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BAD_YAML, POLICY_A, POLICY_B, REPO, policyCopy, writeConfig } from "./reload-helpers.ts";

const cliMain = path.join(REPO, "src", "cli", "main.ts");
const seedCases = path.join(REPO, "test", "cases", "seed.yaml");

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe("policy watch", () => {
  it("prints a result line per save, the located error when the build fails, and stops on SIGINT", async () => {
    const { dir, regoDir, cleanup } = await policyCopy();
    cleanups.push(cleanup);
    const child = spawn(
      process.execPath,
      [cliMain, "watch", "--rego", regoDir, "--out", path.join(dir, "bundle.tar.gz"), "--cases", seedCases, "--debounce", "50", "--settle", "50"],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const waiters: Array<() => void> = [];
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      for (const w of waiters.splice(0)) w();
    });
    /** Resolves with the output after `from` once it matches. */
    const waitFor = async (pattern: RegExp, from: number): Promise<string> => {
      const deadline = Date.now() + 20_000;
      while (!pattern.test(stdout.slice(from))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in:\n${stdout}\n${stderr}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return stdout.slice(from);
    };

    let mark = 0;
    const first = await waitFor(/✓ built [0-9a-f]{16} in \d+ ms · policy test: [1-9]\d* passed, 0 failed in \d+ ms · cases: 24 passed, 0 failed\n/, mark);
    expect(first).toMatch(/^watching .*rego/);

    mark = stdout.length;
    await writeConfig(regoDir, POLICY_B.config); // refunds over 100 now denied: some seed cases fail
    const failing = await waitFor(/✓ built [0-9a-f]{16} in \d+ ms · policy test: .* · cases: \d+ passed, [1-9]\d* failed\n(  .*\n)+/, mark);
    expect(failing).toMatch(/✗ refund-under .*expected allow, got deny/);

    mark = stdout.length;
    await writeConfig(regoDir, BAD_YAML);
    const broken = await waitFor(/✗ build failed in \d+ ms; still serving [0-9a-f]{16}\n  .*toolgate\.yaml:\d+:\d+: config_parse_error: .*\n/, mark);
    expect(broken).not.toMatch(/cases/);

    mark = stdout.length;
    await writeConfig(regoDir, POLICY_A.config);
    await waitFor(/✓ built [0-9a-f]{16} in \d+ ms · policy test: [1-9]\d* passed, 0 failed in \d+ ms · cases: 24 passed, 0 failed\n/, mark);

    // A failing Rego unit test: a save of a test file reruns policy test (the policy revision is unchanged).
    mark = stdout.length;
    await writeFile(path.join(regoDir, "watch_test.rego"), "package toolgate.watch_test\n\ntest_fails if {\n\t1 == 2\n}\n");
    const testFailed = await waitFor(/\(unchanged\) · policy test: \d+ passed, 1 failed in \d+ ms · cases: 24 passed, 0 failed\n  ✗ data\.toolgate\.watch_test\.test_fails .*watch_test\.rego:3/, mark);
    expect(testFailed).toBeTruthy();

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/stopped\n$/);
    expect(stderr).toBe("");
  });

  it("--once exits 1 when the build fails, naming the location", async () => {
    const { dir, regoDir, cleanup } = await policyCopy();
    cleanups.push(cleanup);
    await writeConfig(regoDir, BAD_YAML);
    const child = spawn(process.execPath, [cliMain, "watch", "--once", "--rego", regoDir, "--out", path.join(dir, "b.tar.gz")], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(1);
    expect(stdout).toMatch(/✗ build failed .*; nothing is serving\n  .*toolgate\.yaml:\d+:\d+: config_parse_error/);
  });
});
