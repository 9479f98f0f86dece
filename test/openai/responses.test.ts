import { respondWithGate } from "../../src/openai/responses.ts";
import { surfaceSuite } from "./scenarios.ts";

surfaceSuite("Responses", {
  surface: "responses",
  async run(client, guard) {
    // README: Responses
    const { response, outcomes } = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Help customer c-1" });
    // end README
    return { outcomes, text: response.output_text };
  },
});

surfaceSuite("Responses, streaming", {
  surface: "responses",
  async run(client, guard) {
    // README: Responses (streaming)
    const { response, outcomes } = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Help customer c-1" }, { stream: true });
    // end README
    return { outcomes, text: response.output_text };
  },
});
