import { Agent, OpenAIProvider, Runner, tool } from "@openai/agents";
import OpenAI from "openai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { callbackApprover } from "../../src/approval/callback.ts";
import { call, start, type FunctionCall } from "../../src/dev/openai-server/index.ts";
import { Gate } from "../../src/gate/gate.ts";
import type { CallOutcome } from "../../src/guard/tool-guard.ts";
import { guardAgentTools, resolveInterruptions } from "../../src/openai/agents.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { seedRegoDir } from "../helpers/seed-bundle.ts";
import { SECRET } from "./scenarios.ts";

/** The app's own Agents SDK tools, written before toolgate was added; each remembers its runs. */
function appTools() {
  const ran: { name: string; input: unknown }[] = [];
  const getCustomer = tool({
    name: "get_customer",
    description: "Look up a customer",
    parameters: z.object({ customer_id: z.string() }),
    execute: async (input) => (ran.push({ name: "get_customer", input }), { id: input.customer_id }),
  });
  const deleteCustomer = tool({
    name: "delete_customer",
    description: "Delete a customer",
    parameters: z.object({ customer_id: z.string() }),
    execute: async (input) => (ran.push({ name: "delete_customer", input }), "deleted"),
  });
  const postMessage = tool({
    name: "post_message",
    description: "Post to a channel",
    parameters: z.object({ channel: z.string(), text: z.string() }),
    execute: async (input) => (ran.push({ name: "post_message", input }), "posted"),
  });
  const emailBlast = tool({
    name: "send_email_blast",
    description: "Email many customers",
    parameters: z.object({ template: z.string(), recipient_count: z.number(), subject: z.string() }),
    execute: async (input) => (ran.push({ name: "send_email_blast", input }), "sent"),
  });
  return { tools: [getCustomer, deleteCustomer, postMessage, emailBlast], ran };
}

const BLAST = '{"template":"weekly_update","recipient_count":500,"subject":"System Maintenance"}';

describe("guardAgentTools: wrapping existing Agents SDK tools (real @openai/agents, scripted server)", () => {
  let bundle: string;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "toolgate-wrap-"));
    bundle = (await compileBundle({ regoDir: seedRegoDir, out: path.join(dir, "bundle.tar.gz") })).path;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function runAgent(calls: FunctionCall[], surface: "responses" | "chat", approvals?: "interrupt") {
    const server = await start({ script: { [surface]: [{ calls }, { text: "Done." }] } });
    try {
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: surface === "responses" }), tracingDisabled: true });
      const { tools, ran } = appTools();
      // The Agents SDK tools are the gate's declarations as they are (Responses/Agents shape).
      const gate = await Gate.open(bundle, { tools });
      const outcomes: CallOutcome[] = [];
      const asked: string[] = [];
      const approver = callbackApprover((r) => (asked.push(r.call.name), { status: "approved", approver: "ann" }));
      // README: Agents SDK, existing tools
      const guarded = guardAgentTools(tools, gate, { approver, assistantId: "asst_zzz", onOutcome: (o) => outcomes.push(o), ...(approvals ? { approvals } : {}) });
      const agent = new Agent({ name: "support", model: "gpt-4.1", tools: guarded });
      // end README
      let result = await runner.run(agent, "Help customer c-1");
      while (result.interruptions.length > 0) {
        await resolveInterruptions(guarded.guard, result);
        result = await runner.run(agent, result.state);
      }
      const told = (id: string) => server.toolOutputs.find((o) => o.callId === id)?.output;
      return { result, ran, outcomes, asked, told };
    } finally {
      await server.close();
    }
  }

  it.each(["responses", "chat"] as const)("over %s: allowed runs, denied never runs, sanitized runs redacted, require_approval asks the approver", async (surface) => {
    const r = await runAgent(
      [
        call("get_customer", '{"customer_id":"c-1"}', "call_get"),
        call("delete_customer", '{"customer_id":"c-1"}', "call_del"),
        call("post_message", JSON.stringify({ channel: "#ops", text: `key ${SECRET}` }), "call_post"),
        call("send_email_blast", BLAST, "call_blast"),
      ],
      surface,
    );
    expect(r.result.finalOutput).toBe("Done.");
    expect(r.ran.map((x) => x.name).sort()).toEqual(["get_customer", "post_message", "send_email_blast"]);
    expect(r.ran.find((x) => x.name === "post_message")?.input).toEqual({ channel: "#ops", text: "key [REDACTED]" });
    expect(JSON.stringify(r.ran)).not.toContain(SECRET);
    expect(JSON.parse(String(r.told("call_del")))).toMatchObject({ status: "denied", reasons: ["tool_denied"] });
    expect(r.asked).toEqual(["send_email_blast"]);
    const effects = Object.fromEntries(r.outcomes.map((o) => [o.call.call_id, o.decision.effect]));
    expect(effects).toEqual({ call_get: "allow", call_del: "deny", call_post: "sanitize", call_blast: "require_approval" });
  });

  it("with approvals: interrupt, pauses the call the policy holds and runs it once after the approver says yes", async () => {
    const r = await runAgent([call("send_email_blast", BLAST, "call_blast"), call("get_customer", '{"customer_id":"c-1"}', "call_get")], "responses", "interrupt");
    expect(r.result.finalOutput).toBe("Done.");
    expect(r.asked).toEqual(["send_email_blast"]);
    expect(r.ran.filter((x) => x.name === "send_email_blast")).toHaveLength(1);
  });

  it("with approvals: interrupt, never approves on the policy's word a call the tool's own needsApproval held", async () => {
    const server = await start({ script: { responses: [{ calls: [call("get_customer", '{"customer_id":"c-1"}', "call_get")] }, { text: "Done." }] } });
    try {
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: true }), tracingDisabled: true });
      let ran = 0;
      const careful = tool({ name: "get_customer", description: "Look up", parameters: z.object({ customer_id: z.string() }), needsApproval: true, execute: async () => (ran += 1, "found") });
      const gate = await Gate.open(bundle, { tools: [careful] });
      const asked: string[] = [];
      const guarded = guardAgentTools([careful], gate, { approvals: "interrupt", assistantId: "asst_zzz", approver: callbackApprover((r) => (asked.push(r.call.name), { status: "approved" })) });
      const agent = new Agent({ name: "support", model: "gpt-4.1", tools: guarded });
      let result = await runner.run(agent, "Look up c-1");
      expect(result.interruptions).toHaveLength(1);
      const outcomes = await resolveInterruptions(guarded.guard, result);
      expect(outcomes).toMatchObject([{ status: "rejected" }]);
      result = await runner.run(agent, result.state);
      expect(result.finalOutput).toBe("Done.");
      expect(ran).toBe(0);
      expect(asked).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("leaves hosted tools as they are and returns the guard", () => {
    const { tools } = appTools();
    const hosted = { type: "hosted_tool", name: "web_search", providerData: { type: "web_search" } } as const;
    const wrapped = guardAgentTools([...tools, hosted], {} as Gate);
    expect(wrapped[4]).toBe(hosted);
    expect(wrapped[0]).not.toBe(tools[0]);
    expect(wrapped.guard.assistantId).toBe("default");
  });
});
