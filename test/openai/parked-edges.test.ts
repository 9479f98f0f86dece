import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SqliteApprovalStore } from "../../src/approval/store/sqlite-approval-store.ts";
import { AuditRecorder } from "../../src/audit/audit-recorder.ts";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import { readLog } from "../../src/audit/read-log.ts";
import { verifyLog } from "../../src/audit/verify-log.ts";
import { call, start, type OpenAIServer } from "../../src/dev/openai-server/index.ts";
import { Gate } from "../../src/gate/gate.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import { pollWithGate, resumeDueAssistantsRuns } from "../../src/openai/assistants.ts";
import { chatWithGate, gateChatCompletion, resumeChat } from "../../src/openai/chat.ts";
import { respondWithGate, resumeResponse } from "../../src/openai/responses.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { buildSeedBundle, seedRegoDir } from "../helpers/seed-bundle.ts";
import { recordingTools, seedTools } from "./harness.ts";
import { BLAST, BLAST_ARGS } from "./park-scenarios.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-parked-edges-"));
let bundle: string;
let gate: Gate;
let n = 0;
const servers: OpenAIServer[] = [];
const closers: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  bundle = await buildSeedBundle();
  gate = await Gate.open(bundle, { tools: await seedTools() });
}, 120_000);
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const close of closers.splice(0)) await close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function setup(script: Parameters<typeof start>[0]["script"], options: { gate?: Gate } = {}) {
  const server = await start({ script });
  servers.push(server);
  const file = path.join(dir, `approvals-${++n}.db`);
  const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 });
  const tools = recordingTools();
  const guardOn = async () => {
    const store = await SqliteApprovalStore.open(file);
    closers.push(() => store.close());
    return { store, guard: new ToolGuard({ gate: options.gate ?? gate, tools: tools.tools, assistantId: "asst_zzz", approvalStore: store }) };
  };
  const told = (callId: string): unknown => JSON.parse(String(server.toolOutputs.find((o) => o.callId === callId)?.output));
  return { server, client, tools, file, guardOn, told };
}

describe("Assistants: OpenAI's 10-minute requires_action limit", () => {
  const script = { assistants: [{ calls: [call("send_email_blast", BLAST, "call_blast")] }, { text: "Done." }] };
  async function parkedRun(deadlineMs?: number) {
    const s = await setup(script);
    const { store, guard } = await s.guardOn();
    const thread = await s.client.beta.threads.create({ messages: [{ role: "user", content: "Tell everyone" }] });
    const run = await s.client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: "asst_zzz" });
    const turn = await pollWithGate(s.client, guard, run, deadlineMs === undefined ? {} : { deadlineMs });
    expect(turn.run.status).toBe("requires_action");
    const approval = (await store.get(turn.parked!.approvalIds[0]!))!;
    return { ...s, store, approval, thread };
  }

  it("a parked call's approval expires by the 9-minute deadline (or the one given), before the run would", async () => {
    const byDefault = await parkedRun();
    const waited = Date.parse(byDefault.approval.expiresAt) - Date.parse(byDefault.approval.createdAt);
    expect(waited).toBeLessThanOrEqual(9 * 60_000);
    expect(waited).toBeGreaterThan(8 * 60_000);
    const shorter = await parkedRun(60_000);
    expect(Date.parse(shorter.approval.expiresAt) - Date.parse(shorter.approval.createdAt)).toBeLessThanOrEqual(60_000);
  });

  it("resumeDueAssistantsRuns answers an undecided call past its deadline with approval_timed_out, so the run completes", async () => {
    const r = await parkedRun();
    const { guard } = await r.guardOn();
    // Not due yet: nothing is submitted.
    expect(await resumeDueAssistantsRuns(r.client, guard)).toEqual([]);
    const due = await resumeDueAssistantsRuns(r.client, guard, { now: new Date(Date.now() + 9 * 60_000 + 1000) });
    expect(due).toMatchObject([{ status: "resumed", run: { status: "completed" } }]);
    expect(r.told("call_blast")).toMatchObject({ status: "denied", reasons: ["approval_timed_out"] });
    expect(r.tools.ran).toEqual([]);
    // A second sweep finds nothing left to do.
    expect(await resumeDueAssistantsRuns(r.client, guard, { now: new Date(Date.now() + 3600_000) })).toEqual([]);
  });

  it("resumeDueAssistantsRuns skips a row that does not read as an approval and still resumes the other runs", async () => {
    const r = await parkedRun();
    await r.store.decide(r.approval.id, { status: "approved", by: "ann" });
    const spoiled = await r.store.create({ ...r.approval, id: "spoiled-row", expiresAt: new Date(Date.now() + 60_000) });
    await r.store.decide(spoiled.id, { status: "approved" });
    const db = new DatabaseSync(r.file);
    db.prepare("UPDATE approvals SET call = '{' WHERE id = ?").run(spoiled.id);
    db.close();
    const { guard } = await r.guardOn();
    const told: unknown[] = [];
    expect(await resumeDueAssistantsRuns(r.client, guard, { onUnreadable: (rows) => told.push(...rows) })).toMatchObject([{ status: "resumed", run: { status: "completed" } }]);
    expect(r.tools.ran).toEqual([{ name: "send_email_blast", args: BLAST_ARGS }]);
    // The caller is told which row was skipped and why, not its content.
    expect(told).toEqual([{ id: "spoiled-row", problem: expect.stringContaining("call") }]);
  });

  it("resumeDueAssistantsRuns also resumes a run whose approval was decided and not yet resumed", async () => {
    const r = await parkedRun();
    await r.store.decide(r.approval.id, { status: "approved", by: "ann" });
    const { guard } = await r.guardOn();
    expect(await resumeDueAssistantsRuns(r.client, guard)).toMatchObject([{ status: "resumed", run: { status: "completed" } }]);
    expect(r.tools.ran).toEqual([{ name: "send_email_blast", args: BLAST_ARGS }]);
  });
});

