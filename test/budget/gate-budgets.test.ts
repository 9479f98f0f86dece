import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { callbackApprover } from "../../src/approval/callback.ts";
import { AuditRecorder } from "../../src/audit/audit-recorder.ts";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import { readLog } from "../../src/audit/read-log.ts";
import { replayLog } from "../../src/replay/replay.ts";
import type { BudgetStore } from "../../src/budget/budget-store.ts";
import { openBudgetStore } from "../../src/budget/open-budget-store.ts";
import { Gate } from "../../src/gate/gate.ts";
import type { ToolCall } from "../../src/gate/tool-call.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { parsePolicyConfig } from "../../src/policy/config.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { PolicyBuildError } from "../../src/policy/errors.ts";
import { openTool } from "../helpers/constraint-gate.ts";
import { runCli } from "../helpers/run-cli.ts";

const CONFIG = `version: 1
tools:
  refund:
    effect: allow
    budgets:
      - { name: daily_refunds, sum: refund.amount, limit: 1000, soft_limit: 800, window: 1d, per: [assistant] }
  ping:
    effect: allow
    budgets:
      - { name: pings, count: true, limit: 3, window: 1h, per: [context.tenant, arguments.customer] }
  plain: { effect: allow }
assistants:
  asst_big:
    tools:
      refund:
        budgets: [{ name: daily_refunds, limit: 5000, soft_limit: 5000 }]
`;

let engine: PolicyEngine;
const tools = ["refund", "ping", "plain"].map(openTool);
let clockNow = Date.UTC(2026, 0, 1);
const clock = () => clockNow;

const call = (name: string, args: unknown, extra: Partial<ToolCall> = {}): ToolCall => ({
  surface: "chat",
  assistant_id: "asst_1",
  call_id: `call_${Math.random()}`,
  name,
  arguments: JSON.stringify(args),
  ...extra,
});
const refund = (amount: unknown, extra: Partial<ToolCall> = {}) => call("refund", { refund: { amount } }, extra);
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);

async function gateWith(store?: BudgetStore): Promise<Gate> {
  return new Gate(engine, { tools, clock, ...(store ? { budgets: store } : {}) });
}

async function engineFor(config: string): Promise<PolicyEngine> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-budgets-"));
  const rego = path.join(dir, "rego");
  await mkdir(rego);
  await writeFile(path.join(rego, "toolgate.yaml"), config);
  await writeFile(path.join(rego, "tools.json"), JSON.stringify(tools));
  const out = path.join(dir, "bundle.tar.gz");
  await compileBundle({ regoDir: rego, out });
  return PolicyEngine.load(await readBundle(out));
}

beforeAll(async () => {
  engine = await engineFor(CONFIG);
}, 120_000);

