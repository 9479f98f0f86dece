/**
 * The gate against the real Responses API. Needs OPENAI_API_KEY and a built
 * bundle (`make build-policy` / `node src/cli/main.ts build`). Run:
 *   OPENAI_API_KEY=... node examples/responses-live.ts
 * Approvals are asked at this terminal.
 */
import { readFile } from "node:fs/promises";
import OpenAI from "openai";
import { TerminalApprover } from "../src/approval/terminal.ts";
import { Gate } from "../src/gate/gate.ts";
import type { ToolDeclaration } from "../src/gate/tool-call.ts";
import { ToolGuard } from "../src/guard/tool-guard.ts";
import { respondWithGate } from "../src/openai/responses.ts";

if (!process.env.OPENAI_API_KEY) {
  console.error("Set OPENAI_API_KEY to run this example against the real Responses API.");
  process.exit(2);
}
const declarations = JSON.parse(await readFile("rego/tools.json", "utf8")) as ToolDeclaration[];
const gate = await Gate.open("build/bundle.tar.gz", { tools: declarations });
const guard = new ToolGuard({
  gate,
  assistantId: "asst_abc123",
  approver: new TerminalApprover(),
  tools: {
    get_customer: ({ customer_id }) => ({ customer_id, name: "Ada Lovelace", plan: "pro" }),
    refund_order: ({ order_id, amount }) => ({ refunded: amount, order_id }),
    send_email_blast: ({ recipient_count }) => ({ queued: recipient_count }),
    post_message: ({ channel }) => ({ posted: true, channel }),
  },
});

// Responses takes function tools flat: {type, name, parameters}, not nested under `function`.
const tools: OpenAI.Responses.FunctionTool[] = declarations.map(({ function: fn }) => ({
  type: "function",
  name: fn.name,
  description: fn.description ?? null,
  parameters: fn.parameters ?? null,
  strict: false,
}));
const client = new OpenAI();
const { response, outcomes } = await respondWithGate(client, guard, {
  model: process.env.OPENAI_MODEL ?? "gpt-4.1-mini",
  tools,
  input: process.argv[2] ?? "Look up customer c-1, refund order o-1 for 900, and email all 500 customers about tonight's maintenance.",
});
for (const o of outcomes) console.log(`${o.call.name}: ${o.decision.effect} -> ${o.status}: ${o.output}`);
console.log(`\n${response.output_text}`);
