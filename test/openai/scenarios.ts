import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callbackApprover } from "../../src/approval/callback.ts";
import type { ApprovalRequest, ApprovalResponse, Approver } from "../../src/approval/approver.ts";
import { approvalBinding } from "../../src/approval/binding.ts";
import { call, start, type FunctionCall, type OpenAIServer, type Turn } from "../../src/dev/openai-server/index.ts";
import type { Decider } from "../../src/gate/decider.ts";
import { ToolGuard, type CallOutcome, type GuardEvent, type ToolFunction } from "../../src/guard/tool-guard.ts";
import { recordingTools, seedGate } from "./harness.ts";

/** One surface's run loop, written with exactly the lines the README shows. */
export interface Driver {
  readonly surface: "assistants" | "responses" | "chat";
  run(client: OpenAI, guard: ToolGuard): Promise<{ outcomes: CallOutcome[]; text: string }>;
}

export const SECRET = "sk-abcdefghijklmnopqrstuvwx";
const BLAST = '{"template":"weekly_update","recipient_count":500,"subject":"System Maintenance"}';
const BLAST_ARGS = { template: "weekly_update", recipient_count: 500, subject: "System Maintenance" };

/**
 * The shared integration suite: the seed scenarios through one surface, real SDK, real HTTP, real policy.
 * `open` gives the decider behind the guard (default: an in-process Gate).
 */
