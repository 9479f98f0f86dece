import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ApprovalRequest } from "../../src/approval/approver.ts";
import { TerminalApprover } from "../../src/approval/terminal.ts";

const ARGS = { template: "weekly_update", recipient_count: 500, subject: "Hi" };
function request(signal = new AbortController().signal): ApprovalRequest {
  return {
    call: { surface: "chat", assistant_id: "asst_zzz", call_id: "call_1", name: "send_email_blast", arguments: JSON.stringify(ARGS) },
    arguments: ARGS,
    reasons: [{ code: "approval_required", message: "recipient_count 500 exceeds the approval threshold 100" }],
    hint: undefined,
    summary: "send_email_blast to 500 recipients",
    binding: "call_1:x",
    signal,
  };
}

async function ask(answer: string | undefined, signal?: AbortSignal) {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = "";
  output.on("data", (chunk: Buffer) => (shown += chunk.toString()));
  const pending = new TerminalApprover({ input, output, approver: "ops" }).request(request(signal));
  if (answer !== undefined) input.write(`${answer}\n`);
  return { response: await pending, shown };
}

describe("TerminalApprover", () => {
  it("shows the call and approves on y", async () => {
    const { response, shown } = await ask("y");
    expect(response).toEqual({ status: "approved", approver: "ops" });
    expect(shown).toContain("send_email_blast to 500 recipients");
    expect(shown).toContain('"recipient_count":500');
    expect(shown).toContain("approval_required");
  });

  it("rejects on anything else, approves typed JSON as modified arguments", async () => {
    expect((await ask("")).response).toEqual({ status: "rejected", approver: "ops" });
    expect((await ask('{"template":"weekly_update","recipient_count":80,"subject":"Hi"}')).response).toMatchObject({
      status: "approved",
      arguments: { recipient_count: 80 },
    });
    expect((await ask("{nope")).response).toMatchObject({ status: "rejected" });
  });

  it("gives up when the signal aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(ask(undefined, controller.signal)).rejects.toThrow();
  });
});