describe("budgets in the gate", () => {
  it("puts the usage into the input document and reserves what it allows", async () => {
    const store = await openBudgetStore(":memory:");
    const gate = await gateWith(store);
    const first = await gate.decide(refund(300));
    expect(first.effect).toBe("allow");
    const { input } = await gate.preview(refund(200));
    expect(input?.usage).toEqual({
      daily_refunds: { kind: "sum", used: 0, reserved: 300, amount: 200, would_be: 500, limit: 1000, soft_limit: 800, window: "1d", per: ["assistant"], key: ["asst_1"] },
    });
    await gate.finish(first, "ran");
    expect((await gate.preview(refund(200))).input?.usage).toMatchObject({ daily_refunds: { used: 300, reserved: 0 } });
  });

  it("over the soft limit asks a person; a rejection gives the reservation back, a run keeps it", async () => {
    const gate = await gateWith();
    let answer: "approved" | "rejected" = "rejected";
    const ran: unknown[] = [];
    const guard = new ToolGuard({ gate, tools: { refund: (args) => void ran.push(args) }, assistantId: "asst_2", approver: callbackApprover(() => ({ status: answer })) });
    expect((await guard.handle(refund(700, { assistant_id: "asst_2" }))).status).toBe("ran");
    const held = await guard.handle(refund(200, { assistant_id: "asst_2" }));
    expect(held.decision).toMatchObject({ effect: "require_approval", reasons: [{ code: "budget_soft_limit" }] });
    expect(held.status).toBe("denied");
    expect((await gate.preview(refund(1, { assistant_id: "asst_2" }))).input?.usage).toMatchObject({ daily_refunds: { used: 700, reserved: 0 } });
    answer = "approved";
    expect((await guard.handle(refund(200, { assistant_id: "asst_2" }))).status).toBe("ran");
    expect((await gate.preview(refund(1, { assistant_id: "asst_2" }))).input?.usage).toMatchObject({ daily_refunds: { used: 900, reserved: 0 } });
    const over = await guard.handle(refund(100.5, { assistant_id: "asst_2" }));
    expect(codes(over.decision)).toEqual(["budget_exceeded"]);
    expect(ran).toHaveLength(2);
  });

  it("an app that runs the tool itself after authorize() settles with guard.finish()", async () => {
    const gate = await gateWith();
    const guard = new ToolGuard({ gate, tools: {}, assistantId: "asst_5" });
    const first = await guard.authorize(refund(400, { assistant_id: "asst_5" }));
    const second = await guard.authorize(refund(300, { assistant_id: "asst_5" }));
    expect([first.kind, second.kind]).toEqual(["run", "run"]);
    await guard.finish(first, "ran");
    await guard.finish(second, "not_run");
    expect((await gate.preview(refund(1, { assistant_id: "asst_5" }))).input?.usage).toMatchObject({ daily_refunds: { used: 400, reserved: 0 } });
  });

  it("a tool that throws gives its reservation back", async () => {
    const gate = await gateWith();
    const guard = new ToolGuard({ gate, tools: { refund: () => { throw new Error("down"); } }, assistantId: "asst_3" });
    expect((await guard.handle(refund(500, { assistant_id: "asst_3" }))).status).toBe("error");
    expect((await gate.preview(refund(1, { assistant_id: "asst_3" }))).input?.usage).toMatchObject({ daily_refunds: { used: 0, reserved: 0 } });
  });

  it("concurrent calls never both take the last unit: 10 at once on a limit of 3", async () => {
    const gate = await gateWith();
    const decisions = await Promise.all(Array.from({ length: 10 }, () => gate.decide(call("ping", { customer: "c" }, { context: { tenant: "t1" } }))));
    expect(decisions.filter((d) => d.effect === "allow")).toHaveLength(3);
    for (const d of decisions.filter((d) => d.effect !== "allow")) expect(codes(d)).toEqual(["rate_limited"]);
  });

  it("counts per key: context and argument values are separate counters; an absent value is one shared counter", async () => {
    const gate = await gateWith();
    const ping = (tenant: unknown, customer: unknown) => gate.decide(call("ping", customer === undefined ? {} : { customer }, tenant === undefined ? {} : { context: { tenant } }));
    for (let i = 0; i < 3; i++) expect((await ping("t1", "a")).effect).toBe("allow");
    expect(codes(await ping("t1", "a"))).toEqual(["rate_limited"]);
    expect((await ping("t2", "a")).effect).toBe("allow");
    expect((await ping("t1", "b")).effect).toBe("allow");
    // "1" and 1 are different JSON values, so different keys; only a string and a number can look alike in messages.
    expect((await ping("t1", 1)).effect).toBe("allow");
    for (let i = 0; i < 3; i++) expect((await ping(undefined, undefined)).effect).toBe("allow");
    expect(codes(await ping(undefined, undefined))).toEqual(["rate_limited"]);
  });

  it("denies keys and amounts it cannot count: an object key, a negative, string or missing amount", async () => {
    const gate = await gateWith();
    expect(codes(await gate.decide(call("ping", { customer: { id: "c" } })))).toEqual(["budget_key_invalid"]);
    expect(codes(await gate.decide(call("ping", { customer: ["c"] })))).toEqual(["budget_key_invalid"]);
    expect(codes(await gate.decide(refund(-5)))).toEqual(["budget_amount_invalid"]);
    expect(codes(await gate.decide(refund("5")))).toEqual(["budget_amount_invalid"]);
    expect(codes(await gate.decide(call("refund", { amount: 5 })))).toEqual(["budget_amount_invalid"]);
  });

  it("the assistant's override replaces the fields it names", async () => {
    const gate = await gateWith();
    const big = await gate.decide(refund(4000, { assistant_id: "asst_big" }));
    expect(big.effect).toBe("allow");
  });

  it("a window slides: usage older than the window no longer counts", async () => {
    const gate = await gateWith();
    const ping = () => gate.decide(call("ping", { customer: "slide" }));
    for (let i = 0; i < 3; i++) await gate.finish(await ping(), "ran");
    expect(codes(await ping())).toEqual(["rate_limited"]);
    clockNow += 3_600_000;
    expect((await ping()).effect).toBe("allow");
  });

  it("fails closed: a store that fails denies budget_unavailable; so does evaluate() without usage; tools without budgets never touch the store", async () => {
    const store = await openBudgetStore(":memory:");
    await store.close();
    const gate = await gateWith(store);
    expect(codes(await gate.decide(refund(1)))).toEqual(["budget_unavailable"]);
    expect((await gate.decide(call("plain", {}))).effect).toBe("allow");
    expect(codes(gate.evaluate(refund(1)).decision)).toEqual(["budget_unavailable"]);
    expect(gate.evaluate(refund(1), "fresh").decision.effect).toBe("allow");
  });
});

