import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalBinding } from "../../src/approval/binding.ts";
import { callbackApprover } from "../../src/approval/callback.ts";
import { AuditRecorder } from "../../src/audit/audit-recorder.ts";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import type { DecisionRecord } from "../../src/audit/decision-record.ts";
import { readLog } from "../../src/audit/read-log.ts";
import { Gate } from "../../src/gate/gate.ts";
import { GatePool } from "../../src/gate/gate-pool.ts";
import type { ToolCall } from "../../src/gate/tool-call.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { Replayer } from "../../src/replay/replay.ts";
import { buildSeedBundle, repoRoot, seedTools } from "../helpers/seed-bundle.ts";

let dir: string;
let bundlePath: string;
let engine: PolicyEngine;
let gate: Gate;

const mcp = (label: unknown, name: unknown, args: unknown = {}, extra: Partial<ToolCall> = {}): ToolCall =>
  ({
    surface: "responses",
    assistant_id: "default",
    call_id: "mcpr_1",
    tool_type: "mcp",
    server_label: label,
    name,
    arguments: JSON.stringify(args),
    ...extra,
  }) as ToolCall;

const codes = (call: ToolCall, g: Gate = gate): string[] => g.evaluate(call).decision.reasons.map((r) => r.code);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "toolgate-mcp-"));
  bundlePath = await buildSeedBundle();
  engine = await PolicyEngine.open(bundlePath);
  gate = new Gate(engine, { tools: await seedTools() });
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("hosted MCP calls are judged by server label and tool name", () => {
  it("allows a listed tool on a listed server and shows the policy the tool reference", () => {
    const { decision, input } = gate.evaluate(mcp("crm", "get_customer", { customer_id: "c-1" }));
    expect(decision.effect).toBe("allow");
    expect(input?.tool).toEqual({ name: "get_customer", type: "mcp", server_label: "crm" });
  });

  it("builds input documents that match schemas/input.schema.json, and the schema refuses a label-less MCP reference", async () => {
    const schema = JSON.parse(await readFile(path.join(repoRoot, "schemas", "input.schema.json"), "utf8")) as object;
    const validate = new Ajv({ strict: false }).compile(schema);
    const mcpInput = gate.evaluate(mcp("crm", "get_customer", { customer_id: "c-1" })).input;
    const functionInput = gate.evaluate({ surface: "chat", assistant_id: "a", call_id: "c", name: "get_customer", arguments: '{"customer_id":"c-1"}' }).input;
    expect([validate(mcpInput), validate(functionInput)]).toEqual([true, true]);
    expect(validate({ ...mcpInput, tool: { name: "get_customer", type: "mcp" } })).toBe(false);
    expect(validate({ ...mcpInput, tool: { name: "get_customer", type: "function", server_label: "crm" } })).toBe(false);
  });

  it("denies a locally allowed function's name on a server the policy does not name", () => {
    // The bug this fixes: get_customer on untrusted-third-party was approved as the local function.
    expect(codes(mcp("untrusted-third-party", "get_customer", { customer_id: "c-1" }))).toEqual(["mcp_server_not_allowed"]);
    expect(codes(mcp("untrusted-third-party", "search_orders", {}))).toEqual(["mcp_server_not_allowed"]);
  });

  it("denies a tool the policy does not list on a server it names, even one allowed as a local function", () => {
    expect(codes(mcp("crm", "refund_order", { order_id: "o-1", amount: 1 }))).toEqual(["mcp_tool_not_allowed"]);
    expect(codes(mcp("deepwiki", "get_customer", { customer_id: "c-1" }))).toEqual(["mcp_tool_not_allowed"]);
  });

  it("never reads mcp_servers for a function call", () => {
    // ask_question is an MCP tool only: as a function it is undeclared (gate) and unlisted (policy).
    expect(codes({ surface: "chat", assistant_id: "default", call_id: "c", name: "ask_question", arguments: "{}" })).toEqual(["tool_not_declared"]);
    const noSchemas = new Gate(engine, { tools: [{ type: "function", function: { name: "ask_question" } }] });
    expect(codes({ surface: "chat", assistant_id: "default", call_id: "c", name: "ask_question", arguments: "{}" }, noSchemas)).toEqual(["tool_not_allowed"]);
  });

  it.each([
    ["a missing server_label", mcp(undefined, "get_customer")],
    ["an empty server_label", mcp("", "get_customer")],
    ["a non-string server_label", mcp(["crm"], "get_customer")],
    ["a numeric server_label", mcp(7, "get_customer")],
    ["an empty tool name", mcp("crm", "")],
    ["a non-string tool name", mcp("crm", { name: "get_customer" })],
    ["a server_label on a function call", { ...mcp("crm", "get_customer"), tool_type: undefined }],
    ["an unknown tool type", { ...mcp("crm", "get_customer"), tool_type: "MCP" }],
  ])("denies %s as invalid_tool_call", (_label, call) => {
    expect(codes(call as ToolCall)).toEqual(["invalid_tool_call"]);
  });

  it("asks for approval where the policy says require_approval, and an assistant's override replaces it", () => {
    const asked = gate.evaluate(mcp("crm", "update_customer", { customer_id: "c-1" }));
    expect(asked.decision).toMatchObject({ effect: "require_approval", reasons: [{ code: "tool_requires_approval" }], approval: { timeout_seconds: 600 } });
    expect(gate.evaluate(mcp("crm", "update_customer", { customer_id: "c-1" }, { assistant_id: "asst_def456" })).decision.effect).toBe("allow");
  });

  it("resolves constraints by (assistant, type, server label, name)", () => {
    const question = (assistant: string, repoName: string) => mcp("deepwiki", "ask_question", { repoName, question: "q" }, { assistant_id: assistant });
    expect(gate.evaluate(question("default", "openai/openai-node")).input?.constraints).toEqual({
      allowed_values: { repoName: ["openai/openai-agents-js", "openai/openai-node"] },
    });
    expect(codes(question("default", "evil/repo"))).toEqual(["value_not_allowed"]);
    expect(gate.evaluate(question("asst_def456", "evil/repo")).input?.constraints).toEqual({});
    expect(gate.evaluate(question("asst_def456", "evil/repo")).decision.effect).toBe("allow");
    // The function refund_order's max_amount is not an MCP tool's constraint.
    expect(gate.evaluate(mcp("crm", "get_customer", { amount: 10_000 }, { assistant_id: "asst_abc123" })).input?.constraints).toEqual({});
  });

  it("carries the reference to a GatePool's workers", async () => {
    const pool = await GatePool.open({ bundlePath, tools: await seedTools(), workers: 1 });
    try {
      expect((await pool.decide(mcp("crm", "get_customer", { customer_id: "c-1" }))).effect).toBe("allow");
      expect((await pool.decide(mcp("untrusted-third-party", "get_customer", { customer_id: "c-1" }))).reasons.map((r) => r.code)).toEqual(["mcp_server_not_allowed"]);
      expect((await pool.decide(mcp("", "get_customer"))).reasons.map((r) => r.code)).toEqual(["invalid_tool_call"]);
    } finally {
      await pool.close();
    }
  });

  it("does not hold an MCP tool to the app's function declarations of the same name", () => {
    // get_customer's declared schema requires customer_id and allows nothing else.
    expect(gate.evaluate(mcp("crm", "get_customer", { email: "a@b.example" })).decision.effect).toBe("allow");
  });
});