describe("resume refuses what the store cannot vouch for", () => {
  const script = { chat: [{ calls: [call("send_email_blast", BLAST, "call_blast")] }, { text: "Done." }] };

  it("a stored call changed after approval (a tampered row) no longer matches its binding: refused, nothing runs", async () => {
    const s = await setup(script);
    const { store, guard } = await s.guardOn();
    const run = await chatWithGate(s.client, guard, { model: "gpt-4.1", messages: [{ role: "user", content: "Tell everyone" }] });
    const id = run.parked!.approvalIds[0]!;
    await store.decide(id, { status: "approved", by: "ann" });
    const db = new DatabaseSync(s.file);
    const stored = (await store.get(id))!;
    db.prepare("UPDATE approvals SET call = ? WHERE id = ?").run(JSON.stringify({ ...stored.call, arguments: JSON.stringify({ ...BLAST_ARGS, recipient_count: 5000 }) }), id);
    db.close();
    expect(await resumeChat(s.client, (await s.guardOn()).guard, id)).toMatchObject({ status: "resumed" });
    expect(s.tools.ran).toEqual([]);
    expect(s.told("call_blast")).toMatchObject({ status: "denied", reasons: ["approval_failed"] });
  });

  it("a stored turn that names another run's approval (a tampered row) resumes nothing; that run still resumes once", async () => {
    const s = await setup({ chat: [{ calls: [call("send_email_blast", BLAST, "call_a")] }, { calls: [call("send_email_blast", BLAST, "call_b")] }, { text: "Done." }] });
    const { store, guard } = await s.guardOn();
    const start = () => chatWithGate(s.client, guard, { model: "gpt-4.1", messages: [{ role: "user", content: "Tell everyone" }] });
    const a = (await start()).parked!.approvalIds[0]!;
    const b = (await start()).parked!.approvalIds[0]!;
    await store.decide(a, { status: "approved" });
    await store.decide(b, { status: "approved" });
    const stored = (await store.get(a))!.resume as { toolgate_parked_turn: { approvals: string[] } };
    stored.toolgate_parked_turn.approvals.push(b);
    const db = new DatabaseSync(s.file);
    db.prepare("UPDATE approvals SET resume = ? WHERE id = ?").run(JSON.stringify(stored), a);
    db.close();
    await expect(resumeChat(s.client, guard, a)).rejects.toMatchObject({ code: "approval_not_resumable" });
    expect(await store.get(b)).not.toHaveProperty("consumedAt");
    expect(s.tools.ran).toEqual([]);
    expect(await resumeChat(s.client, guard, b)).toMatchObject({ status: "resumed" });
    expect(s.tools.ran).toEqual([{ name: "send_email_blast", args: BLAST_ARGS }]);
  });

  it("an approved row that no longer reads as an approval (JSON that does not parse): resume throws approval_unreadable, nothing runs, the row is not consumed", async () => {
    const s = await setup(script);
    const { store, guard } = await s.guardOn();
    const id = (await chatWithGate(s.client, guard, { model: "gpt-4.1", messages: [{ role: "user", content: "Tell everyone" }] })).parked!.approvalIds[0]!;
    await store.decide(id, { status: "approved", by: "ann" });
    const db = new DatabaseSync(s.file);
    db.prepare("UPDATE approvals SET arguments = '{\"recipient_count\": ' WHERE id = ?").run(id);
    await expect(resumeChat(s.client, guard, id)).rejects.toMatchObject({ code: "approval_unreadable", approvalId: id });
    expect(s.tools.ran).toEqual([]);
    expect(db.prepare("SELECT consumed_at, resumed_at FROM approvals WHERE id = ?").get(id)).toEqual({ consumed_at: null, resumed_at: null });
    db.close();
  });

  it("the policy changed while the call was parked: an approved call the policy now denies does not run", async () => {
    const regoDir = path.join(dir, "rego-changed");
    cpSync(seedRegoDir, regoDir, { recursive: true });
    const config = path.join(regoDir, "toolgate.yaml");
    const changed = readFileSync(config, "utf8").replace(
      /send_email_blast:\n {4}effect: allow\n {4}constraints: \{ approval_over: \{ recipient_count: 100 \} \}\n {4}approval: \{ timeout_seconds: 3600 \}/,
      "send_email_blast:\n    effect: deny\n    reason: Email blasts are paused.",
    );
    expect(changed).toContain("Email blasts are paused.");
    writeFileSync(config, changed);
    const built = await compileBundle({ regoDir, out: path.join(dir, "changed.tar.gz") });
    const stricter = await Gate.open(built.path, { tools: await seedTools() });
    closers.push(() => stricter.close());

    const s = await setup(script);
    const { store, guard } = await s.guardOn();
    const id = (await chatWithGate(s.client, guard, { model: "gpt-4.1", messages: [{ role: "user", content: "Tell everyone" }] })).parked!.approvalIds[0]!;
    await store.decide(id, { status: "approved", by: "ann" });
    const restarted = new ToolGuard({ gate: stricter, tools: s.tools.tools, assistantId: "asst_zzz", approvalStore: store });
    expect(await resumeChat(s.client, restarted, id)).toMatchObject({ status: "resumed" });
    expect(s.tools.ran).toEqual([]);
    expect(s.told("call_blast")).toEqual({ status: "denied", message: "The policy denied this call: Email blasts are paused.", reasons: ["tool_denied"] });
    expect(await store.get(id)).toHaveProperty("consumedAt");
  });

  it("an approval no run loop parked cannot resume a run; an unknown id is not found", async () => {
    const s = await setup(script);
    const { store, guard } = await s.guardOn();
    const bare = await store.create({
      binding: "call_x:0",
      call: { surface: "chat", assistant_id: "asst_zzz", call_id: "call_x", name: "send_email_blast", arguments: BLAST },
      arguments: BLAST_ARGS,
      reasons: [],
      hint: undefined,
      summary: "x",
      revision: "r",
      expiresAt: new Date(Date.now() + 60_000),
    });
    await store.decide(bare.id, { status: "approved" });
    await expect(resumeChat(s.client, guard, bare.id)).rejects.toMatchObject({ code: "approval_not_resumable" });
    await expect(resumeChat(s.client, guard, "no-such-id")).rejects.toMatchObject({ code: "approval_not_found" });
    expect(await store.get(bare.id)).not.toHaveProperty("consumedAt");
  });

  it("a parking guard outside a run loop that can stop denies the call (approval_unavailable) instead of waiting or parking", async () => {
    const s = await setup(script);
    const { store, guard } = await s.guardOn();
    const completion = await s.client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "Tell everyone" }] });
    const gated = await gateChatCompletion(guard, completion);
    expect(gated.outcomes).toMatchObject([{ status: "denied", approval: { status: "unavailable" } }]);
    expect(JSON.parse(gated.toolMessages[0]!.content as string)).toMatchObject({ reasons: ["approval_unavailable"] });
    expect(await store.list()).toEqual({ approvals: [], unreadable: [] });
  });
});

