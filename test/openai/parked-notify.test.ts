import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SqliteApprovalStore } from "../../src/approval/store/sqlite-approval-store.ts";
import { WebhookApprover, type WebhookReviewRequest } from "../../src/approval/webhook.ts";
import { call, start } from "../../src/dev/openai-server/index.ts";
import type { Gate } from "../../src/gate/gate.ts";
import { ToolGuard, type GuardEvent } from "../../src/guard/tool-guard.ts";
import { respondWithGate } from "../../src/openai/responses.ts";
import { recordingTools, seedGate } from "./harness.ts";
import { BLAST } from "./park-scenarios.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-parked-notify-"));
let gate: Gate;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ gate, cleanup } = await seedGate()), 120_000);
afterAll(async () => {
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A review service answering every POST with `status`. */
async function reviewService(status: number): Promise<{ url: string; bodies: WebhookReviewRequest[]; close: () => void }> {
  const bodies: WebhookReviewRequest[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      bodies.push(JSON.parse(text) as WebhookReviewRequest);
      res.writeHead(status, { "content-type": "application/json" }).end('{"status":"pending"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/reviews`, bodies, close: () => (server.closeAllConnections(), server.close()) };
}

it.each([
  [202, false],
  [500, true],
] as const)("a parked blast notifies the webhook with the inbox link (service answers %i; a failure leaves it parked)", async (status, failed) => {
  const service = await reviewService(status);
  const openai = await start({ script: { responses: [{ calls: [call("send_email_blast", BLAST, "call_blast")] }] } });
  const store = await SqliteApprovalStore.open(path.join(dir, `notify-${status}.db`));
  try {
    const client = new OpenAI({ apiKey: "test", baseURL: `${openai.url}/v1`, maxRetries: 0 });
    const events: GuardEvent[] = [];
    const notifier = new WebhookApprover({ url: service.url, inboxUrl: "https://inbox.yourcompany.com" });
    const guard = new ToolGuard({ gate, tools: recordingTools().tools, assistantId: "asst_zzz", approvalStore: store, notifier, onEvent: (e) => events.push(e) });
    const run = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Tell everyone" });
    const id = run.parked!.approvalIds[0]!;
    expect(service.bodies).toMatchObject([
      { action: "send_email_blast", approval_id: id, url: `https://inbox.yourcompany.com/approvals/${id}`, details: { call_id: "call_blast" }, expires_at: (await store.get(id))!.expiresAt },
    ]);
    expect((await store.get(id))?.state).toBe("pending");
    expect(events).toMatchObject([{ type: "parked", approvalId: id }]);
    if (failed) expect(events[0]).toHaveProperty("error", expect.objectContaining({ code: "approval_failed" }));
    else expect(events[0]).not.toHaveProperty("error");
  } finally {
    service.close();
    await openai.close();
    await store.close();
  }
});
