import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalStore } from "../../src/approval/store/approval-store.ts";
import { openApprovalStore } from "../../src/approval/store/open-approval-store.ts";
import { call, start, type OpenAIServer } from "../../src/dev/openai-server/index.ts";
import type { Gate } from "../../src/gate/gate.ts";
import { ToolGuard, type GuardEvent } from "../../src/guard/tool-guard.ts";
import { recordingTools, seedGate } from "./harness.ts";

/** A run loop that can park, and its resume, on one surface (written as an app would). */
export interface ParkDriver {
  /** Whose scripted turns the run plays. */
  readonly script: "responses" | "chat" | "assistants";
  /** Starts the run; returns the approval ids when it parked. */
  start(client: OpenAI, guard: ToolGuard): Promise<{ parked?: readonly string[]; text: string }>;
  /** Resumes a parked run by one of its approval ids. */
  resume(client: OpenAI, guard: ToolGuard, approvalId: string, now?: Date): Promise<{ status: string; text?: string; parked?: readonly string[] }>;
}

export const BLAST = '{"template":"weekly_update","recipient_count":500,"subject":"System Maintenance"}';
export const BLAST_ARGS = { template: "weekly_update", recipient_count: 500, subject: "System Maintenance" };

/**
 * The parking scenarios on one surface and one kind of store: the email blast
 * to 500 parks, the guard is replaced by a fresh instance on a fresh store
 * connection (as after a restart), the approval is decided in the store (as
 * the inbox does) and the run resumes. `location` gives each test its own store.
 */