describe("approvals are bound to the tool reference", () => {
  const call = (label: string): ToolCall => mcp(label, "update_customer", { customer_id: "c-1" });

  it("binds call id, tool type, server label, name and arguments", () => {
    const base = approvalBinding(call("crm"), { customer_id: "c-1" });
    expect(approvalBinding(call("crm"), { customer_id: "c-1" })).toBe(base);
    expect(approvalBinding(call("crm2"), { customer_id: "c-1" })).not.toBe(base);
    expect(approvalBinding({ ...call("crm"), name: "update_customers" }, { customer_id: "c-1" })).not.toBe(base);
    expect(approvalBinding({ call_id: "mcpr_1", name: "update_customer" }, { customer_id: "c-1" })).not.toBe(base);
    expect(approvalBinding(call("crm"), { customer_id: "c-2" })).not.toBe(base);
    expect(base.startsWith("mcpr_1:")).toBe(true);
  });

  it("does not let a granted approval for one server's tool run the same call on another server", async () => {
    const policyDir = path.join(dir, "two-servers");
    await mkdir(policyDir, { recursive: true });
    await writeFile(
      path.join(policyDir, "toolgate.yaml"),
      [
        "version: 1",
        "tools: {}",
        "mcp_servers:",
        "  crm: { tools: { update_customer: { effect: require_approval } } }",
        "  crm_mirror: { tools: { update_customer: { effect: require_approval } } }",
      ].join("\n"),
    );
    const built = await compileBundle({ regoDir: policyDir, out: path.join(dir, "two-servers.tar.gz") });
    const twoServers = new Gate(await PolicyEngine.open(built.path), { tools: [] });
    const asked: string[] = [];
    const guard = new ToolGuard({
      gate: twoServers,
      tools: {},
      approver: callbackApprover((r) => (asked.push(`${r.call.server_label}/${r.call.name}`), { status: asked.length === 1 ? "approved" : "rejected" })),
    });
    expect((await guard.preapprove(call("crm"))).status).toBe("approved");
    // Same call id and arguments, other server: the grant does not apply, the approver is asked (and rejects).
    const other = await guard.authorize(call("crm_mirror"));
    expect(other.kind).toBe("refused");
    expect(asked).toEqual(["crm/update_customer", "crm_mirror/update_customer"]);
    // The grant is still there for the call it was made for.
    expect((await guard.authorize(call("crm"))).kind).toBe("run");
    expect(asked).toHaveLength(2);
  });

  it("never runs the app's function of the same name for an MCP call", async () => {
    const ran: string[] = [];
    const guard = new ToolGuard({ gate, tools: { get_customer: () => (ran.push("local"), "local result") } });
    const outcome = await guard.handle(mcp("crm", "get_customer", { customer_id: "c-1" }));
    expect(outcome.decision.effect).toBe("allow");
    expect(ran).toEqual([]);
    expect(outcome.status).toBe("error");
    expect(outcome.output).toContain("tool_not_implemented");
  });
});

