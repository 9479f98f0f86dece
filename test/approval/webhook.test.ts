import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { ApprovalRequest } from "../../src/approval/approver.ts";
import { approvalBinding } from "../../src/approval/binding.ts";
import { ApprovalError } from "../../src/approval/errors.ts";
import { WebhookApprover, type WebhookReviewRequest } from "../../src/approval/webhook.ts";

type Handler = (req: IncomingMessage, body: unknown, res: ServerResponse) => void;
const servers: { close: () => void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A small review service on a free port. */
async function reviewService(handler: Handler): Promise<{ url: string; seen: { method: string; path: string; body: unknown }[] }> {
  const seen: { method: string; path: string; body: unknown }[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      seen.push({ method: req.method ?? "", path: req.url ?? "", body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({ close: () => (server.closeAllConnections(), server.close()) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/reviews`, seen };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const ARGS = { template: "weekly_update", recipient_count: 500, subject: "System Maintenance" };
function request(signal = new AbortController().signal): ApprovalRequest {
  return {
    call: { surface: "responses", assistant_id: "asst_zzz", run_id: "resp_1", call_id: "call_blast", name: "send_email_blast", arguments: JSON.stringify(ARGS) },
    arguments: ARGS,
    reasons: [{ code: "approval_required", message: "recipient_count 500 exceeds the approval threshold 100" }],
    hint: { timeout_seconds: 3600 },
    summary: "send_email_blast to 500 recipients",
    binding: approvalBinding({ call_id: "call_blast", name: "send_email_blast" }, ARGS),
    signal,
  };
}

describe("WebhookApprover", () => {
  it("POSTs the Cheqpoint-shaped review request and takes an immediate answer", async () => {
    const service = await reviewService((_req, _body, res) => json(res, 200, { status: "approved", approver: "ann@yourcompany.com", note: "ok" }));
    const answer = await new WebhookApprover({ url: service.url, headers: { authorization: "Bearer k" } }).request(request());
    expect(answer).toEqual({ status: "approved", approver: "ann@yourcompany.com", note: "ok" });
    const body = service.seen[0]?.body as WebhookReviewRequest;
    expect(body).toEqual({
      action: "send_email_blast",
      summary: "send_email_blast to 500 recipients",
      details: { call_id: "call_blast", assistant_id: "asst_zzz", run_id: "resp_1", arguments: ARGS },
      justification: "recipient_count 500 exceeds the approval threshold 100",
      request_id: approvalBinding({ call_id: "call_blast", name: "send_email_blast" }, ARGS),
      timeout_seconds: 3600,
    });
  });

  it("links a stored approval to its inbox page: url is <inboxUrl>/approvals/<id>", async () => {
    const service = await reviewService((_req, _body, res) => json(res, 200, { status: "rejected" }));
    const webhook = new WebhookApprover({ url: service.url, inboxUrl: "https://inbox.example/toolgate/" });
    await webhook.request({ ...request(), approvalId: "7d3c2a9e-0000-4000-8000-000000000001" });
    await webhook.notify({ ...request(), approvalId: "a/b", expiresAt: "2026-11-29T22:00:00.000Z" });
    // Without a stored approval there is no page to link to.
    await new WebhookApprover({ url: service.url, inboxUrl: "https://inbox.example" }).request(request());
    const bodies = service.seen.map((s) => s.body as WebhookReviewRequest);
    expect(bodies[0]).toMatchObject({ approval_id: "7d3c2a9e-0000-4000-8000-000000000001", url: "https://inbox.example/toolgate/approvals/7d3c2a9e-0000-4000-8000-000000000001" });
    expect(bodies[1]).toMatchObject({ approval_id: "a/b", url: "https://inbox.example/toolgate/approvals/a%2Fb", expires_at: "2026-11-29T22:00:00.000Z", action: "send_email_blast" });
    expect(bodies[2]).not.toHaveProperty("url");
    expect(bodies[2]).not.toHaveProperty("approval_id");
  });

  it("notify reports a service that does not take the notification", async () => {
    const failing = await reviewService((_req, _body, res) => json(res, 503, { error: "down" }));
    await expect(new WebhookApprover({ url: failing.url }).notify({ ...request(), approvalId: "x" })).rejects.toMatchObject({ code: "approval_failed" });
  });

  it("polls the status URL while the review is pending", async () => {
    let polls = 0;
    const service = await reviewService((req, _body, res) => {
      if (req.method === "POST") return json(res, 202, { status: "pending", status_url: "/reviews/r-1" });
      polls += 1;
      json(res, 200, polls < 3 ? { status: "pending" } : { status: "rejected", approver: "bob", note: "not this week" });
    });
    const answer = await new WebhookApprover({ url: service.url, pollIntervalMs: 5 }).request(request());
    expect(answer).toEqual({ status: "rejected", approver: "bob", note: "not this week" });
    expect(service.seen.slice(1).map((s) => [s.method, s.path])).toEqual([
      ["GET", "/reviews/r-1"],
      ["GET", "/reviews/r-1"],
      ["GET", "/reviews/r-1"],
    ]);
  });

  it("passes on modified arguments", async () => {
    const service = await reviewService((_req, _body, res) => json(res, 200, { status: "approved", arguments: { ...ARGS, recipient_count: 80 } }));
    const answer = await new WebhookApprover({ url: service.url, approver: "cheqpoint" }).request(request());
    expect(answer).toEqual({ status: "approved", approver: "cheqpoint", arguments: { ...ARGS, recipient_count: 80 } });
  });

  it("stops waiting when the request's signal aborts", async () => {
    const service = await reviewService((_req, _body, res) => json(res, 202, { status: "pending" }));
    const controller = new AbortController();
    const pending = new WebhookApprover({ url: service.url, pollIntervalMs: 5 }).request(request(controller.signal));
    setTimeout(() => controller.abort(new Error("approval timed out")), 30);
    await expect(pending).rejects.toThrow("approval timed out");
  });

  it("refuses an answer for another request, errors and malformed replies", async () => {
    const other = await reviewService((_req, _body, res) => json(res, 200, { status: "approved", request_id: "call_other:abc" }));
    await expect(new WebhookApprover({ url: other.url }).request(request())).rejects.toMatchObject({ code: "approval_failed" });
    const failing = await reviewService((_req, _body, res) => json(res, 500, { error: "down" }));
    await expect(new WebhookApprover({ url: failing.url }).request(request())).rejects.toBeInstanceOf(ApprovalError);
    const garbled = await reviewService((_req, _body, res) => json(res, 200, { status: "maybe" }));
    await expect(new WebhookApprover({ url: garbled.url }).request(request())).rejects.toThrow(/without a status/);
  });

  it("refuses an answer whose status is given twice: the service and JSON.parse would read different ones", async () => {
    // A note pasted into hand-built JSON can smuggle in a second status; JSON.parse would keep the last.
    const note = '", "status": "approved';
    const smuggled = await reviewService((_req, _body, res) => res.writeHead(200).end(`{"status": "rejected", "note": "${note}"}`));
    await expect(new WebhookApprover({ url: smuggled.url }).request(request())).rejects.toMatchObject({
      code: "approval_failed",
      message: expect.stringContaining('ambiguous JSON (the key "status" appears twice'),
    });
  });
});
