// Regenerates the approvals inbox screenshots in docs/images/ (docs/approvals-inbox.md):
// the seed policy built by opa, a throwaway SQLite store with a few parked and
// decided approvals, the inbox, and headless Chromium (scripts/install-chromium.sh).
//   node scripts/inbox-screenshots.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { approvalRequest } from "../src/approval/approver.ts";
import { approvalBinding } from "../src/approval/binding.ts";
import { SqliteApprovalStore } from "../src/approval/store/sqlite-approval-store.ts";
import { Gate } from "../src/gate/gate.ts";
import { loadToolDeclarations } from "../src/gate/load-tools.ts";
import type { ToolCall } from "../src/gate/tool-call.ts";
import { createApprovalsInbox } from "../src/inbox/approvals-inbox.ts";
import { compileBundle } from "../src/policy/compile.ts";

const root = path.resolve(import.meta.dirname, "..");
const images = path.join(root, "docs", "images");
const token = "screenshot-token-0123456789";

const dir = await mkdtemp(path.join(tmpdir(), "toolgate-screenshots-"));
const bundle = path.join(dir, "bundle.tar.gz");
await compileBundle({ regoDir: path.join(root, "rego"), out: bundle });
const gate = await Gate.open(bundle, { tools: await loadToolDeclarations(path.join(root, "rego", "tools.json")) });
const store = await SqliteApprovalStore.open(path.join(dir, "approvals.db"));

let n = 0;
async function park(assistant: string, name: string, args: unknown): Promise<string> {
  const call: ToolCall = { surface: "responses", assistant_id: assistant, call_id: `call_${(++n).toString().padStart(3, "0")}`, name, arguments: JSON.stringify(args) };
  const { decision } = gate.evaluate(call);
  if (decision.effect !== "require_approval") throw new Error(`${name}: the seed policy decided ${decision.effect}`);
  const binding = approvalBinding(call, decision.arguments);
  const { summary } = approvalRequest(call, decision, binding, new AbortController().signal);
  const stored = await store.create({ binding, call, arguments: decision.arguments, reasons: decision.reasons, hint: decision.approval, summary, revision: decision.revision, expiresAt: new Date(Date.now() + 3_600_000) });
  return stored.id;
}

const approvedBlast = await park("asst_zzz", "send_email_blast", { template: "release_notes", recipient_count: 240, subject: "What's new in 4.2" });
await store.decide(approvedBlast, { status: "approved", by: "Dana (token)", note: "release notes go to everyone" });
const rejectedRefund = await park("asst_cautious", "refund_order", { order_id: "ord_7781", amount: 420 });
await store.decide(rejectedRefund, { status: "rejected", by: "Lee (token)", note: "duplicate of ord_7780" });
await park("asst_cautious", "refund_order", { order_id: "ord_9120", amount: 89.5 });
await park("asst_zzz", "send_email", { to: Array.from({ length: 12 }, (_, i) => `agent${i + 1}@yourcompany.com`), subject: "Shift handover", body: "Notes attached." });
const blast = await park("asst_zzz", "send_email_blast", { template: "weekly_update", recipient_count: 500, subject: "System Maintenance" });

const inbox = await createApprovalsInbox({ store, gate, auth: { token } }).listen();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
  await page.goto(`${inbox.url}/approvals?token=${token}`);
  await page.screenshot({ path: path.join(images, "approvals-inbox-list.png"), fullPage: true });
  await page.goto(`${inbox.url}/approvals/${blast}`);
  await page.fill("#arguments", JSON.stringify({ template: "weekly_update", recipient_count: 5000, subject: "System Maintenance" }, null, 2));
  await page.fill("input[name=name]", "Dana");
  await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.click("button.approve")]);
  await page.waitForLoadState();
  await page.screenshot({ path: path.join(images, "approvals-inbox-detail.png"), fullPage: true });
  process.stdout.write(`wrote ${path.join("docs", "images", "approvals-inbox-list.png")} and approvals-inbox-detail.png\n`);
} finally {
  await browser.close();
  await inbox.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
