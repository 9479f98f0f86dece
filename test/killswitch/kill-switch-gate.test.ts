// The kill switch inside one process: what a killed call's decision is, on
// every effect the policy could have given, on a Gate and a GatePool, in the
// decision log; the monitor's fail-closed bound. The switches are written
// through the real store and read with monitor.refresh(), so nothing here
// depends on timing except the staleness polls (generous deadlines).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { AuditRecorder } from "../../src/audit/audit-recorder.ts";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import { readLog } from "../../src/audit/read-log.ts";
import { Gate } from "../../src/gate/gate.ts";
import { GatePool } from "../../src/gate/gate-pool.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import type { ToolCall, ToolDeclaration } from "../../src/gate/tool-call.ts";
import { DEFAULT_MAX_STALENESS_MS, DEFAULT_REFRESH_MS, KillSwitchMonitor, KillSwitchOptionsError } from "../../src/killswitch/kill-switch-monitor.ts";
import type { KillSwitchStore } from "../../src/killswitch/kill-switch.ts";
import { openKillSwitchStore } from "../../src/killswitch/open-kill-switch-store.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { replayLog } from "../../src/replay/replay.ts";
import { buildSeedBundle, seedTools } from "../helpers/seed-bundle.ts";

let dir: string;
let bundlePath: string;
let tools: ToolDeclaration[];
let engine: PolicyEngine;
let stores = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "toolgate-kill-gate-"));
  bundlePath = await buildSeedBundle();
  tools = await seedTools();
  engine = await PolicyEngine.open(bundlePath);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const call = (assistant_id: string, name: string, args: unknown, extra: Partial<ToolCall> = {}): ToolCall => ({
  surface: "chat",
  assistant_id,
  call_id: "call_1",
  name,
  arguments: typeof args === "string" ? args : JSON.stringify(args),
  ...extra,
});

/** One call per effect the seed policy gives, by assistant asst_zzz. */
const EVERY_EFFECT: Array<[string, ToolCall]> = [
  ["allow", call("asst_zzz", "get_customer", { customer_id: "c-1" })],
  ["sanitize", call("asst_zzz", "post_message", { channel: "#ops", text: "deploy key sk-abcdefghijklmnopqrstuvwx done" })],
  ["require_approval", call("asst_zzz", "send_email_blast", { template: "weekly_update", recipient_count: 500, subject: "Hi" })],
  ["deny", call("asst_zzz", "delete_customer", { customer_id: "c-1" })],
];