describe("the decision log of a parked call", () => {
  it("keeps the parking decision, then the approval outcome under the same decision_id, then the decision at resume", async () => {
    const logFile = path.join(dir, `decisions-${++n}.jsonl`);
    const log = await DecisionLog.open({ path: logFile, durability: "fsync" });
    const logged = await Gate.open(bundle, { tools: await seedTools(), recorder: new AuditRecorder(log) });
    const s = await setup({ responses: [{ calls: [call("send_email_blast", BLAST, "call_blast")] }, { text: "Done." }] }, { gate: logged });
    const first = await s.guardOn();
    const run = await respondWithGate(s.client, first.guard, { model: "gpt-4.1", input: "Tell everyone" });
    const id = run.parked!.approvalIds[0]!;
    await first.store.decide(id, { status: "approved", by: "oncall@yourcompany.com", note: "planned" });
    expect(await resumeResponse(s.client, (await s.guardOn()).guard, id)).toMatchObject({ status: "resumed" });
    await log.close();
    const records = [];
    for await (const record of readLog(logFile)) records.push(record);
    expect(records.map((r) => [r.input.call_id, r.result.effect, r.approval?.outcome])).toEqual([
      ["call_blast", "require_approval", undefined],
      ["call_blast", "require_approval", "approved"],
      ["call_blast", "require_approval", undefined],
    ]);
    expect(records[1]!.decision_id).toBe(records[0]!.decision_id);
    expect(records[1]!.approval).toEqual({ outcome: "approved", approver: "oncall@yourcompany.com", note: "planned" });
    expect(records[2]!.decision_id).not.toBe(records[0]!.decision_id);
    expect((await verifyLog(logFile)).ok).toBe(true);
  });
});

