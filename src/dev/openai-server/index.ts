/** A scripted, OpenAI-compatible HTTP server for driving the real `openai` SDK in tests and demos. */
export { start, type OpenAIServer, type StartOptions } from "./server.ts";
export { call, type CustomToolCall, type FunctionCall, type McpApprovalRequest, type ResponsesCall, type Script, type Surface, type Turn } from "./script.ts";
export type { RecordedApproval, RecordedMessage, RecordedRequest, RecordedToolOutput, Recording } from "./recording.ts";
