import { chatWithGate } from "../../src/openai/chat.ts";
import { surfaceSuite } from "./scenarios.ts";

surfaceSuite("Chat Completions", {
  surface: "chat",
  async run(client, guard) {
    // README: Chat Completions
    const { completion, outcomes } = await chatWithGate(client, guard, { model: "gpt-4.1", messages: [{ role: "user", content: "Help customer c-1" }] });
    // end README
    return { outcomes, text: completion.choices[0]?.message.content ?? "" };
  },
});
