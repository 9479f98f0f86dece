import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Agent, OpenAIProvider, Runner, tool } from "@openai/agents";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { openApprovalStore } from "../../src/approval/store/open-approval-store.ts";
import { call, start } from "../../src/dev/openai-server/index.ts";
import type { Gate } from "../../src/gate/gate.ts";
import type { ToolGuard } from "../../src/guard/tool-guard.ts";
import { gatedAgentTools, guardAgentTools, resumeAgentsRun, runAgentWithParking } from "../../src/openai/agents.ts";
import { seedGate, seedTools } from "./harness.ts";
import { BLAST, parkSuite, type ParkDriver } from "./park-scenarios.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-parked-agents-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sqliteFile = () => `sqlite:${path.join(dir, `approvals-${++n}.db`)}`;

/** What an app builds in each process: a runner on its client, and the agent whose tools this guard gates. */
async function agentFor(client: OpenAI, guard: ToolGuard, useResponses: boolean) {
  const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses }), tracingDisabled: true });
  const agent = new Agent({ name: "support", model: "gpt-4.1", tools: gatedAgentTools(guard, await seedTools(), { approvals: "interrupt" }) });
  return { runner, agent };
}

function agentsDriver(useResponses: boolean): ParkDriver {
  return {
    script: useResponses ? "responses" : "chat",
    async start(client, guard) {
      const { runner, agent } = await agentFor(client, guard, useResponses);
      const run = await runAgentWithParking(runner, agent, guard, "Tell every customer about the maintenance");
      // A paused run has no final output yet.
      return run.parked ? { text: "", parked: run.parked.approvalIds } : { text: String(run.result.finalOutput ?? "") };
    },
    async resume(client, guard, approvalId, now) {
      const { runner, agent } = await agentFor(client, guard, useResponses);
      const resumed = await resumeAgentsRun(runner, agent, guard, approvalId, now ? { now } : {});
      if (resumed.status !== "resumed") return { status: resumed.status };
      return resumed.parked ? { status: resumed.status, parked: resumed.parked.approvalIds } : { status: resumed.status, text: String(resumed.result.finalOutput ?? "") };
    },
  };
}

parkSuite("Agents SDK over Responses on SQLite", agentsDriver(true), sqliteFile);
parkSuite("Agents SDK over Chat Completions on SQLite", agentsDriver(false), sqliteFile);

describe("guardAgentTools (the app's own Agents SDK tools) parked and resumed by a fresh instance", () => {
  let gate: Gate;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ gate, cleanup } = await seedGate()), 120_000);
  afterAll(() => cleanup());

  it("the email blast parks, and after a restart and an approval runs once through the app's own tool", async () => {
    const server = await start({ script: { responses: [{ calls: [call("send_email_blast", BLAST, "call_blast")] }, { text: "Done." }] } });
    const file = sqliteFile();
    const ran: unknown[] = [];
    // What each process builds: the app's tools, wrapped by a guard on the shared store.
    const processOn = async (store: Awaited<ReturnType<typeof openApprovalStore>>) => {
      const emailBlast = tool({
        name: "send_email_blast",
        description: "Email many customers",
        parameters: z.object({ template: z.string(), recipient_count: z.number(), subject: z.string() }),
        execute: async (input) => (ran.push(input), "sent"),
      });
      const tools = guardAgentTools([emailBlast], gate, { assistantId: "asst_zzz", approvalStore: store, approvals: "interrupt" });
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: true }), tracingDisabled: true });
      return { runner, agent: new Agent({ name: "support", model: "gpt-4.1", tools }), guard: tools.guard };
    };
    const firstStore = await openApprovalStore(file);
    const secondStore = await openApprovalStore(file);
    try {
      const first = await processOn(firstStore);
      const run = await runAgentWithParking(first.runner, first.agent, first.guard, "Tell everyone");
      const id = run.parked!.approvalIds[0]!;
      expect(ran).toEqual([]);
      await firstStore.close();
      await secondStore.decide(id, { status: "approved", by: "ann" });
      const second = await processOn(secondStore);
      const resumed = await resumeAgentsRun(second.runner, second.agent, second.guard, id);
      expect(resumed).toMatchObject({ status: "resumed" });
      expect(resumed.status === "resumed" && resumed.result.finalOutput).toBe("Done.");
      expect(ran).toEqual([JSON.parse(BLAST)]);
      expect(server.toolOutputs.map((o) => [o.callId, o.output])).toEqual([["call_blast", "sent"]]);
      expect(await resumeAgentsRun(second.runner, second.agent, second.guard, id)).toEqual({ status: "resumed_elsewhere" });
    } finally {
      await secondStore.close();
      await server.close();
    }
  });
});
