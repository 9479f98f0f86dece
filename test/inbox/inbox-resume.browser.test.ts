// Issue #15's "Done when", end to end on each store: an email blast to 500 is
// parked by one "process", that process goes away, a reviewer approves it in
// the inbox in headless Chromium, a second "process" resumes the run and the
// tool runs exactly once. Real opa bundle, real openai SDK against the
// scripted server, real SQLite file and real PostgreSQL server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openApprovalStore } from "../../src/approval/store/open-approval-store.ts";
import { call, start } from "../../src/dev/openai-server/index.ts";
import { Gate } from "../../src/gate/gate.ts";
import { ToolGuard, type ToolMap } from "../../src/guard/tool-guard.ts";
import { createApprovalsInbox } from "../../src/inbox/approvals-inbox.ts";
import { respondWithGate, resumeResponse } from "../../src/openai/responses.ts";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.ts";
import { buildSeedBundle, seedTools } from "../helpers/seed-bundle.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TOKEN = "e2e-token-0123456789abcdef";
const BLAST = '{"template":"weekly_update","recipient_count":500,"subject":"System Maintenance"}';
const BLAST_ARGS = { template: "weekly_update", recipient_count: 500, subject: "System Maintenance" };
const SENT = { sent: 500, batch: "b-1" };

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-inbox-resume-"));
let bundle: string;
let browser: Browser;
let postgres: PostgresServer;

beforeAll(async () => {
  [bundle, browser, postgres] = await Promise.all([buildSeedBundle(), chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] }), startPostgres()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One app "process": its own gate (so its own in-memory budgets), store connection and guard. */
async function processOn(location: string, tools: ToolMap) {
  const gate = await Gate.open(bundle, { tools: await seedTools() });
  const store = await openApprovalStore(location);
  const guard = new ToolGuard({ gate, tools, assistantId: "asst_zzz", approvalStore: store });
  return {
    gate,
    store,
    guard,
    async exit() {
      await store.close();
      await gate.close();
    },
  };
}

const stores: { name: string; location: () => string }[] = [
  { name: "the embedded store (SQLite)", location: () => `sqlite:${path.join(dir, "approvals.db")}` },
  { name: "PostgreSQL", location: () => postgres.createDatabase("inbox_resume") },
];

describe.each(stores)("on $name", ({ location }) => {
  test("email blast to 500: parked, process restarted, approved in the browser, run resumed, the tool ran once", async () => {
    const openai = await start({ script: { responses: [{ calls: [call("send_email_blast", BLAST, "call_blast")] }, { text: "Done." }] } });
    const where = location();
    const blasts: Record<string, unknown>[] = [];
    const tools: ToolMap = {
      send_email_blast: async (args) => {
        blasts.push(args);
        return SENT;
      },
    };
    const cleanup: (() => Promise<void>)[] = [() => openai.close()];
    try {
      const client = new OpenAI({ apiKey: "test", baseURL: `${openai.url}/v1`, maxRetries: 0 });

      // Process 1: the run parks the blast and returns; then the process goes away.
      const first = await processOn(where, tools);
      const run = await respondWithGate(client, first.guard, { model: "gpt-4.1", input: "Tell every customer about the maintenance" });
      expect(run.parked?.approvalIds).toHaveLength(1);
      const approvalId = run.parked!.approvalIds[0]!;
      expect(blasts).toEqual([]);
      expect(openai.toolOutputs).toEqual([]);
      await first.exit();

      // Process 2 starts: its inbox on a new store connection, and its guard on another.
      const second = await processOn(where, tools);
      cleanup.push(() => second.exit());
      const inboxStore = await openApprovalStore(where);
      cleanup.push(() => inboxStore.close());
      const inbox = await createApprovalsInbox({ store: inboxStore, gate: second.gate, auth: { token: TOKEN } }).listen({ host: "127.0.0.1" });
      cleanup.push(() => inbox.close());
      expect(await resumeResponse(client, second.guard, approvalId)).toMatchObject({ status: "pending" });
      expect(blasts).toEqual([]);

      // The reviewer, in the browser: sign in with the token, open the pending blast, approve it with a note.
      const context = await browser.newContext();
      cleanup.push(() => context.close());
      const page = await context.newPage();
      expect((await page.goto(`${inbox.url}/approvals?token=${TOKEN}`))!.status()).toBe(200);
      const row = page.locator("#pending tr").filter({ has: page.locator(`a[href="/approvals/${approvalId}"]`) });
      expect(await row.locator("td").nth(0).textContent()).toBe("send_email_blast");
      await row.locator("a").click();
      await page.waitForURL(`${inbox.url}/approvals/${approvalId}`);
      expect(await page.textContent("#state")).toBe("pending");
      expect(JSON.parse(await page.inputValue("#arguments"))).toEqual(BLAST_ARGS);
      await page.fill("input[name=name]", "Dana");
      await page.fill("textarea[name=note]", "planned maintenance");
      const [posted] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.click("button.approve")]);
      expect(posted.status()).toBe(303);
      await page.waitForLoadState();
      expect(await page.textContent("#state")).toBe("approved");
      expect(await inboxStore.get(approvalId)).toMatchObject({ state: "approved", decidedBy: "Dana (token)", note: "planned maintenance" });

      // Process 2 resumes the run: the blast runs once with the approved arguments, the model gets its result once.
      const resumed = await resumeResponse(client, second.guard, approvalId);
      expect(resumed.status).toBe("resumed");
      expect(resumed.status === "resumed" && resumed.response.output_text).toBe("Done.");
      expect(blasts).toEqual([BLAST_ARGS]);
      const outputs = openai.toolOutputs.filter((o) => o.callId === "call_blast");
      expect(outputs).toHaveLength(1);
      expect(JSON.parse(String(outputs[0]!.output))).toEqual(SENT);
      expect(openai.turnsConsumed("responses")).toBe(2);

      // Resuming again, here or on a third process, runs nothing and continues nothing.
      expect(await resumeResponse(client, second.guard, approvalId)).toMatchObject({ status: "resumed_elsewhere" });
      const third = await processOn(where, tools);
      cleanup.push(() => third.exit());
      expect(await resumeResponse(client, third.guard, approvalId)).toMatchObject({ status: "resumed_elsewhere" });
      expect(blasts).toHaveLength(1);
      expect(openai.toolOutputs).toHaveLength(1);
    } finally {
      for (const close of cleanup.reverse()) await close();
    }
  }, 60_000);
});
