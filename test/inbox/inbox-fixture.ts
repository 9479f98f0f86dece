// One seed gate, one SQLite approval store and one inbox per test file: what
// the inbox tests (HTTP and browser) share. Approvals are parked the way a
// guard parks them: the real gate decides the call, its decision is stored.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { approvalRequest } from "../../src/approval/approver.ts";
import { approvalBinding } from "../../src/approval/binding.ts";
import type { ApprovalStore, StoredApproval } from "../../src/approval/store/approval-store.ts";
import { SqliteApprovalStore } from "../../src/approval/store/sqlite-approval-store.ts";
import { Gate } from "../../src/gate/gate.ts";
import type { ToolCall } from "../../src/gate/tool-call.ts";
import { createApprovalsInbox, type ApprovalsInboxOptions, type ListeningInbox } from "../../src/inbox/approvals-inbox.ts";
import type { InboxAuth } from "../../src/inbox/inbox-auth.ts";
import { buildSeedBundle, seedTools } from "../helpers/seed-bundle.ts";

export const TOKEN = "test-token-0123456789abcdef";

export interface InboxFixture {
  readonly gate: Gate;
  readonly store: ApprovalStore;
  readonly inbox: ListeningInbox;
  /** The SQLite file behind the store (to corrupt a row on purpose). */
  readonly file: string;
  /** Parks a call the seed policy sends to approval; throws if the policy decides otherwise. */
  park(call: Partial<ToolCall> & { name: string; arguments: string }, expiresInMs?: number): Promise<StoredApproval>;
  close(): Promise<void>;
}

let calls = 0;

export async function startInboxFixture(options: { auth?: InboxAuth; host?: string; inbox?: Partial<ApprovalsInboxOptions> } = {}): Promise<InboxFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-inbox-"));
  const gate = await Gate.open(await buildSeedBundle(), { tools: await seedTools() });
  const file = path.join(dir, "approvals.db");
  const store = await SqliteApprovalStore.open(file);
  const inbox = await createApprovalsInbox({ store, gate, auth: options.auth ?? { token: TOKEN }, ...options.inbox }).listen({ host: options.host ?? "127.0.0.1" });
  return {
    gate,
    store,
    inbox,
    file,
    async park(partial, expiresInMs = 3_600_000) {
      const call: ToolCall = { surface: "responses", assistant_id: "asst_zzz", call_id: `call_${++calls}`, ...partial };
      const { decision } = gate.evaluate(call, "fresh");
      if (decision.effect !== "require_approval") throw new Error(`the seed policy decided ${decision.effect} for ${call.arguments}: ${JSON.stringify(decision.reasons)}`);
      const binding = approvalBinding(call, decision.arguments);
      const { summary } = approvalRequest(call, decision, binding, new AbortController().signal);
      return store.create({
        binding,
        call,
        arguments: decision.arguments,
        reasons: decision.reasons,
        hint: decision.approval,
        summary,
        revision: decision.revision,
        expiresAt: new Date(Date.now() + expiresInMs),
      });
    },
    async close() {
      await inbox.close();
      await store.close();
      await gate.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const BLAST = { name: "send_email_blast", arguments: '{"template":"weekly_update","recipient_count":500,"subject":"System Maintenance"}' } as const;
