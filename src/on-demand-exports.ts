// The package entry's async functions that are not on a gate's path, each
// importing its module on first call: `import "toolgate"` in a serverless host
// that only opens a Gate and decides does not load the OpenAI adapters, the
// log reader and verifier, or replay. Each has the type of the function it
// forwards to; classes and constants are exported from their own modules.
import type * as Assistants from "./openai/assistants.ts";
import type * as Chat from "./openai/chat.ts";
import type * as Responses from "./openai/responses.ts";
import type * as ReadLog from "./audit/read-log.ts";
import type * as VerifyLog from "./audit/verify-log.ts";
import type * as Replay from "./replay/replay.ts";

const assistants = () => import("./openai/assistants.ts");
const responses = () => import("./openai/responses.ts");
const chat = () => import("./openai/chat.ts");

export const gateRequiredAction: typeof Assistants.gateRequiredAction = async (...args) => (await assistants()).gateRequiredAction(...args);
export const pollWithGate: typeof Assistants.pollWithGate = async (...args) => (await assistants()).pollWithGate(...args);
export const streamWithGate: typeof Assistants.streamWithGate = async (...args) => (await assistants()).streamWithGate(...args);
export const resumeAssistantsRun: typeof Assistants.resumeAssistantsRun = async (...args) => (await assistants()).resumeAssistantsRun(...args);
export const resumeDueAssistantsRuns: typeof Assistants.resumeDueAssistantsRuns = async (...args) => (await assistants()).resumeDueAssistantsRuns(...args);

export const respondWithGate: typeof Responses.respondWithGate = async (...args) => (await responses()).respondWithGate(...args);
export const gateResponse: typeof Responses.gateResponse = async (...args) => (await responses()).gateResponse(...args);
export const gateResponseStream: typeof Responses.gateResponseStream = async (...args) => (await responses()).gateResponseStream(...args);
export const resumeResponse: typeof Responses.resumeResponse = async (...args) => (await responses()).resumeResponse(...args);

export const chatWithGate: typeof Chat.chatWithGate = async (...args) => (await chat()).chatWithGate(...args);
export const gateChatCompletion: typeof Chat.gateChatCompletion = async (...args) => (await chat()).gateChatCompletion(...args);
export const resumeChat: typeof Chat.resumeChat = async (...args) => (await chat()).resumeChat(...args);

export async function* readLog(...args: Parameters<typeof ReadLog.readLog>): ReturnType<typeof ReadLog.readLog> {
  yield* (await import("./audit/read-log.ts")).readLog(...args);
}
export const verifyLog: typeof VerifyLog.verifyLog = async (...args) => (await import("./audit/verify-log.ts")).verifyLog(...args);
export const replayLog: typeof Replay.replayLog = async (...args) => (await import("./replay/replay.ts")).replayLog(...args);
