import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbackApprover } from "../../src/approval/callback.ts";
import type { ApprovalRequest } from "../../src/approval/approver.ts";
import { start } from "../../src/dev/openai-server/index.ts";
import type { Gate } from "../../src/gate/gate.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import { respondWithGate } from "../../src/openai/responses.ts";
import { recordingTools, seedGate } from "./harness.ts";

// Hosted MCP approvals through the real openai SDK against the scripted
// server: the model's mcp_approval_request items are answered with
// mcp_approval_response approve:true/false by the policy's mcp_servers.
describe.each([
  ["non-streaming", false],
  ["streaming", true],
])("Responses hosted MCP approvals (%s)", (_mode, stream) => {
  let gate: Gate;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ gate, cleanup } = await seedGate()));
  afterAll(() => cleanup());

  async function run(calls: { serverLabel: string; name: string; arguments: string; id: string }[], guardOptions: Partial<ConstructorParameters<typeof ToolGuard>[0]> = {}) {
    const server = await start({
      script: { responses: [{ calls: calls.map((c) => ({ kind: "mcp_approval_request" as const, ...c })) }, { text: "Done." }] },
    });
    try {
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const { tools, ran } = recordingTools();
      const guard = new ToolGuard({ gate, tools, ...guardOptions });
      const { response, outcomes } = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Look up customer c-1" }, { stream });
      return { response, outcomes, ran, approvals: [...server.approvals] };
    } finally {
      await server.close();
    }
  }

  it("refuses a locally allowed function's name on an untrusted server and approves it on the trusted one", async () => {
    const { response, outcomes, ran, approvals } = await run([
      { serverLabel: "untrusted-third-party", name: "get_customer", arguments: '{"customer_id":"c-1"}', id: "mcpr_borrowed" },
      { serverLabel: "crm", name: "get_customer", arguments: '{"customer_id":"c-1"}', id: "mcpr_crm" },
      { serverLabel: "deepwiki", name: "read_wiki_structure", arguments: '{"repoName":"openai/openai-node"}', id: "mcpr_wiki" },
      { serverLabel: "crm", name: "refund_order", arguments: '{"order_id":"o-1","amount":1}', id: "mcpr_refund" },
    ]);
    expect(response.output_text).toBe("Done.");
    expect(ran).toEqual([]);
    expect(approvals.map((a) => [a.approvalRequestId, a.approve])).toEqual([
      ["mcpr_borrowed", false],
      ["mcpr_crm", true],
      ["mcpr_wiki", true],
      ["mcpr_refund", false],
    ]);
    expect(JSON.parse(approvals[0]!.reason!)).toMatchObject({ status: "denied", reasons: ["mcp_server_not_allowed"] });
    expect(JSON.parse(approvals[3]!.reason!)).toMatchObject({ status: "denied", reasons: ["mcp_tool_not_allowed"] });
    expect(approvals[1]!.reason).toBeUndefined();
    expect(outcomes.map((o) => [o.call.tool_type, o.call.server_label, o.call.name, o.status])).toEqual([
      ["mcp", "untrusted-third-party", "get_customer", "denied"],
      ["mcp", "crm", "get_customer", "delegated"],
      ["mcp", "deepwiki", "read_wiki_structure", "delegated"],
      ["mcp", "crm", "refund_order", "denied"],
    ]);
  });

  it("asks the app's approver for a require_approval tool and answers with its verdict", async () => {
    const asked: ApprovalRequest[] = [];
    const approver = callbackApprover((r) => (asked.push(r), { status: r.arguments.tier === "gold" ? "approved" : "rejected", approver: "ann" }));
    const { approvals, outcomes } = await run(
      [
        { serverLabel: "crm", name: "update_customer", arguments: '{"customer_id":"c-1","tier":"gold"}', id: "mcpr_gold" },
        { serverLabel: "crm", name: "update_customer", arguments: '{"customer_id":"c-2","tier":"platinum"}', id: "mcpr_plat" },
      ],
      { approver },
    );
    expect(asked.map((r) => [r.call.server_label, r.call.name, r.reasons.map((x) => x.code)])).toEqual([
      ["crm", "update_customer", ["tool_requires_approval"]],
      ["crm", "update_customer", ["tool_requires_approval"]],
    ]);
    expect(approvals.map((a) => [a.approvalRequestId, a.approve])).toEqual([
      ["mcpr_gold", true],
      ["mcpr_plat", false],
    ]);
    expect(outcomes.map((o) => o.approval?.status)).toEqual(["approved", "rejected"]);
  });

  it("answers a require_approval tool approve:false when no approver is configured, and follows an assistant's override", async () => {
    const call = { serverLabel: "crm", name: "update_customer", arguments: '{"customer_id":"c-1"}', id: "mcpr_upd" };
    const unattended = await run([call]);
    expect(unattended.approvals.map((a) => a.approve)).toEqual([false]);
    expect(JSON.parse(unattended.approvals[0]!.reason!)).toMatchObject({ reasons: ["approval_unavailable"] });
    const admin = await run([call], { assistantId: "asst_def456" });
    expect(admin.approvals.map((a) => a.approve)).toEqual([true]);
  });
});
