import { pollWithGate, streamWithGate } from "../../src/openai/assistants.ts";
import { surfaceSuite } from "./scenarios.ts";

// The run's assistant is the guard's (asst_zzz unless a scenario names another): on this surface the gate reads it from the Run.

surfaceSuite("Assistants runs, polling", {
  surface: "assistants",
  async run(client, guard) {
    const thread = await client.beta.threads.create({ messages: [{ role: "user", content: "Help customer c-1" }] });
    // README: Assistants (polling)
    const started = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: guard.assistantId });
    const { run, outcomes } = await pollWithGate(client, guard, started);
    // end README
    const messages = await client.beta.threads.messages.list(thread.id, { run_id: run.id });
    const text = messages.data[0]?.content[0];
    return { outcomes, text: text?.type === "text" ? text.text.value : "" };
  },
});

surfaceSuite("Assistants runs, streaming", {
  surface: "assistants",
  async run(client, guard) {
    const thread = await client.beta.threads.create({ messages: [{ role: "user", content: "Help customer c-1" }] });
    let text = "";
    // README: Assistants (streaming)
    const { outcomes } = await streamWithGate(client, guard, client.beta.threads.runs.stream(thread.id, { assistant_id: guard.assistantId }), (stream) =>
      stream.on("textDone", (t) => (text += t.value)),
    );
    // end README
    return { outcomes, text };
  },
});
