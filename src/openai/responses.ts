import type OpenAI from "openai";
import type { ResponseStream } from "openai/lib/responses/ResponseStream";
import type {
  Response,
  ResponseCreateParamsNonStreaming,
  ResponseInputItem,
  ResponseOutputItem,
} from "openai/resources/responses/responses";
import { sameArguments } from "../approval/binding.ts";
import type { ToolCall } from "../gate/tool-call.ts";
import type { CallOutcome, ToolGuard } from "../guard/tool-guard.ts";
import { scanJson } from "../json/scan-json.ts";
import { customToolArguments } from "./custom-tool.ts";

export interface GatedResponse {
  /** Items to send back: function_call_output, custom_tool_call_output, mcp_approval_response; empty when the model asked for nothing. */
  input: ResponseInputItem[];
  outcomes: CallOutcome[];
}

type GatedItem = Extract<ResponseOutputItem, { type: "function_call" | "custom_tool_call" | "mcp_approval_request" }>;

function isGated(item: ResponseOutputItem): item is GatedItem {
  return item.type === "function_call" || item.type === "custom_tool_call" || item.type === "mcp_approval_request";
}

/**
 * The ToolCall for one output item. Responses has no assistant, so
 * assistant_id is the guard's; run_id is the response id and thread_id the
 * conversation id when there is one. A hosted MCP call is named by its
 * server label and tool name together (tool_type "mcp"): the policy's
 * mcp_servers decide it, never the function tool of the same name.
 */
export function responsesToolCall(guard: ToolGuard, response: Pick<Response, "id" | "conversation">, item: GatedItem): ToolCall {
  const ids = {
    surface: "responses" as const,
    assistant_id: guard.assistantId,
    run_id: response.id,
    ...(response.conversation ? { thread_id: response.conversation.id } : {}),
    ...(guard.context === undefined ? {} : { context: guard.context }),
  };
  switch (item.type) {
    case "function_call":
      return { ...ids, call_id: item.call_id, name: item.name, arguments: item.arguments };
    case "custom_tool_call":
      return { ...ids, call_id: item.call_id, name: item.name, arguments: customToolArguments(item.input) };
    case "mcp_approval_request":
      return { ...ids, call_id: item.id, tool_type: "mcp", server_label: item.server_label, name: item.name, arguments: item.arguments };
  }
}

/** Decides one item and builds its answer. */
async function answer(guard: ToolGuard, response: Pick<Response, "id" | "conversation">, item: GatedItem): Promise<{ input: ResponseInputItem; outcome: CallOutcome }> {
  const call = responsesToolCall(guard, response, item);
  if (item.type === "mcp_approval_request") return answerMcp(guard, call, item.id);
  const outcome = await guard.handle(call);
  const input: ResponseInputItem =
    item.type === "function_call"
      ? { type: "function_call_output", call_id: item.call_id, output: outcome.output }
      : { type: "custom_tool_call_output", call_id: item.call_id, output: outcome.output };
  return { input, outcome };
}

/**
 * A hosted MCP call runs on OpenAI's side with the model's arguments, which
 * we cannot change: it is approved only if the policy lets it run with exactly
 * those arguments (a sanitize that redacted something, or an approver's
 * modification, rejects it).
 */
async function answerMcp(guard: ToolGuard, call: ToolCall, approvalRequestId: string): Promise<{ input: ResponseInputItem; outcome: CallOutcome }> {
  const authorization = await guard.authorize(call);
  let approve = false;
  let outcome: CallOutcome;
  if (authorization.kind === "refused") {
    outcome = authorization.outcome;
  } else {
    const { decision, recheck, approval } = authorization;
    // The MCP server gets the raw text, not our value: compare with the raw text read by the gate's own
    // strict decoder (V8's JSON.parse can misread escaped keys; the gate already refused duplicate keys).
    const raw = scanJson(call.arguments);
    approve = raw.ok && sameArguments(authorization.arguments, raw.value as Record<string, unknown>);
    const base = { call, decision, ...(recheck ? { recheck } : {}), ...(approval ? { approval } : {}) };
    outcome = approve
      ? { ...base, status: "delegated", output: "approved" }
      : { ...base, status: "denied", output: "the policy allows this call only with changed arguments, which a hosted MCP call cannot take" };
  }
  const reason = approve ? {} : { reason: outcome.output };
  return { input: { type: "mcp_approval_response", approval_request_id: approvalRequestId, approve, ...reason }, outcome };
}

/** Decides every call item of a response together; the answers come back in output order. */
export async function gateResponse(guard: ToolGuard, response: Response): Promise<GatedResponse> {
  const answered = await Promise.all(response.output.filter(isGated).map((item) => answer(guard, response, item)));
  return { input: answered.map((a) => a.input), outcomes: answered.map((a) => a.outcome) };
}

/**
 * Reads a Responses stream, deciding each call as soon as its
 * `response.output_item.done` arrives (tools start while the model is still
 * streaming), and returns the final response with all the answers.
 */
export async function gateResponseStream(guard: ToolGuard, stream: ResponseStream): Promise<GatedResponse & { response: Response }> {
  const answers: Promise<{ input: ResponseInputItem; outcome: CallOutcome }>[] = [];
  let ids: Pick<Response, "id" | "conversation"> | undefined;
  for await (const event of stream) {
    if (event.type === "response.created") ids = event.response;
    if (event.type === "response.output_item.done" && isGated(event.item) && ids) answers.push(answer(guard, ids, event.item));
  }
  const response = await stream.finalResponse();
  const answered = await Promise.all(answers);
  return { response, input: answered.map((a) => a.input), outcomes: answered.map((a) => a.outcome) };
}

/**
 * The whole loop: create a response, gate its calls, continue with
 * previous_response_id until the model stops calling tools.
 */
export async function respondWithGate(
  client: OpenAI,
  guard: ToolGuard,
  params: ResponseCreateParamsNonStreaming,
  options: { stream?: boolean } = {},
): Promise<{ response: Response; outcomes: CallOutcome[] }> {
  const outcomes: CallOutcome[] = [];
  let next: ResponseCreateParamsNonStreaming = params;
  for (;;) {
    const gated = options.stream ? await gateResponseStream(guard, client.responses.stream({ ...next, stream: true })) : await createAndGate(client, guard, next);
    outcomes.push(...gated.outcomes);
    if (gated.input.length === 0) return { response: gated.response, outcomes };
    next = { ...params, previous_response_id: gated.response.id, input: gated.input };
  }
}

async function createAndGate(client: OpenAI, guard: ToolGuard, params: ResponseCreateParamsNonStreaming): Promise<GatedResponse & { response: Response }> {
  const response = await client.responses.create(params);
  return { response, ...(await gateResponse(guard, response)) };
}