describe("a gate with a kill switch monitor", () => {
  let store: KillSwitchStore;
  let monitor: KillSwitchMonitor;
  let gate: Gate;

  beforeEach(async () => {
    store = await openKillSwitchStore(path.join(dir, `gate-${++stores}.db`));
    monitor = await KillSwitchMonitor.open({ store });
    gate = new Gate(engine, { tools, killSwitch: monitor });
    return async () => {
      await monitor.close();
      await store.close();
    };
  });

  test("the default promise: read at least every 500 ms, never rely on switches older than 1 s", () => {
    expect(monitor.refreshMs).toBe(DEFAULT_REFRESH_MS);
    expect(DEFAULT_REFRESH_MS).toBeLessThanOrEqual(500);
    expect(monitor.maxStalenessMs).toBe(DEFAULT_MAX_STALENESS_MS);
    expect(DEFAULT_MAX_STALENESS_MS).toBeLessThanOrEqual(1000);
  });

  test("a killed assistant is denied `killed` whatever the policy says (allow, sanitize, require_approval, deny); lifted, the policy decides again", async () => {
    await monitor.refresh();
    const before = EVERY_EFFECT.map(([, c]) => gate.evaluate(c, "fresh").decision.effect);
    expect(before).toEqual(EVERY_EFFECT.map(([effect]) => effect));

    await store.kill({ assistantId: "asst_zzz", reason: "prompt-injected loop", by: "oncall" });
    await monitor.refresh();
    for (const [, c] of EVERY_EFFECT) {
      const { decision } = gate.evaluate(c, "fresh");
      expect(decision.effect).toBe("deny");
      expect(decision.reasons).toEqual([{ code: "killed", message: expect.stringContaining("prompt-injected loop") }]);
      expect(decision.arguments).toEqual(JSON.parse(c.arguments));
      expect(decision.revision).toBe(engine.revision);
    }
    // Killed first: even a call the gate would refuse for its arguments says why it really stopped.
    expect(gate.evaluate(call("asst_zzz", "get_customer", "{not json")).decision.reasons[0]?.code).toBe("killed");
    // Another assistant is untouched.
    expect(gate.evaluate(call("asst_abc123", "get_customer", { customer_id: "c-1" })).decision.effect).toBe("allow");

    await store.lift({ assistantId: "asst_zzz", by: "oncall" });
    await monitor.refresh();
    expect(EVERY_EFFECT.map(([, c]) => gate.evaluate(c, "fresh").decision.effect)).toEqual(before);
  });

  test("a tool's switch stops that tool only; a hosted MCP tool of that name on any server too", async () => {
    await store.kill({ assistantId: "asst_zzz", tool: "get_customer", reason: "scraping", by: "oncall" });
    await monitor.refresh();
    expect(gate.evaluate(call("asst_zzz", "get_customer", { customer_id: "c-1" })).decision.reasons[0]?.code).toBe("killed");
    expect(gate.evaluate(call("asst_zzz", "search_orders", { customer_id: "c-1" })).decision.reasons[0]?.code).not.toBe("killed");
    const mcp = call("asst_zzz", "get_customer", { customer_id: "c-1" }, { surface: "responses", tool_type: "mcp", server_label: "crm" });
    expect(gate.evaluate(mcp).decision.reasons).toEqual([{ code: "killed", message: expect.stringContaining('tool "get_customer" of assistant "asst_zzz"') }]);
  });

  test("names match exactly: no case folding or trimming", async () => {
    await store.kill({ assistantId: "ASST_ZZZ", reason: "r", by: "oncall" });
    await store.kill({ assistantId: "asst_zzz", tool: "Get_Customer", reason: "r", by: "oncall" });
    await monitor.refresh();
    expect(gate.evaluate(call("asst_zzz", "get_customer", { customer_id: "c-1" })).decision.effect).toBe("allow");
    expect(gate.evaluate(call("ASST_ZZZ", "get_customer", { customer_id: "c-1" })).decision.reasons[0]?.code).toBe("killed");
  });

  test("the decision log records the killed decision with its reason and the call's arguments; replay counts it pre-policy", async () => {
    const logPath = path.join(dir, `decisions-${stores}.jsonl`);
    const log = await DecisionLog.open({ path: logPath, durability: "none" });
    const logged = new Gate(engine, { tools, killSwitch: monitor, recorder: new AuditRecorder(log) });
    await store.kill({ assistantId: "asst_zzz", reason: "refund loop", by: "oncall" });
    await monitor.refresh();
    await logged.decide(call("asst_zzz", "refund_order", { order_id: "o-1", amount: 5 }));
    await log.close();
    const records = [];
    for await (const record of readLog(logPath)) records.push(record);
    expect(records).toHaveLength(1);
    expect(records[0]?.result).toMatchObject({ effect: "deny", reasons: [{ code: "killed", message: expect.stringContaining("refund loop") }] });
    expect(records[0]?.input).toMatchObject({ assistant_id: "asst_zzz", arguments: { order_id: "o-1", amount: 5 } });
    // The policy did not make this deny: replay counts it apart instead of calling the allow it would give a change.
    const replayed = await replayLog(logPath, { engine });
    expect(replayed.counts).toMatchObject({ changed: 0, pre_policy: 1 });
    expect(replayed.pre_policy_reasons).toEqual({ killed: 1 });
  });

  test("a GatePool checks on the calling thread, before a worker sees the call", async () => {
    const pool = await GatePool.open({ bundlePath, tools, workers: 1, killSwitch: monitor });
    try {
      const refund = call("asst_zzz", "refund_order", { order_id: "o-1", amount: 5 });
      await monitor.refresh();
      expect((await pool.decide(refund)).effect).toBe("allow");
      await store.kill({ assistantId: "asst_zzz", tool: "refund_order", reason: "loop", by: "oncall" });
      await monitor.refresh();
      const denied = await pool.decide(refund);
      expect(denied).toMatchObject({ effect: "deny", reasons: [{ code: "killed" }], arguments: { order_id: "o-1", amount: 5 }, revision: engine.revision });
      expect((await pool.decide(call("asst_zzz", "get_customer", { customer_id: "c-1" }))).effect).toBe("allow");
    } finally {
      await pool.close();
    }
  });
});

