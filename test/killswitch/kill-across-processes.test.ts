// A real kill across processes: a gate (and a GatePool) deciding in a child
// process, `policy kill` run as the real CLI in another. Asserts on decisions,
// polling with a generous deadline (the one-second promise is configuration:
// refreshMs and maxStalenessMs, asserted below, not measured).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.ts";
import { runCli } from "../helpers/run-cli.ts";
import { buildSeedBundle, repoRoot } from "../helpers/seed-bundle.ts";

const loopScript = path.join(repoRoot, "test", "helpers", "kill-switch-gate-loop.ts");
/** Generous: the box is shared; the promise itself is checked as configuration. */
const DEADLINE_MS = 20_000;

interface Line {
  ready?: boolean;
  refreshMs?: number;
  maxStalenessMs?: number;
  effect?: string;
  codes?: string[];
  messages?: string[];
}

/** A gate process; `next(predicate)` resolves with the first line (from now on) that matches. */
class GateProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Line[] = [];
  private waiters: Array<() => void> = [];
  private stderr = "";
  readonly exited: Promise<number | null>;

  constructor(bundle: string, store: string, mode: "gate" | "pool") {
    this.child = spawn(process.execPath, [loopScript, bundle, store, mode], { stdio: ["pipe", "pipe", "pipe"] });
    createInterface({ input: this.child.stdout }).on("line", (text) => {
      this.lines.push(JSON.parse(text) as Line);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on("close", (code) => {
      resolve(code);
      for (const wake of this.waiters.splice(0)) wake();
    }));
  }

  private seen = 0;

  async next(what: string, matches: (line: Line) => boolean): Promise<Line> {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      while (this.seen < this.lines.length) {
        const line = this.lines[this.seen++]!;
        if (matches(line)) return line;
      }
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`gate process: no ${what} within ${DEADLINE_MS} ms; lines ${JSON.stringify(this.lines)}; stderr ${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  async stop(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }
}

const allowed = (line: Line) => line.effect === "allow";
const killed = (line: Line) => line.effect === "deny" && line.codes?.[0] === "killed";
const unavailable = (line: Line) => line.effect === "deny" && line.codes?.[0] === "kill_switch_unavailable";

let bundle: string;
let dir: string;
let server: PostgresServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "toolgate-kill-"));
  [bundle, server] = await Promise.all([buildSeedBundle(), startPostgres()]);
}, 120_000);
afterAll(() => {
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function killAndLift(store: string, mode: "gate" | "pool"): Promise<void> {
  const gate = new GateProcess(bundle, store, mode);
  try {
    const ready = await gate.next("ready line", (line) => line.ready === true);
    // The one-second promise, as configured: read every refreshMs, deny once the switches are older than maxStalenessMs.
    expect(ready.refreshMs).toBeLessThanOrEqual(500);
    expect(ready.maxStalenessMs).toBeLessThanOrEqual(1000);
    await gate.next("allow before the kill", allowed);

    const kill = await runCli(["kill", "--store", store, "--assistant", "asst_loop", "--reason", "runaway refund loop", "--by", "oncall"]);
    expect(kill.stderr).toBe("");
    expect(kill.code).toBe(0);
    const denied = await gate.next("killed deny after policy kill", killed);
    expect(denied.messages?.[0]).toContain("runaway refund loop");
    expect(denied.messages?.[0]).toContain("oncall");

    const lift = await runCli(["kill", "--lift", "--store", store, "--assistant", "asst_loop"]);
    expect(lift.code).toBe(0);
    await gate.next("allow after the lift", allowed);

    // A kill of another tool of the same assistant does not touch this one; killing this tool does.
    expect((await runCli(["kill", "--store", store, "--assistant", "asst_loop", "--tool", "send_email"])).code).toBe(0);
    expect((await runCli(["kill", "--store", store, "--assistant", "asst_loop", "--tool", "refund_order", "--reason", "tool only"])).code).toBe(0);
    expect((await gate.next("killed deny of the tool", killed)).messages?.[0]).toContain("tool only");
    expect((await runCli(["kill", "--lift", "--store", store, "--assistant", "asst_loop", "--tool", "refund_order"])).code).toBe(0);
    await gate.next("allow after the tool's lift", allowed);
  } finally {
    await gate.stop();
  }
}

describe("sqlite store", () => {
  test("a gate in another process denies after `policy kill` and allows after `policy kill --lift`", () => killAndLift(path.join(dir, "gate.db"), "gate"));
  test("a GatePool in another process too", () => killAndLift(path.join(dir, "pool.db"), "pool"));

  test("fail closed: the store file removed -> kill_switch_unavailable until a store is there again", async () => {
    const file = path.join(dir, "removed.db");
    const gate = new GateProcess(bundle, file, "gate");
    try {
      await gate.next("allow", allowed);
      for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
      const denied = await gate.next("kill_switch_unavailable", unavailable);
      expect(denied.messages?.[0]).toContain("gone");
      // `policy kill --list` does not create a store: it stays unavailable.
      expect((await runCli(["kill", "--list", "--store", file])).code).toBe(2);
      expect(existsSync(file)).toBe(false);
      // A kill of another assistant creates the store at that path: the gate reads it and decides again.
      expect((await runCli(["kill", "--store", file, "--assistant", "asst_other", "--reason", "elsewhere"])).code).toBe(0);
      await gate.next("allow once the store answers", allowed);
    } finally {
      await gate.stop();
    }
  });
});

describe("postgres store (a real server started here)", () => {
  test("a gate in another process denies after `policy kill` and allows after the lift", () => killAndLift(server.createDatabase("kill_gate"), "gate"));
  test("a GatePool in another process too", () => killAndLift(server.createDatabase("kill_pool"), "pool"));

  test("fail closed: the server stopped -> kill_switch_unavailable", async () => {
    const own = await startPostgres();
    const gate = new GateProcess(bundle, own.createDatabase("kill_outage"), "gate");
    try {
      await gate.next("allow", allowed);
      own.stop();
      await gate.next("kill_switch_unavailable", unavailable);
    } finally {
      own.stop();
      await gate.stop();
    }
  });
});
