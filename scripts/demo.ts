/**
 * `make demo`: one support-desk conversation per OpenAI surface, driven by the
 * real openai SDK against the local scripted server, every tool call decided
 * by the seed policy (build/bundle.tar.gz, built by `policy build`; built here
 * when missing). Prints what was decided, what ran, and what the model was told.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Agent, OpenAIProvider, Runner } from "@openai/agents";
import OpenAI from "openai";
import { callbackApprover } from "../src/approval/callback.ts";
import { call, start, type Script } from "../src/dev/openai-server/index.ts";
import { Gate } from "../src/gate/gate.ts";
import type { ToolDeclaration } from "../src/gate/tool-call.ts";
import { gatedAgentTools } from "../src/openai/agents.ts";
import { ToolGuard, type CallOutcome, type ToolMap } from "../src/guard/tool-guard.ts";
import { pollWithGate, streamWithGate } from "../src/openai/assistants.ts";
import { chatWithGate } from "../src/openai/chat.ts";
import { respondWithGate } from "../src/openai/responses.ts";
import { compileBundle } from "../src/policy/compile.ts";

const root = path.resolve(import.meta.dirname, "..");
const bundle = path.join(root, "build", "bundle.tar.gz");
if (!existsSync(bundle)) await compileBundle({ regoDir: path.join(root, "rego"), out: bundle });
const declarations = JSON.parse(await readFile(path.join(root, "rego", "tools.json"), "utf8")) as ToolDeclaration[];
const gate = await Gate.open(bundle, { tools: declarations });

// The support desk's tools: they only describe what they would do.
const tools: ToolMap = {
  get_customer: ({ customer_id }) => ({ customer_id, name: "Ada Lovelace", plan: "pro" }),
  delete_customer: ({ customer_id }) => `deleted ${String(customer_id)}`,
  refund_order: ({ order_id, amount }) => ({ refunded: amount, order_id }),
  post_message: ({ channel }) => ({ posted: true, channel }),
  send_email_blast: ({ recipient_count }) => ({ queued: recipient_count }),
  create_ticket: () => {
    throw new Error("ticketing backend unavailable");
  },
};
// The on-call human: approves the maintenance notice, rejects anything else.
const approver = callbackApprover(({ arguments: args }) =>
  args.template === "maintenance_notice" ? { status: "approved", approver: "oncall@yourcompany.com" } : { status: "rejected", approver: "oncall@yourcompany.com" },
);
const guard = new ToolGuard({
  gate,
  tools,
  approver,
  assistantId: "asst_abc123",
  onEvent: (e) => {
    if (e.type === "tool_error") console.log(`  ! audit: ${e.call.name} threw: ${(e.error as Error).message}`);
  },
});

const SECRET = "sk-abcdefghijklmnopqrstuvwx";
const blast = (template: string) => JSON.stringify({ template, recipient_count: 500, subject: "Tonight" });
const script: Script = {
  assistants: [
    { calls: [call("get_customer", '{"customer_id":"c-1"}'), call("delete_customer", '{"customer_id":"c-1"}')] },
    { text: "Here is the customer; I may not delete them." },
    { calls: [call("post_message", JSON.stringify({ channel: "#ops", text: `rotated key ${SECRET}` }))] },
    { text: "Posted to #ops." },
  ],
  responses: [
    { calls: [call("send_email_blast", blast("maintenance_notice")), call("refund_order", '{"order_id":"o-1","amount":900}')] },
    { text: "Notice sent; the refund is above my limit." },
    { calls: [call("refund_order", '{"order_id":"o-2","amount":80}'), call("create_ticket", '{"customer_id":"c-1","summary":"refund"}')] },
    { text: "Refunded; the ticket system is down." },
  ],
  chat: [{ calls: [call("send_email_blast", blast("spring_promo"))] }, { text: "The promotion was not approved." }],
};
const server = await start({ script });
const client = new OpenAI({ apiKey: "demo", baseURL: `${server.url}/v1`, maxRetries: 0 });

function show(surface: string, outcomes: CallOutcome[]): void {
  for (const o of outcomes) {
    const reasons = o.decision.reasons.map((r) => r.code).join(", ") || "-";
    console.log(`\n[${surface}] ${o.call.name} ${o.call.arguments}`);
    console.log(`  decision  ${o.decision.effect} (${reasons})${o.recheck ? `; re-check ${o.recheck.effect}` : ""}`);
    if (o.approval) console.log(`  approval  ${o.approval.status}${o.approval.approver ? ` by ${o.approval.approver}` : ""}`);
    console.log(`  tool      ${o.arguments ? `ran with ${JSON.stringify(o.arguments)}` : "did not run"}`);
    console.log(`  model got ${o.output}`);
  }
}

try {
  const thread = await client.beta.threads.create({ messages: [{ role: "user", content: "Look up c-1, then delete them." }] });
  const polled = await pollWithGate(client, guard, await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: "asst_abc123" }));
  show("assistants, polling", polled.outcomes);

  await client.beta.threads.messages.create(thread.id, { role: "user", content: "Tell #ops the new key." });
  const streamed = await streamWithGate(client, guard, client.beta.threads.runs.stream(thread.id, { assistant_id: "asst_abc123" }));
  show("assistants, streaming", streamed.outcomes);

  const responded = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Send the maintenance notice and refund o-1 in full." });
  show("responses", responded.outcomes);

  const agentOutcomes: CallOutcome[] = [];
  const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: true }), tracingDisabled: true });
  const agent = new Agent({ name: "support", model: "gpt-4.1", tools: gatedAgentTools(guard, declarations, { onOutcome: (o) => agentOutcomes.push(o) }) });
  await runner.run(agent, "Refund o-2 and open a ticket.");
  show("agents (Responses)", agentOutcomes);

  const chatted = await chatWithGate(client, guard, { model: "gpt-4.1", messages: [{ role: "user", content: "Announce the spring promo to everyone." }] });
  show("chat", chatted.outcomes);
} finally {
  await server.close();
}