describe("fail closed", () => {
  test("switches older than maxStalenessMs (the store file is gone) deny every call kill_switch_unavailable; a store again, decisions again", async () => {
    const file = path.join(dir, `stale-${++stores}.db`);
    const monitor = await KillSwitchMonitor.open({ store: file, refreshMs: 50, maxStalenessMs: 500 });
    const gate = new Gate(engine, { tools, killSwitch: monitor });
    const get = call("asst_zzz", "get_customer", { customer_id: "c-1" });
    try {
      // Polled, not asserted at once: on a loaded machine the loop may stall past the bound, and then the gate rightly denies.
      await poll(() => gate.evaluate(get).decision, (d) => d.effect === "allow");
      for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
      const denied = await poll(() => gate.evaluate(get).decision, (d) => d.reasons[0]?.code === "kill_switch_unavailable");
      expect(denied.effect).toBe("deny");
      expect(denied.reasons[0]?.message).toMatch(/gone or unreadable/);
      const fresh = await openKillSwitchStore(file);
      await fresh.close();
      await poll(() => gate.evaluate(get).decision, (d) => d.effect === "allow");
    } finally {
      await monitor.close();
    }
  });

  test("a closed monitor denies every call", async () => {
    const monitor = await KillSwitchMonitor.open({ store: path.join(dir, `closed-${++stores}.db`) });
    await monitor.close();
    const { decision } = new Gate(engine, { tools, killSwitch: monitor }).evaluate(call("asst_zzz", "get_customer", { customer_id: "c-1" }));
    expect(decision.reasons).toEqual([{ code: "kill_switch_unavailable", message: expect.stringContaining("closed") }]);
  });

  test("a monitor never starts blind, nor with options that break its promise", async () => {
    await expect(KillSwitchMonitor.open({ store: "postgres://postgres@127.0.0.1:1/none" })).rejects.toMatchObject({ code: "store_unavailable" });
    const file = path.join(dir, `options-${++stores}.db`);
    await expect(KillSwitchMonitor.open({ store: file, refreshMs: 1000, maxStalenessMs: 1000 })).rejects.toThrow(KillSwitchOptionsError);
    await expect(KillSwitchMonitor.open({ store: file, refreshMs: 0 })).rejects.toThrow(KillSwitchOptionsError);
    await expect(KillSwitchMonitor.open({ store: file, refreshMs: Number.NaN })).rejects.toThrow(KillSwitchOptionsError);
  });
});

async function poll<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a kill that lands while a human is approving", () => {
  test("the approved call is decided again when the answer comes: killed, the tool never runs", async () => {
    const store = await openKillSwitchStore(path.join(dir, `approval-${++stores}.db`));
    const monitor = await KillSwitchMonitor.open({ store });
    try {
      const gate = new Gate(engine, { tools, killSwitch: monitor });
      let ran = 0;
      const guard = new ToolGuard({
        gate,
        tools: { send_email_blast: () => void (ran += 1) },
        approver: {
          async request() {
            await store.kill({ assistantId: "asst_zzz", reason: "runaway blast", by: "oncall" });
            await monitor.refresh();
            return { status: "approved", approver: "ana" };
          },
        },
      });
      const outcome = await guard.handle(EVERY_EFFECT[2]![1]);
      expect(ran).toBe(0);
      expect(outcome.status).toBe("denied");
      expect(outcome.decision.reasons.map((r) => r.code)).toEqual(["killed"]);
      expect(JSON.parse(outcome.output)).toMatchObject({ status: "denied", reasons: ["killed"] });

      await store.lift({ assistantId: "asst_zzz", by: "oncall" });
      await monitor.refresh();
      const unkilled = new ToolGuard({ gate, tools: { send_email_blast: () => void (ran += 1) }, approver: { request: async () => ({ status: "approved" }) } });
      expect((await unkilled.handle(EVERY_EFFECT[2]![1])).status).toBe("ran");
      expect(ran).toBe(1);
    } finally {
      await monitor.close();
      await store.close();
    }
  });
});
