import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Agent, OpenAIProvider, Runner } from "@openai/agents";
import { afterAll } from "vitest";
import { gatedAgentTools, resumeAgentsRun, runAgentWithParking } from "../../src/openai/agents.ts";
import type { ToolGuard } from "../../src/guard/tool-guard.ts";
import type OpenAI from "openai";
import { seedTools } from "./harness.ts";
import { parkSuite, type ParkDriver } from "./park-scenarios.ts";

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