export function surfaceSuite(name: string, driver: Driver, open: () => Promise<{ gate: Decider; cleanup: () => Promise<void> }> = seedGate): void {
  describe(name, () => {
    let gate: Decider;
    let cleanup: () => Promise<void>;
    const servers: OpenAIServer[] = [];

    beforeAll(async () => {
      ({ gate, cleanup } = await open());
    });
    afterAll(() => cleanup());
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((s) => s.close()));
    });

    async function converse(
      calls: FunctionCall[],
      options: {
        approver?: Approver;
        approvalTimeoutMs?: number;
        overrides?: Record<string, ToolFunction>;
        assistantId?: string;
        /** Further model turns, each asking for these calls after the previous turn's outputs. */
        laterTurns?: FunctionCall[][];
      } = {},
    ) {
      const turns: Turn<FunctionCall>[] = [{ calls }, ...(options.laterTurns ?? []).map((later) => ({ calls: later })), { text: "Done." }];
      const server = await start({ script: { [driver.surface]: turns } });
      servers.push(server);
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const { tools, ran } = recordingTools(options.overrides);
      const events: GuardEvent[] = [];
      const guard = new ToolGuard({
        gate,
        tools,
        assistantId: options.assistantId ?? "asst_zzz",
        onEvent: (e) => events.push(e),
        ...(options.approver ? { approver: options.approver } : {}),
        ...(options.approvalTimeoutMs ? { approvalTimeoutMs: options.approvalTimeoutMs } : {}),
      });
      const result = await driver.run(client, guard);
      const told = (callId: string): unknown => {
        const outputs = server.toolOutputs.filter((o) => o.callId === callId);
        expect(outputs).toHaveLength(1);
        return JSON.parse(String(outputs[0]!.output)) as unknown;
      };
      return { ...result, server, ran, events, told };
    }

    it("runs an allowed call once with the model's arguments", async () => {
      const r = await converse([call("get_customer", '{"customer_id":"c-1"}', "call_get")]);
      expect(r.ran).toEqual([{ name: "get_customer", args: { customer_id: "c-1" } }]);
      expect(r.told("call_get")).toEqual({ ok: true, tool: "get_customer" });
      expect(r.outcomes).toMatchObject([{ status: "ran", decision: { effect: "allow" } }]);
      expect(r.text).toBe("Done.");
    });

    it("never runs a denied call and tells the model why", async () => {
      const r = await converse([call("delete_customer", '{"customer_id":"c-1"}', "call_del")]);
      expect(r.ran).toEqual([]);
      expect(r.told("call_del")).toEqual({
        status: "denied",
        message: "The policy denied this call: Deleting customers is never done by an assistant.",
        reasons: ["tool_denied"],
      });
      expect(r.text).toBe("Done.");
    });

    it("denies arguments that break the tool's schema", async () => {
      const r = await converse([call("refund_order", '{"order_id":"o-1","amount":"100"}', "call_refund")]);
      expect(r.ran).toEqual([]);
      expect(r.told("call_refund")).toMatchObject({ status: "denied", reasons: ["schema_violation"] });
    });

    it("runs a sanitized call with the redacted arguments", async () => {
      const r = await converse([call("post_message", JSON.stringify({ channel: "#ops", text: `deploy key ${SECRET} done` }), "call_post")]);
      expect(r.ran).toEqual([{ name: "post_message", args: { channel: "#ops", text: "deploy key [REDACTED] done" } }]);
      expect(r.outcomes[0]).toMatchObject({ status: "ran", decision: { effect: "sanitize" } });
    });

    it("runs a call an approver approved, bound to that call and its arguments", async () => {
      const asked: ApprovalRequest[] = [];
      const approver = callbackApprover((request) => {
        asked.push(request);
        return { status: "approved", approver: "ann@yourcompany.com", note: "planned maintenance" };
      });
      const r = await converse([call("send_email_blast", BLAST, "call_blast")], { approver });
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({ binding: approvalBinding({ call_id: "call_blast", name: "send_email_blast" }, BLAST_ARGS), reasons: [{ code: "approval_required" }] });
      expect(r.ran).toEqual([{ name: "send_email_blast", args: BLAST_ARGS }]);
      expect(r.outcomes[0]).toMatchObject({ status: "ran", approval: { status: "approved", approver: "ann@yourcompany.com" } });
    });

    it("does not run a rejected call and tells the model the seed's sentence", async () => {
      const r = await converse([call("send_email_blast", BLAST, "call_blast")], { approver: callbackApprover(() => ({ status: "rejected", approver: "bob" })) });
      expect(r.ran).toEqual([]);
      expect(r.told("call_blast")).toEqual({ status: "denied", message: "Security system denied this specific action.", reasons: ["approval_rejected"] });
      expect(r.events).toMatchObject([{ type: "approval", approval: { status: "rejected", approver: "bob" } }]);
      expect(r.text).toBe("Done.");
    });

    it("denies when the approver does not answer in time", async () => {
      let aborted = false;
      const silent: Approver = {
        request: (request) =>
          new Promise<ApprovalResponse>(() => {
            request.signal.addEventListener("abort", () => (aborted = true));
          }),
      };
      const r = await converse([call("send_email_blast", BLAST, "call_blast")], { approver: silent, approvalTimeoutMs: 50 });
      expect(r.ran).toEqual([]);
      expect(aborted).toBe(true);
      expect(r.told("call_blast")).toMatchObject({ message: "Security system denied this specific action.", reasons: ["approval_timed_out"] });
    });

    it("re-checks modified arguments: what the policy denies does not run", async () => {
      const approver = callbackApprover(() => ({ status: "approved", arguments: { ...BLAST_ARGS, bcc: "everyone@evil.example" } }));
      const r = await converse([call("send_email_blast", BLAST, "call_blast")], { approver });
      expect(r.ran).toEqual([]);
      expect(r.told("call_blast")).toMatchObject({ status: "denied", reasons: ["approval_modification_denied", "schema_violation"] });
      expect(r.outcomes[0]).toMatchObject({ decision: { effect: "require_approval" }, recheck: { effect: "deny" } });
    });

    it("re-checks modified arguments: a change that still needs approval is denied, one the policy allows runs", async () => {
      const bigger = callbackApprover(() => ({ status: "approved", arguments: { ...BLAST_ARGS, recipient_count: 300 } }));
      const r1 = await converse([call("send_email_blast", BLAST, "call_blast")], { approver: bigger });
      expect(r1.ran).toEqual([]);
      expect(r1.told("call_blast")).toMatchObject({ reasons: ["approval_modification_needs_approval", "approval_required"] });

      const smaller = callbackApprover(() => ({ status: "approved", arguments: { ...BLAST_ARGS, recipient_count: 80 } }));
      const r2 = await converse([call("send_email_blast", BLAST, "call_blast")], { approver: smaller });
      expect(r2.ran).toEqual([{ name: "send_email_blast", args: { ...BLAST_ARGS, recipient_count: 80 } }]);
      expect(r2.outcomes[0]).toMatchObject({ recheck: { effect: "allow" } });
    });

    it("holds every call of a tool toolgate.yaml marks `effect: require_approval` (asst_cautious's refunds) for the approver", async () => {
      const refund = '{"order_id":"o-1","amount":5}';
      const asked: ApprovalRequest[] = [];
      const approver = callbackApprover((request): ApprovalResponse => {
        asked.push(request);
        return request.call.call_id === "call_r1" ? { status: "approved", approver: "ann" } : { status: "rejected", approver: "ann" };
      });
      const r = await converse([call("refund_order", refund, "call_r1"), call("refund_order", refund, "call_r2")], { approver, assistantId: "asst_cautious" });
      expect(asked.map((a) => a.reasons)).toEqual([
        [{ code: "tool_requires_approval", message: "Refunds by this assistant are approved by a person." }],
        [{ code: "tool_requires_approval", message: "Refunds by this assistant are approved by a person." }],
      ]);
      expect(r.ran).toEqual([{ name: "refund_order", args: { order_id: "o-1", amount: 5 } }]);
      const byCall = [...r.outcomes].sort((a, b) => a.call.call_id.localeCompare(b.call.call_id));
      expect(byCall.map((o) => [o.call.call_id, o.decision.effect, o.status])).toEqual([
        ["call_r1", "require_approval", "ran"],
        ["call_r2", "require_approval", "denied"],
      ]);
      expect(r.told("call_r2")).toMatchObject({ status: "denied", reasons: ["approval_rejected"] });
      // The same tool for an assistant without the override runs without asking anyone.
      const plain = await converse([call("refund_order", refund, "call_r3")], { approver: callbackApprover(() => ({ status: "rejected" })) });
      expect(plain.outcomes).toMatchObject([{ status: "ran", decision: { effect: "allow" } }]);
    });

    it("decides every call of one turn and answers them together", async () => {
      const r = await converse(
        [
          call("get_customer", '{"customer_id":"c-1"}', "call_a"),
          call("delete_customer", '{"customer_id":"c-1"}', "call_b"),
          call("post_message", JSON.stringify({ channel: "#ops", text: `key ${SECRET}` }), "call_c"),
          call("send_email_blast", BLAST, "call_d"),
        ],
        { approver: callbackApprover(() => ({ status: "rejected" })) },
      );
      // Sorted: the Agents SDK reports outcomes as calls finish, which may differ from call order.
      const byCall = [...r.outcomes].sort((a, b) => a.call.call_id.localeCompare(b.call.call_id));
      expect(byCall.map((o) => [o.call.call_id, o.decision.effect, o.status])).toEqual([
        ["call_a", "allow", "ran"],
        ["call_b", "deny", "denied"],
        ["call_c", "sanitize", "ran"],
        ["call_d", "require_approval", "denied"],
      ]);
      expect(r.ran.map((x) => x.name).sort()).toEqual(["get_customer", "post_message"]);
      const carried = new Set(r.server.toolOutputs.map((o) => o.request));
      expect(r.server.toolOutputs.map((o) => o.callId)).toEqual(["call_a", "call_b", "call_c", "call_d"]);
      expect(carried.size).toBe(1);
    });

    it("budgets across calls: the fifth refund over the daily budget and the fifth blast in an hour are denied, the first four ran", async () => {
      // rego/toolgate.yaml: daily_refunds 2000 per assistant in any 24 h; email_blasts 4 per assistant in any hour.
      const refund = (i: number) => call("refund_order", JSON.stringify({ order_id: `o-${i}`, amount: 500 }), `call_refund_${i}`);
      const blast = (i: number) => call("send_email_blast", JSON.stringify({ template: "weekly_update", recipient_count: 50, subject: `Hi ${i}` }), `call_blast_${i}`);
      // One refund and one blast per model turn, five turns (the Agents SDK stops at 10).
      const r = await converse([refund(1), blast(1)], {
        assistantId: "asst_budgeted",
        laterTurns: [2, 3, 4, 5].map((i) => [refund(i), blast(i)]),
      });
      expect(r.ran.filter((x) => x.name === "refund_order").map((x) => x.args.order_id)).toEqual(["o-1", "o-2", "o-3", "o-4"]);
      expect(r.ran.filter((x) => x.name === "send_email_blast").map((x) => x.args.subject)).toEqual(["Hi 1", "Hi 2", "Hi 3", "Hi 4"]);
      expect(r.told("call_refund_4")).toEqual({ ok: true, tool: "refund_order" });
      expect(r.told("call_refund_5")).toEqual({
        status: "denied",
        message: "The policy denied this call: budget daily_refunds: 2000 used of 2000 in 1d; this call would bring it to 2500.",
        reasons: ["budget_exceeded"],
      });
      expect(r.told("call_blast_5")).toEqual({
        status: "denied",
        message: "The policy denied this call: rate limit email_blasts: 4 used of 4 in 1h; this call would bring it to 5.",
        reasons: ["rate_limited"],
      });
      expect(r.text).toBe("Done.");
    });

    it("turns a throwing tool into an error output and an event; the loop goes on", async () => {
      const boom = new Error("database on fire: password=hunter2");
      const r = await converse([call("create_ticket", '{"customer_id":"c-1","summary":"help"}', "call_t"), call("get_customer", '{"customer_id":"c-1"}', "call_g")], {
        overrides: {
          create_ticket: () => {
            throw boom;
          },
        },
      });
      expect(r.told("call_t")).toEqual({ status: "error", message: "The tool failed while running; the action may not have completed.", reasons: ["tool_error"] });
      expect(JSON.stringify(r.server.requests)).not.toContain("hunter2");
      expect(r.told("call_g")).toEqual({ ok: true, tool: "get_customer" });
      expect(r.events).toEqual([expect.objectContaining({ type: "tool_error", error: boom })]);
      expect(r.text).toBe("Done.");
    });
  });
}