describe("Responses: a hosted MCP approval request parks like a function call", () => {
  it.each([
    ["approved", true],
    ["rejected", false],
  ] as const)("crm update_customer parked, %s in the store: the mcp_approval_response says approve=%s", async (answer, approve) => {
    const s = await setup({
      responses: [
        { calls: [{ kind: "mcp_approval_request", serverLabel: "crm", name: "update_customer", arguments: '{"customer_id":"c-1","email":"a@b.example"}', id: "mcpr_upd" }] },
        { text: "Done." },
      ],
    });
    const { store, guard } = await s.guardOn();
    const run = await respondWithGate(s.client, guard, { model: "gpt-4.1", input: "Fix the email" });
    const id = run.parked!.approvalIds[0]!;
    expect(await store.get(id)).toMatchObject({ call: { tool_type: "mcp", server_label: "crm", name: "update_customer" }, reasons: [{ code: "tool_requires_approval" }] });
    expect(s.server.approvals).toEqual([]);
    await store.decide(id, { status: answer });
    expect(await resumeResponse(s.client, (await s.guardOn()).guard, id)).toMatchObject({ status: "resumed", response: { output_text: "Done." } });
    expect(s.server.approvals.map((a) => [a.approvalRequestId, a.approve])).toEqual([["mcpr_upd", approve]]);
    expect(s.tools.ran).toEqual([]);
  });
});
