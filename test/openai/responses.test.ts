import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start } from "../../src/dev/openai-server/index.ts";
import type { Gate } from "../../src/gate/gate.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import { respondWithGate } from "../../src/openai/responses.ts";
import { recordingTools, seedGate } from "./harness.ts";
import { SECRET, surfaceSuite } from "./scenarios.ts";

surfaceSuite("Responses", {
  surface: "responses",
  async run(client, guard) {
    // README: Responses
    const { response, outcomes } = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Help customer c-1" });
    // end README
    return { outcomes, text: response.output_text };
  },
});

surfaceSuite("Responses, streaming", {
  surface: "responses",
  async run(client, guard) {
    // README: Responses (streaming)
    const { response, outcomes } = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Help customer c-1" }, { stream: true });
    // end README
    return { outcomes, text: response.output_text };
  },
});

describe("Responses: hosted MCP approvals and custom tools", () => {
  let gate: Gate;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ gate, cleanup } = await seedGate()));
  afterAll(() => cleanup());

  it("answers mcp_approval_request by the same policy and gates custom tool calls", async () => {
    const server = await start({
      script: {
        responses: [
          {
            calls: [
              { kind: "mcp_approval_request", serverLabel: "crm", name: "get_customer", arguments: '{"customer_id":"c-1"}', id: "mcpr_get" },
              { kind: "mcp_approval_request", serverLabel: "crm", name: "delete_customer", arguments: '{"customer_id":"c-1"}', id: "mcpr_del" },
              { kind: "mcp_approval_request", serverLabel: "crm", name: "add_note", arguments: JSON.stringify({ customer_id: "c-1", text: `k ${SECRET}` }), id: "mcpr_note" },
              { kind: "custom", name: "run_shell", input: "rm -rf /", callId: "call_shell" },
            ],
          },
          { text: "Done." },
        ],
      },
    });
    try {
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const { tools, ran } = recordingTools();
      const guard = new ToolGuard({ gate, tools, assistantId: "asst_zzz" });
      const { response, outcomes } = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Tidy up" });
      expect(response.output_text).toBe("Done.");
      expect(ran).toEqual([]);
      expect(server.approvals.map((a) => [a.approvalRequestId, a.approve])).toEqual([
        ["mcpr_get", true],
        ["mcpr_del", false],
        // A hosted call runs with the model's arguments: a redaction cannot be applied, so it is refused.
        ["mcpr_note", false],
      ]);
      expect(outcomes.map((o) => [o.call.name, o.call.server_label, o.status])).toEqual([
        ["get_customer", "crm", "delegated"],
        ["delete_customer", "crm", "denied"],
        ["add_note", "crm", "denied"],
        ["run_shell", undefined, "denied"],
      ]);
      expect(outcomes.map((o) => o.decision.effect)).toEqual(["allow", "deny", "sanitize", "deny"]);
      expect(server.toolOutputs).toMatchObject([{ callId: "call_shell", kind: "custom", output: expect.stringContaining("tool_not_allowed") }]);
    } finally {
      await server.close();
    }
  });
});
