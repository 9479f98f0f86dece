import { Agent, OpenAIProvider, Runner } from "@openai/agents";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbackApprover } from "../../src/approval/callback.ts";
import { call, start } from "../../src/dev/openai-server/index.ts";
import type { Gate } from "../../src/gate/gate.ts";
import { gatedAgentTools, resolveInterruptions } from "../../src/openai/agents.ts";
import { ToolGuard, type CallOutcome } from "../../src/guard/tool-guard.ts";
import { recordingTools, seedGate, seedTools } from "./harness.ts";
import { surfaceSuite, type Driver } from "./scenarios.ts";

function agentsDriver(surface: "responses" | "chat"): Driver {
  return {
    surface,
    async run(client, guard) {
      const outcomes: CallOutcome[] = [];
      const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: surface === "responses" }), tracingDisabled: true });
      // README: Agents SDK
      const agent = new Agent({ name: "support", model: "gpt-4.1", tools: gatedAgentTools(guard, await seedTools(), { onOutcome: (o) => outcomes.push(o) }) });
      const result = await runner.run(agent, "Help customer c-1");
      // end README
      return { outcomes, text: String(result.finalOutput ?? "") };
    },
  };
}

surfaceSuite("Agents SDK over Responses", agentsDriver("responses"));
surfaceSuite("Agents SDK over Chat Completions", agentsDriver("chat"));

describe("Agents SDK interruptions", () => {
  let gate: Gate;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ gate, cleanup } = await seedGate()));
  afterAll(() => cleanup());

  const BLAST = '{"template":"weekly_update","recipient_count":500,"subject":"System Maintenance"}';

  it.each([
    ["approved", "ran", 1],
    ["rejected", "denied", 0],
  ] as const)("pauses a call that needs approval, resolves it %s from the approver, and runs it at most once", async (answer, status, runs) => {
    const server = await start({ script: { responses: [{ calls: [call("send_email_blast", BLAST, "call_blast"), call("get_customer", '{"customer_id":"c-1"}', "call_get")] }, { text: "Done." }] } });
    try {
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: true }), tracingDisabled: true });
      const { tools, ran } = recordingTools();
      const asked: string[] = [];
      const guard = new ToolGuard({ gate, tools, assistantId: "asst_zzz", approver: callbackApprover((r) => (asked.push(r.binding), { status: answer, approver: "ann" })) });
      // README: Agents SDK with interruptions
      const agent = new Agent({ name: "support", model: "gpt-4.1", tools: gatedAgentTools(guard, await seedTools(), { approvals: "interrupt" }) });
      let result = await runner.run(agent, "Tell everyone");
      while (result.interruptions.length > 0) {
        await resolveInterruptions(guard, result);
        result = await runner.run(agent, result.state);
      }
      // end README
      expect(result.finalOutput).toBe("Done.");
      expect(asked).toHaveLength(1);
      expect(ran.filter((r) => r.name === "send_email_blast")).toHaveLength(runs);
      expect(ran.filter((r) => r.name === "get_customer")).toHaveLength(1);
      const blast = server.toolOutputs.find((o) => o.callId === "call_blast");
      if (status === "denied") expect(JSON.parse(String(blast?.output))).toEqual({ status: "denied", message: "Security system denied this specific action.", reasons: ["approval_rejected"] });
      else expect(JSON.parse(String(blast?.output))).toEqual({ ok: true, tool: "send_email_blast" });
    } finally {
      await server.close();
    }
  });
});