describe("budgets in the decision log", () => {
  it("the record keeps the usage the call was decided on, and policy audit shows it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-budget-log-"));
    const logPath = path.join(dir, "decisions.jsonl");
    const log = await DecisionLog.open({ path: logPath, durability: "none" });
    const gate = new Gate(engine, { tools, clock, recorder: new AuditRecorder(log) });
    await gate.finish(await gate.decide(refund(600, { assistant_id: "asst_log" })), "ran");
    await gate.decide(refund(500, { assistant_id: "asst_log" }));
    await log.close();
    const records = [];
    for await (const record of readLog(logPath)) records.push(record);
    expect(records.map((r) => r.input.usage?.daily_refunds)).toMatchObject([{ used: 0, would_be: 600 }, { used: 600, would_be: 1100 }]);
    const shown = await runCli(["audit", "--log", logPath]);
    expect(shown.stdout.trimEnd().split("\n").slice(1)).toEqual([
      expect.stringMatching(/refund\s.*\s-  usage: daily_refunds 600\/1000$/),
      expect.stringMatching(/refund\s.*\sbudget_exceeded  usage: daily_refunds 1100\/1000$/),
    ]);
  });
});

describe("replay recomputes usage in log order", () => {
  it("a candidate with a lower limit names the calls it would have stopped", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-budget-replay-"));
    const logPath = path.join(dir, "decisions.jsonl");
    const log = await DecisionLog.open({ path: logPath, durability: "none" });
    const gate = new Gate(engine, { tools, clock, recorder: new AuditRecorder(log) });
    // The third goes over the soft limit (800): recorded require_approval; the candidate (limit 700) denies it.
    for (const amount of [300, 300, 300]) await gate.finish(await gate.decide(refund(amount, { assistant_id: "asst_replay" })), "ran");
    await log.close();
    const candidate = await engineFor(CONFIG.replace("limit: 1000, soft_limit: 800", "limit: 700"));
    const report = await replayLog(logPath, { engine: candidate });
    expect(report.counts).toMatchObject({ evaluated: 3, changed: 1, unchanged: 2 });
    expect(report.changes).toMatchObject([{ seq: 3, transition: "require_approval->deny", new: { effect: "deny", reasons: [{ code: "budget_exceeded" }] } }]);
    // The same policy replayed on its own log changes nothing.
    expect((await replayLog(logPath, { engine })).counts).toMatchObject({ evaluated: 3, unchanged: 3, changed: 0 });
  }, 120_000);
});

describe("budget config", () => {
  const load = (yaml: string) => parsePolicyConfig(yaml, "toolgate.yaml");
  const problems = async (yaml: string) => {
    try {
      await load(yaml);
      return [];
    } catch (err) {
      if (!(err instanceof PolicyBuildError)) throw err;
      return err.diagnostics.map((d) => `${d.location?.row ?? "?"}: ${d.code}: ${d.message}`);
    }
  };

  it("loads the seed's budgets and the test config", async () => {
    expect(await problems(CONFIG)).toEqual([]);
  });

  it("locates what is wrong, by line", async () => {
    const yaml = `version: 1
tools:
  a:
    effect: allow
    budgets:
      - { name: x, sum: amount, count: true, limit: 5, window: 1d }
      - { name: y, count: true, limit: 5, soft_limit: 6, window: 1h }
      - { name: z, count: true, limit: 5, window: 1h }
  b:
    effect: allow
    budgets:
      - { name: z, sum: amount, limit: 5, window: 1h }
assistants:
  asst_1:
    tools:
      a:
        budgets: [{ name: w, limit: 3 }]
`;
    expect(await problems(yaml)).toEqual([
      "6: config_budget_invalid: budget x needs exactly one of sum (an argument path) or count: true",
      "7: config_budget_invalid: budget y: soft_limit 6 is above limit 5",
      "12: config_budget_invalid: budget z is one counter: every entry must agree on sum/count and window (count over 1h elsewhere)",
      "17: config_budget_invalid: budget w needs exactly one of sum (an argument path) or count: true",
    ]);
  });

  it("the schema refuses a bad window, key or name, located", async () => {
    const yaml = `version: 1
tools:
  a:
    effect: allow
    budgets:
      - { name: x, count: true, limit: 5, window: 1 day, per: [user] }
`;
    const found = await problems(yaml);
    expect(found.some((p) => p.startsWith("6: config_invalid") && p.includes("window"))).toBe(true);
    expect(found.some((p) => p.startsWith("6: config_invalid") && p.includes("per"))).toBe(true);
  });
});
