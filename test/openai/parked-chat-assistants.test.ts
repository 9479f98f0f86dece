import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { pollWithGate, resumeAssistantsRun, streamWithGate } from "../../src/openai/assistants.ts";
import { chatWithGate, resumeChat } from "../../src/openai/chat.ts";
import { parkSuite, type ParkDriver } from "./park-scenarios.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-parked-chat-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sqliteFile = () => `sqlite:${path.join(dir, `approvals-${++n}.db`)}`;

const chat: ParkDriver = {
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

async function lastText(client: Parameters<ParkDriver["start"]>[0], threadId: string, runId: string): Promise<string> {
  const messages = await client.beta.threads.messages.list(threadId, { run_id: runId });
  const text = messages.data[0]?.content[0];
  return text?.type === "text" ? text.text.value : "";
}

function assistants(stream: boolean): ParkDriver {
  return {
    script: "assistants",
    async start(client, guard) {
      const thread = await client.beta.threads.create({ messages: [{ role: "user", content: "Tell every customer about the maintenance" }] });
      const turn = stream
        ? await streamWithGate(client, guard, client.beta.threads.runs.stream(thread.id, { assistant_id: guard.assistantId }))
        : await pollWithGate(client, guard, await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: guard.assistantId }));
      // Parked: the run waits in requires_action on OpenAI's side.
      if (turn.parked) return { text: "", parked: turn.parked.approvalIds, status: turn.run.status };
      return { text: await lastText(client, thread.id, turn.run.id) };
    },
    async resume(client, guard, approvalId, now) {
      const resumed = await resumeAssistantsRun(client, guard, approvalId, now ? { now } : {});
      if (resumed.status !== "resumed") return { status: resumed.status };
      return { status: resumed.status, text: await lastText(client, resumed.run.thread_id, resumed.run.id) };
    },
  };
}

parkSuite("Chat Completions on SQLite", chat, sqliteFile);
parkSuite("Assistants runs, polling, on SQLite", assistants(false), sqliteFile);
parkSuite("Assistants runs, streaming, on SQLite", assistants(true), sqliteFile);
