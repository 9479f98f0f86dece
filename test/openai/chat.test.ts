import { chatWithGate } from "../../src/openai/chat.ts";
import { seedPool } from "./harness.ts";
import { surfaceSuite, type Driver } from "./scenarios.ts";

const chat: Driver = {
  surface: "chat",
  async run(client, guard) {
    // README: Chat Completions
    const { completion, outcomes } = await chatWithGate(client, guard, { model: "gpt-4.1", messages: [{ role: "user", content: "Help customer c-1" }] });
    // end README
    return { outcomes, text: completion.choices[0]?.message.content ?? "" };
  },
};

surfaceSuite("Chat Completions", chat);

// The same scenarios with a GatePool (worker threads) behind the guard: any Decider backs any adapter.
surfaceSuite("Chat Completions on a GatePool", chat, seedPool);
