import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { callbackApprover } from "../../src/approval/callback.ts";
import { AuditRecorder } from "../../src/audit/audit-recorder.ts";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import { readLog } from "../../src/audit/read-log.ts";
import { verifyLog } from "../../src/audit/verify-log.ts";
import { Gate } from "../../src/gate/gate.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import { buildSeedBundle, seedTools } from "../helpers/seed-bundle.ts";

describe("approval outcomes in the decision log", () => {
  it("records the decision, then how its approval ended, under the same decision_id", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "toolgate-approval-log-")), "decisions.jsonl");
    const log = await DecisionLog.open({ path: file, durability: "fsync" });
    const gate = await Gate.open(await buildSeedBundle(), { tools: await seedTools(), recorder: new AuditRecorder(log) });
    let ran = 0;
    const guard = new ToolGuard({
      gate,
      tools: { send_email_blast: () => (ran += 1) },
      approver: callbackApprover(() => ({ status: "rejected", approver: "oncall@yourcompany.com", note: "not tonight" })),
      assistantId: "asst_zzz",
    });
    const outcome = await guard.handle({
      surface: "chat", assistant_id: "asst_zzz", call_id: "call_blast", name: "send_email_blast",
      arguments: JSON.stringify({ template: "t", recipient_count: 500, subject: "s" }),
    });
    await log.close();

    expect(outcome.status).toBe("denied");
    expect(ran).toBe(0);
    const records = [];
    for await (const record of readLog(file)) records.push(record);
    expect(records).toHaveLength(2);
    expect(records[0]!.result.effect).toBe("require_approval");
    expect(records[0]!.approval).toBeUndefined();
    expect(records[1]!.decision_id).toBe(records[0]!.decision_id);
    expect(records[1]!.approval).toEqual({ outcome: "rejected", approver: "oncall@yourcompany.com", note: "not tonight" });
    expect((await verifyLog(file)).ok).toBe(true);
  });
});
