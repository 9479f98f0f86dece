// The package as a user sees it: only what package.json exports ("toolgate",
// "toolgate/gate", "toolgate/agents", "toolgate/testing"), and the README's snippets run through it.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as toolgate from "../src/index.ts";
import * as gateOnly from "../src/gate-entry.ts";
import * as agents from "../src/openai/agents.ts";
import * as testing from "../src/dev/openai-server/index.ts";
import { buildSeedBundle, repoRoot, seedTools } from "./helpers/seed-bundle.ts";

const { AuditRecorder, DecisionLog, Gate, GatePool, ToolGuard, callbackApprover, chatWithGate, readLog, verifyLog } = toolgate;

describe("package entry points", () => {
  it("package.json exports exactly the four entries these imports stand for", async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as { exports: Record<string, { default: string }> };
    const sources = Object.fromEntries(
      Object.entries(pkg.exports).map(([entry, target]) => [entry, target.default.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")]),
    );
    expect(sources).toEqual({ ".": "src/index.ts", "./gate": "src/gate-entry.ts", "./agents": "src/openai/agents.ts", "./testing": "src/dev/openai-server/index.ts" });
  });

  it("keeps internals out of the public API", () => {
    for (const internal of ["ApprovalLedger", "canonicalJson", "approvalBinding", "Replayer", "PolicyWatcher", "readBundle", "DecisionPipeline", "inputDocumentJson"]) {
      expect(Object.keys(toolgate)).not.toContain(internal);
    }
    expect(Object.keys(agents).sort()).toEqual(["gatedAgentTools", "guardAgentTools", "resolveInterruptions", "resumeAgentsRun", "runAgentWithParking"]);
    expect(Object.keys(testing).sort()).toEqual(["call", "start"]);
  });

  it("toolgate/gate is the Gate alone: the same classes toolgate exports", () => {
    expect(Object.keys(gateOnly).sort()).toEqual(["BundleLoadError", "Gate", "GateReason", "PolicyEngine", "PolicyEvaluationError", "ToolDeclarationError", "ToolgateError"]);
    for (const [name, value] of Object.entries(gateOnly)) expect(toolgate[name as keyof typeof toolgate], name).toBe(value);
  });
});

describe("the README's snippets, through the entry points", () => {
  let bundle: string;
  let dir: string;
  let tools: toolgate.ToolDeclaration[];
  beforeAll(async () => {
    bundle = await buildSeedBundle();
    tools = await seedTools();
    dir = await mkdtemp(path.join(tmpdir(), "toolgate-public-api-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function chatTurn(gate: toolgate.Decider): Promise<{ outcomes: toolgate.CallOutcome[]; answered: unknown[] }> {
    const server = await testing.start({
      script: { chat: [{ calls: [testing.call("get_customer", '{"customer_id":"c-1"}'), testing.call("delete_customer", '{"customer_id":"c-1"}')] }, { text: "Done." }] },
    });
    try {
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const implementations = { get_customer: async () => ({ id: "c-1" }), delete_customer: async () => ({ deleted: true }) };
      const approver = callbackApprover(() => ({ status: "rejected" }));
      const guard = new ToolGuard({ gate, tools: implementations, approver, assistantId: "asst_zzz" });
      const { outcomes } = await chatWithGate(client, guard, { model: "gpt-4.1", messages: [{ role: "user", content: "Help customer c-1" }] });
      return { outcomes, answered: server.toolOutputs.map((o) => o.output) };
    } finally {
      await server.close();
    }
  }

  it("Gate.open + ToolGuard + chatWithGate against the scripted server, logged with DecisionLog + AuditRecorder", async () => {
    const log = await DecisionLog.open({ path: path.join(dir, "decisions.jsonl") });
    const engine = await toolgate.PolicyEngine.open(bundle);
    const gate = new Gate(engine, { tools, recorder: new AuditRecorder(log) });
    const { outcomes, answered } = await chatTurn(gate);
    await log.close();
    expect(outcomes.map((o) => [o.call.name, o.status])).toEqual([["get_customer", "ran"], ["delete_customer", "denied"]]);
    expect(answered).toHaveLength(2);
    const records: toolgate.DecisionRecord[] = [];
    for await (const r of readLog(path.join(dir, "decisions.jsonl"))) records.push(r);
    expect(records.map((r) => r.result.effect)).toEqual(["allow", "deny"]);
    expect(await verifyLog(path.join(dir, "decisions.jsonl"))).toMatchObject({ ok: true, count: 2 });
  });

  it("a GatePool is a Decider like the Gate: the same outcomes", async () => {
    const pool = await GatePool.open({ bundlePath: bundle, tools, workers: 1 });
    try {
      const { outcomes } = await chatTurn(pool);
      expect(outcomes.map((o) => [o.call.name, o.status])).toEqual([["get_customer", "ran"], ["delete_customer", "denied"]]);
    } finally {
      await pool.close();
    }
  });

  it("replayLog re-decides a log against a candidate engine", async () => {
    const file = path.join(dir, "replay.jsonl");
    const log = await DecisionLog.open({ path: file });
    const gate = await Gate.open(bundle, { tools, recorder: new AuditRecorder(log) });
    await chatTurn(gate);
    await log.close();
    const report = await toolgate.replayLog(file, { engine: await toolgate.PolicyEngine.open(bundle) });
    expect(report.counts).toMatchObject({ records: 2, changed: 0, unchanged: 2 });
  });
});