export function parkSuite(name: string, driver: ParkDriver, location: () => Promise<string> | string, setup?: { beforeAll: () => Promise<void>; afterAll: () => Promise<void> | void }): void {
  describe(`${name}: parked approvals`, () => {
    let gate: Gate;
    let cleanup: () => Promise<void>;
    const servers: OpenAIServer[] = [];
    const stores: ApprovalStore[] = [];

    beforeAll(async () => {
      await setup?.beforeAll();
      ({ gate, cleanup } = await seedGate());
    }, 120_000);
    afterAll(async () => {
      await cleanup?.();
      await setup?.afterAll();
    });
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((s) => s.close()));
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });

    /** One "process": its own store connection, its own guard, tools that report to the shared `ran`. */
    async function instance(where: string, ran: ReturnType<typeof recordingTools>) {
      const store = await openApprovalStore(where);
      stores.push(store);
      const events: GuardEvent[] = [];
      const guard = new ToolGuard({ gate, tools: ran.tools, assistantId: "asst_zzz", approvalStore: store, onEvent: (e) => events.push(e) });
      return { store, guard, events };
    }

    async function parked() {
      const server = await start({
        script: { [driver.script]: [{ calls: [call("get_customer", '{"customer_id":"c-1"}', "call_get"), call("send_email_blast", BLAST, "call_blast")] }, { text: "Done." }] },
      });
      servers.push(server);
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const where = await location();
      const tools = recordingTools();
      const first = await instance(where, tools);
      const run = await driver.start(client, first.guard);
      expect(run.parked).toHaveLength(1);
      const approvalId = run.parked![0]!;
      // Parked, not waited for: the allowed call of the same turn ran, the blast did not, nothing was sent back yet.
      expect(tools.ran).toEqual([{ name: "get_customer", args: { customer_id: "c-1" } }]);
      expect(server.toolOutputs.filter((o) => o.callId === "call_blast")).toEqual([]);
      expect(first.events).toMatchObject([{ type: "parked", approvalId, call: { call_id: "call_blast" }, decision: { effect: "require_approval" } }]);
      const stored = await first.store.get(approvalId);
      expect(stored).toMatchObject({ state: "pending", call: { name: "send_email_blast", call_id: "call_blast" }, arguments: BLAST_ARGS, reasons: [{ code: "approval_required" }] });
      // The seed's hint (3600 s) is capped by the guard's approval timeout (default 10 minutes).
      expect(Date.parse(stored!.expiresAt) - Date.parse(stored!.createdAt)).toBeLessThanOrEqual(10 * 60 * 1000);
      await first.store.close();
      stores.splice(stores.indexOf(first.store), 1);
      // "Restart": a fresh store connection and a fresh guard; only the store and the OpenAI side remember the run.
      const second = await instance(where, tools);
      const told = (callId: string): unknown => {
        const outputs = server.toolOutputs.filter((o) => o.callId === callId);
        expect(outputs).toHaveLength(1);
        return typeof outputs[0]!.output === "string" && outputs[0]!.output.startsWith("{") ? (JSON.parse(outputs[0]!.output) as unknown) : outputs[0]!.output;
      };
      return { server, client, where, tools, approvalId, second, told, instance: () => instance(where, tools) };
    }

    it("two calls of one turn parked: the run resumes once both are decided, and every answer of the turn goes back together", async () => {
      const server = await start({
        script: {
          [driver.script]: [
            {
              calls: [
                call("send_email_blast", BLAST, "call_b1"),
                call("get_customer", '{"customer_id":"c-1"}', "call_get"),
                call("send_email_blast", JSON.stringify({ ...BLAST_ARGS, recipient_count: 600 }), "call_b2"),
              ],
            },
            { text: "Done." },
          ],
        },
      });
      servers.push(server);
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const where = await location();
      const tools = recordingTools();
      const first = await instance(where, tools);
      const run = await driver.start(client, first.guard);
      expect(run.parked).toHaveLength(2);
      const [b1, b2] = run.parked!;
      const byCall = new Map(await Promise.all(run.parked!.map(async (id) => [(await first.store.get(id))!.call.call_id, id] as const)));
      expect([...byCall.keys()].sort()).toEqual(["call_b1", "call_b2"]);
      await first.store.decide(byCall.get("call_b1")!, { status: "approved" });
      const second = await instance(where, tools);
      expect(await driver.resume(client, second.guard, b1!)).toMatchObject({ status: "pending" });
      await second.store.decide(byCall.get("call_b2")!, { status: "rejected" });
      expect(await driver.resume(client, second.guard, b2!)).toMatchObject({ status: "resumed", text: "Done." });
      expect(tools.ran.map((x) => x.name)).toEqual(["get_customer", "send_email_blast"]);
      expect(tools.ran[1]).toEqual({ name: "send_email_blast", args: BLAST_ARGS });
      expect(server.toolOutputs.map((o) => o.callId).sort()).toEqual(["call_b1", "call_b2", "call_get"]);
      expect(new Set(server.toolOutputs.map((o) => o.request)).size).toBe(1);
      expect(JSON.parse(String(server.toolOutputs.find((o) => o.callId === "call_b2")!.output))).toMatchObject({ reasons: ["approval_rejected"] });
      expect(await driver.resume(client, second.guard, b1!)).toMatchObject({ status: "resumed_elsewhere" });
    });

    it("a store that cannot take the parked call: refused with approval_failed, the run goes on", async () => {
      const server = await start({ script: { [driver.script]: [{ calls: [call("get_customer", '{"customer_id":"c-1"}', "call_get"), call("send_email_blast", BLAST, "call_blast")] }, { text: "Done." }] } });
      servers.push(server);
      const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      const tools = recordingTools();
      const broken = await instance(await location(), tools);
      await broken.store.close();
      const run = await driver.start(client, broken.guard);
      expect(run).toEqual({ text: "Done." });
      expect(tools.ran.map((x) => x.name)).toEqual(["get_customer"]);
      expect(JSON.parse(String(server.toolOutputs.find((o) => o.callId === "call_blast")!.output))).toMatchObject({ status: "denied", reasons: ["approval_failed"] });
      expect(broken.events).toContainEqual(expect.objectContaining({ type: "approval", approval: expect.objectContaining({ status: "failed" }) }));
    });

    it("email blast to 500: parked, restarted, approved in the store, resumed: the tool ran once and the model got its output", async () => {
      const r = await parked();
      expect(await driver.resume(r.client, r.second.guard, r.approvalId)).toMatchObject({ status: "pending" });
      await r.second.store.decide(r.approvalId, { status: "approved", by: "ann@yourcompany.com", note: "planned maintenance" });
      const resumed = await driver.resume(r.client, r.second.guard, r.approvalId);
      expect(resumed).toMatchObject({ status: "resumed", text: "Done." });
      expect(r.tools.ran).toEqual([
        { name: "get_customer", args: { customer_id: "c-1" } },
        { name: "send_email_blast", args: BLAST_ARGS },
      ]);
      expect(r.told("call_blast")).toEqual({ ok: true, tool: "send_email_blast" });
      expect(r.told("call_get")).toEqual({ ok: true, tool: "get_customer" });
      // Both answers of the turn went back together.
      expect(new Set(r.server.toolOutputs.map((o) => o.request)).size).toBe(1);
      expect(r.second.events).toContainEqual(expect.objectContaining({ type: "approval", approval: { status: "approved", approver: "ann@yourcompany.com", note: "planned maintenance" } }));
      expect(await r.second.store.get(r.approvalId)).toMatchObject({ state: "approved", consumedAt: expect.any(String), resumedAt: expect.any(String) });

      // Resuming again, here or on a third instance, runs nothing and continues nothing.
      expect(await driver.resume(r.client, r.second.guard, r.approvalId)).toMatchObject({ status: "resumed_elsewhere" });
      const third = await r.instance();
      expect(await driver.resume(r.client, third.guard, r.approvalId)).toMatchObject({ status: "resumed_elsewhere" });
      expect(r.tools.ran.filter((x) => x.name === "send_email_blast")).toHaveLength(1);
    });

    it("two instances resuming the same approved run at once: one resumes, the blast runs once", async () => {
      const r = await parked();
      const third = await r.instance();
      await r.second.store.decide(r.approvalId, { status: "approved" });
      const results = await Promise.all([driver.resume(r.client, r.second.guard, r.approvalId), driver.resume(r.client, third.guard, r.approvalId)]);
      expect(results.map((x) => x.status).sort()).toEqual(["resumed", "resumed_elsewhere"]);
      expect(r.tools.ran.filter((x) => x.name === "send_email_blast")).toEqual([{ name: "send_email_blast", args: BLAST_ARGS }]);
      expect(r.told("call_blast")).toEqual({ ok: true, tool: "send_email_blast" });
    });

    it("rejected in the store: the model gets the rejection, the blast never runs", async () => {
      const r = await parked();
      await r.second.store.decide(r.approvalId, { status: "rejected", by: "bob", note: "not this week" });
      expect(await driver.resume(r.client, r.second.guard, r.approvalId)).toMatchObject({ status: "resumed", text: "Done." });
      expect(r.tools.ran.map((x) => x.name)).toEqual(["get_customer"]);
      expect(r.told("call_blast")).toEqual({ status: "denied", message: "Security system denied this specific action.", reasons: ["approval_rejected"] });
      expect(r.second.events).toContainEqual(expect.objectContaining({ type: "approval", approval: { status: "rejected", approver: "bob", note: "not this week" } }));
    });

    it("not decided before it expires: the model is told it timed out", async () => {
      const r = await parked();
      expect(await driver.resume(r.client, r.second.guard, r.approvalId, new Date(Date.now() + 2 * 3600_000))).toMatchObject({ status: "resumed", text: "Done." });
      expect(r.tools.ran.map((x) => x.name)).toEqual(["get_customer"]);
      expect(r.told("call_blast")).toMatchObject({ status: "denied", reasons: ["approval_timed_out"] });
      await expect(r.second.store.decide(r.approvalId, { status: "approved" })).rejects.toMatchObject({ code: "approval_not_pending" });
    });

    it("approved with edited arguments the policy denies: refused, nothing runs", async () => {
      const r = await parked();
      await r.second.store.decide(r.approvalId, { status: "approved", by: "ann", arguments: { ...BLAST_ARGS, bcc: "everyone@evil.example" } });
      expect(await driver.resume(r.client, r.second.guard, r.approvalId)).toMatchObject({ status: "resumed", text: "Done." });
      expect(r.tools.ran.map((x) => x.name)).toEqual(["get_customer"]);
      expect(r.told("call_blast")).toMatchObject({ status: "denied", reasons: ["approval_modification_denied", "schema_violation"] });
    });

    it("approved with edited arguments that need another approval: refused; edited down to what the policy allows: runs with them", async () => {
      const r = await parked();
      await r.second.store.decide(r.approvalId, { status: "approved", arguments: { ...BLAST_ARGS, recipient_count: 300 } });
      await driver.resume(r.client, r.second.guard, r.approvalId);
      expect(r.tools.ran.map((x) => x.name)).toEqual(["get_customer"]);
      expect(r.told("call_blast")).toMatchObject({ status: "denied", reasons: ["approval_modification_needs_approval", "approval_required"] });

      const s = await parked();
      await s.second.store.decide(s.approvalId, { status: "approved", arguments: { ...BLAST_ARGS, recipient_count: 80 } });
      await driver.resume(s.client, s.second.guard, s.approvalId);
      expect(s.tools.ran).toContainEqual({ name: "send_email_blast", args: { ...BLAST_ARGS, recipient_count: 80 } });
    });
  });
}
