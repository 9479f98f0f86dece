// `policy kill` as a user runs it: the real CLI in a separate process.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openKillSwitchStore } from "../../src/killswitch/open-kill-switch-store.ts";
import { runCli } from "../helpers/run-cli.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "toolgate-kill-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("policy kill", () => {
  test("--help explains kill, lift, list, the store and the exit codes", async () => {
    const { code, stdout } = await runCli(["kill", "--help"]);
    expect(code).toBe(0);
    for (const text of ["--assistant <id>", "--tool <name>", "--reason <text>", "--lift", "--list", "--all", "--store <location>", "$TOOLGATE_STORE", "within one second", "kill_switch_unavailable", "Exit: 0 done, 1 nothing to lift, 2 usage or store error"]) {
      expect(stdout).toContain(text);
    }
  });

  test("kill, list, lift, history: what the store holds and what the user reads", async () => {
    const store = path.join(dir, "flow.db");
    const kill = await runCli(["kill", "--store", store, "--assistant", "asst_1", "--reason", "refund loop", "--by", "ann"]);
    expect(kill).toMatchObject({ code: 0, stderr: "" });
    expect(kill.stdout).toContain('killed: assistant "asst_1" (every tool): refund loop');
    expect(kill.stdout).toContain("policy kill --lift --assistant asst_1");

    const list = await runCli(["kill", "--list", "--store", store]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/1 active kill switch\(es\)[\s\S]*asst_1\s+\*\s+\S+\s+ann\s+refund loop/);

    const lift = await runCli(["kill", "--lift", "--store", store, "--assistant", "asst_1", "--reason", "fixed", "--by", "bob"]);
    expect(lift.code).toBe(0);
    expect(lift.stdout).toContain('lifted: assistant "asst_1" (every tool)');

    const all = await runCli(["kill", "--list", "--all", "--format", "json", "--store", store]);
    const report = JSON.parse(all.stdout) as { active: unknown[]; history: Array<{ action: string; actor: string; reason: string }> };
    expect(report.active).toEqual([]);
    expect(report.history.map((e) => [e.action, e.actor, e.reason])).toEqual([
      ["kill", "ann", "refund loop"],
      ["lift", "bob", "fixed"],
    ]);
  });

  test("lifting what is not killed exits 1 and names what is", async () => {
    const store = path.join(dir, "lift.db");
    expect((await runCli(["kill", "--store", store, "--assistant", "asst_1", "--tool", "send_email"])).code).toBe(0);
    const lift = await runCli(["kill", "--lift", "--store", store, "--assistant", "asst_1"]);
    expect(lift.code).toBe(1);
    expect(lift.stderr).toContain('no kill switch on assistant "asst_1" (every tool)');
    expect(lift.stderr).toContain("--tool send_email");
  });

  test.each([
    [["kill"], "name the assistant to kill: --assistant <id>"],
    [["kill", "--lift"], "--lift needs --assistant <id>"],
    [["kill", "--list", "--assistant", "a"], "--list takes no --assistant"],
    [["kill", "--all", "--assistant", "a"], "--all goes with --list"],
    [["kill", "--format", "json", "--assistant", "a"], "--format goes with --list"],
    [["kill", "--assistant", ""], "The assistant id (--assistant) must be a non-empty string"],
    [["kill", "--assistant", "a\u0007"], "is not a usable name"],
    [["kill", "--assistant", "a", "--tool", ""], "The tool name (--tool) must be a non-empty string"],
    [["kill", "--assistant", "a", "--store", "mysql://u:pw@h/db"], "Unknown store scheme"],
    [["kill", "--list", "--format", "xml"], "Allowed choices are table, json"],
  ])("%j is a usage error (exit 2): %s", async (args, message) => {
    const result = await runCli([...args, ...(args.includes("--store") ? [] : ["--store", path.join(dir, "usage.db")])]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain("pw@");
  });

  test("--list and --lift on a store that is not there: a store error (exit 2) naming it, and no file is created", async () => {
    const store = path.join(dir, "absent.db");
    for (const args of [["kill", "--list"], ["kill", "--list", "--all", "--format", "json"], ["kill", "--lift", "--assistant", "asst_1"]]) {
      const result = await runCli([...args, "--store", store]);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: "" });
      expect(result.stderr).toContain(`No kill switch store at ${store}`);
      expect(result.stderr).toContain("--store LOCATION or $TOOLGATE_STORE");
      expect(existsSync(store)).toBe(false);
    }
    // The default location (./toolgate.db) is not created either.
    const cwd = path.join(dir, "empty-cwd");
    mkdirSync(cwd);
    const list = await runCli(["kill", "--list"], { cwd, env: { TOOLGATE_STORE: "" } });
    expect(list.code).toBe(2);
    expect(existsSync(path.join(cwd, "toolgate.db"))).toBe(false);
  });

  test("bad names never create a store file", async () => {
    const store = path.join(dir, "never.db");
    expect((await runCli(["kill", "--store", store, "--assistant", ""])).code).toBe(2);
    expect(existsSync(store)).toBe(false);
  });

  test("the store: --store, else $TOOLGATE_STORE, else store: in toolgate.yaml (relative to it), else ./toolgate.db", async () => {
    const policy = path.join(dir, "policy");
    mkdirSync(policy);
    writeFileSync(path.join(policy, "toolgate.yaml"), "version: 1\nstore: state/kill.db\ntools: {}\n");
    const cwd = path.join(dir, "work");
    mkdirSync(cwd);

    expect((await runCli(["kill", "--rego", policy, "--assistant", "from_config"], { cwd })).code).toBe(0);
    expect(await activeIn(path.join(policy, "state", "kill.db"))).toEqual(["from_config"]);

    expect((await runCli(["kill", "--assistant", "from_default"], { cwd })).code).toBe(0);
    expect(await activeIn(path.join(cwd, "toolgate.db"))).toEqual(["from_default"]);

    process.env.TOOLGATE_STORE = path.join(dir, "env.db");
    try {
      expect((await runCli(["kill", "--rego", policy, "--assistant", "from_env"], { cwd })).code).toBe(0);
    } finally {
      delete process.env.TOOLGATE_STORE;
    }
    expect(await activeIn(path.join(dir, "env.db"))).toEqual(["from_env"]);
  });
});

async function activeIn(file: string): Promise<string[]> {
  const store = await openKillSwitchStore(file);
  try {
    return (await store.active()).map((s) => s.assistant_id);
  } finally {
    await store.close();
  }
}