describe("the decision log and replay carry the tool reference", () => {
  let records: DecisionRecord[];

  beforeAll(async () => {
    const logPath = path.join(dir, "decisions.jsonl");
    const log = await DecisionLog.open({ path: logPath, durability: "none" });
    const logged = new Gate(engine, { tools: await seedTools(), recorder: new AuditRecorder(log) });
    await logged.decide(mcp("crm", "get_customer", { customer_id: "c-1" }));
    await logged.decide(mcp("untrusted-third-party", "get_customer", { customer_id: "c-1" }));
    await logged.decide(mcp("", "get_customer", { customer_id: "c-1" }));
    await logged.decide({ surface: "responses", assistant_id: "default", call_id: "call_1", name: "get_customer", arguments: '{"customer_id":"c-1"}' });
    await log.close();
    records = [];
    for await (const r of readLog(logPath)) records.push(r);
  });

  it("records input.tool and mcp_server_label", () => {
    expect(records.map((r) => [r.input.tool, r.mcp_server_label, r.result.effect])).toEqual([
      [{ name: "get_customer", type: "mcp", server_label: "crm" }, "crm", "allow"],
      [{ name: "get_customer", type: "mcp", server_label: "untrusted-third-party" }, "untrusted-third-party", "deny"],
      [{ name: "get_customer", type: "mcp", server_label: "" }, "", "deny"],
      [{ name: "get_customer", type: "function" }, undefined, "allow"],
    ]);
  });

  it("replays each record on its own tool reference", () => {
    const replayer = new Replayer(engine, { tools: [] });
    expect(records.map((r) => replayer.replay(r).outcome)).toEqual(["unchanged", "unchanged", "pre_policy", "changed"]);
    // With declarations given (none), the function call is now undeclared; MCP calls are never held to them.
    const moved = { ...records[0]!, input: { ...records[0]!.input, tool: { name: "get_customer", type: "mcp", server_label: "crm-evil" } } } as DecisionRecord;
    expect(replayer.replay(moved)).toMatchObject({ outcome: "changed", decision: { effect: "deny", reasons: [{ code: "mcp_server_not_allowed" }] } });
  });
});
