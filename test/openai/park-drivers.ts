import type OpenAI from "openai";
import { pollWithGate, resumeAssistantsRun, streamWithGate } from "../../src/openai/assistants.ts";
import { chatWithGate, resumeChat } from "../../src/openai/chat.ts";
import { respondWithGate, resumeResponse } from "../../src/openai/responses.ts";
import type { ParkDriver } from "./park-scenarios.ts";

/** Responses: respondWithGate parks, resumeResponse continues with previous_response_id. */
export function responsesDriver(stream: boolean): ParkDriver {
  return {
    script: "responses",
    async start(client, guard) {
      const run = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Tell every customer about the maintenance" }, { stream });
      return { text: run.response.output_text, ...(run.parked ? { parked: run.parked.approvalIds } : {}) };
    },
    async resume(client, guard, approvalId, now) {
      const resumed = await resumeResponse(client, guard, approvalId, now ? { now } : {});
      return resumed.status === "resumed" ? { status: resumed.status, text: resumed.response.output_text } : { status: resumed.status };
    },
  };
}

/** Chat Completions: chatWithGate parks the message list, resumeChat appends the tool messages and completes again. */
export const chatDriver: ParkDriver = {
  script: "chat",
  async start(client, guard) {
    const run = await chatWithGate(client, guard, { model: "gpt-4.1", messages: [{ role: "user", content: "Tell every customer about the maintenance" }] });
    return { text: run.completion.choices[0]?.message.content ?? "", ...(run.parked ? { parked: run.parked.approvalIds } : {}) };
  },
  async resume(client, guard, approvalId, now) {
    const resumed = await resumeChat(client, guard, approvalId, now ? { now } : {});
    return resumed.status === "resumed" ? { status: resumed.status, text: resumed.completion.choices[0]?.message.content ?? "" } : { status: resumed.status };
  },
};

async function lastText(client: OpenAI, threadId: string, runId: string): Promise<string> {
  const messages = await client.beta.threads.messages.list(threadId, { run_id: runId });
  const text = messages.data[0]?.content[0];
  return text?.type === "text" ? text.text.value : "";
}

/** Assistants: the run stays in requires_action while parked; resumeAssistantsRun submits every output. */
export function assistantsDriver(stream: boolean): ParkDriver {
  return {
    script: "assistants",
    async start(client, guard) {
      const thread = await client.beta.threads.create({ messages: [{ role: "user", content: "Tell every customer about the maintenance" }] });
      const turn = stream
        ? await streamWithGate(client, guard, client.beta.threads.runs.stream(thread.id, { assistant_id: guard.assistantId }))
        : await pollWithGate(client, guard, await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: guard.assistantId }));
      if (turn.parked) return { text: "", parked: turn.parked.approvalIds };
      return { text: await lastText(client, thread.id, turn.run.id) };
    },
    async resume(client, guard, approvalId, now) {
      const resumed = await resumeAssistantsRun(client, guard, approvalId, now ? { now } : {});
      if (resumed.status !== "resumed") return { status: resumed.status };
      return { status: resumed.status, text: await lastText(client, resumed.run.thread_id, resumed.run.id) };
    },
  };
}
