/**
 * A scripted, OpenAI-compatible HTTP server for driving the real `openai` SDK
 * in tests and demos.
 *
 *   const server = await start({ script: { chat: [{ calls: [call("rm", '{"path":"/"}')] }, { text: "Done." }] } });
 *   const client = new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1` });
 *   // ...drive the client...
 *   server.toolOutputs; // what the client answered, per call id
 *   await server.close();
 */
export { start, type OpenAIServer, type StartOptions } from "./server.ts";
export { call, type CustomToolCall, type FunctionCall, type McpApprovalRequest, type ResponsesCall, type Script, type Surface, type Turn } from "./script.ts";
export type { RecordedApproval, RecordedMessage, RecordedRequest, RecordedToolOutput, Recording } from "./recording.ts";
