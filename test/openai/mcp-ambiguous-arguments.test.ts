import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start } from "../../src/dev/openai-server/index.ts";
import type { Gate } from "../../src/gate/gate.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import { respondWithGate } from "../../src/openai/responses.ts";
import { recordingTools, seedGate } from "./harness.ts";

// A hosted MCP call runs on the server with the model's raw argument text. The
// policy decided on JSON.parse's reading (the last of two equal keys); a server
// that keeps the first would run with a value the policy never saw.
describe("Responses: hosted MCP calls with ambiguous arguments", () => {
  let gate: Gate;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ gate, cleanup } = await seedGate()));
  afterAll(() => cleanup());

  it("refuses a duplicated key (however it is spelled), approves the same call without one", async () => {
    const server = await start({
      script: {
        responses: [
          {
            calls: [
              { kind: "mcp_approval_request", serverLabel: "crm", name: "get_customer", arguments: '{"customer_id":"c-other","customer_id":"c-1"}', id: "mcpr_dup" },
              { kind: "mcp_approval_request", serverLabel: "crm", name: "get_customer", arguments: String.raw`{"customer_id":"c-other","\u0063ustomer_id":"c-1"}`, id: "mcpr_escaped" },
              { kind: "mcp_approval_request", serverLabel: "crm", name: "get_customer", arguments: '{"customer_id":"c-1"}', id: "mcpr_plain" },
            ],
          },
          { text: "Done." },
        ],
      },
    });
    try {
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const { tools } = recordingTools();
      const guard = new ToolGuard({ gate, tools, assistantId: "asst_zzz" });
      const { outcomes } = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Look up c-1" });
      expect(server.approvals.map((a) => [a.approvalRequestId, a.approve])).toEqual([
        ["mcpr_dup", false],
        ["mcpr_escaped", false],
        ["mcpr_plain", true],
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["denied", "denied", "delegated"]);
      expect(JSON.parse(outcomes[0]?.output ?? "{}")).toMatchObject({ status: "denied", reasons: ["arguments_duplicate_key"] });
      expect(JSON.parse(outcomes[1]?.output ?? "{}")).toMatchObject({ status: "denied", reasons: ["arguments_duplicate_key"] });
    } finally {
      await server.close();
    }
  });
});
