import type { ServerResponse } from "node:http";
import { takeTurn, type ServerContext } from "./context.ts";
import { ApiError, isRecord, nowSeconds, objectBody, requiredString, sendJson } from "./http.ts";
import type { HandlerRequest, Route } from "./router.ts";
import type { ResponsesCall } from "./script.ts";
import { SseWriter } from "./sse.ts";

/**
 * Responses API: each POST /v1/responses plays the next `responses` turn.
 *
 * Clients continue either statefully (`previous_response_id` + only the new
 * input items) or statelessly (the whole history as input, as the Agents SDK
 * does by default). Both are checked the way the API checks them: every
 * function / custom tool call being answered needs an output item.
 */

type Json = Record<string, unknown>;

/** Input item types the model produced; what follows the last of them is the client's new submission. */
const MODEL_ITEM_TYPES = new Set(["function_call", "custom_tool_call", "mcp_approval_request", "reasoning", "mcp_call"]);

interface PendingCall {
  readonly callId: string;
  readonly kind: "function" | "custom";
}

export function responsesRoutes(ctx: ServerContext): Route[] {
  /** Calls each stored response left for the client to answer, by response id. */
  const pendingByResponse = new Map<string, PendingCall[]>();

  function create(req: HandlerRequest, res: ServerResponse): void {
    const body = objectBody(req.body);
    const model = requiredString(body, "model");
    const input = inputItems(body["input"]);
    const previousId = body["previous_response_id"];
    let pending: PendingCall[] = [];
    if (typeof previousId === "string") {
      const previous = pendingByResponse.get(previousId);
      if (previous === undefined) {
        throw new ApiError(400, `Previous response with id '${previousId}' not found.`, { param: "previous_response_id" });
      }
      pending = previous;
    }
    checkCallsAnswered([...pending, ...callsIn(input)], input);
    record(ctx, req.index, newSubmission(input));

    const turn = takeTurn(ctx, "responses");
    const output: Json[] = [];
    if (turn.text !== undefined) output.push(messageItem(ctx.ids.next("msg"), turn.text));
    for (const c of turn.calls ?? []) output.push(callItem(ctx, c));
    const response: Json = {
      id: ctx.ids.next("resp"),
      object: "response",
      created_at: nowSeconds(),
      status: "completed",
      completed_at: nowSeconds(),
      error: null,
      incomplete_details: null,
      instructions: body["instructions"] ?? null,
      metadata: body["metadata"] ?? {},
      model,
      output,
      parallel_tool_calls: body["parallel_tool_calls"] ?? true,
      previous_response_id: previousId ?? null,
      temperature: body["temperature"] ?? 1,
      tool_choice: body["tool_choice"] ?? "auto",
      tools: body["tools"] ?? [],
      top_p: body["top_p"] ?? 1,
      store: body["store"] ?? true,
      text: body["text"] ?? { format: { type: "text" } },
      truncation: body["truncation"] ?? "disabled",
      usage: {
        input_tokens: 0,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 0,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 0,
      },
    };
    pendingByResponse.set(String(response["id"]), callsIn(output));

    if (body["stream"] === true) stream(res, response);
    else sendJson(res, 200, response);
  }

  return [{ method: "POST", pattern: "/v1/responses", handle: create }];
}

/** `input` as a list of items; a bare string is one user message. */
function inputItems(input: unknown): Json[] {
  if (input === undefined || input === null) return [];
  if (typeof input === "string") return [{ type: "message", role: "user", content: input }];
  if (!Array.isArray(input) || !input.every(isRecord)) {
    throw new ApiError(400, "Invalid 'input': expected a string or an array of input items.", { param: "input" });
  }
  return input;
}

function callsIn(items: readonly Json[]): PendingCall[] {
  return items.flatMap((item): PendingCall[] => {
    if (item["type"] === "function_call") return [{ callId: String(item["call_id"]), kind: "function" }];
    if (item["type"] === "custom_tool_call") return [{ callId: String(item["call_id"]), kind: "custom" }];
    return [];
  });
}

function checkCallsAnswered(calls: readonly PendingCall[], input: readonly Json[]): void {
  const answered = new Set(
    input.filter((i) => i["type"] === "function_call_output" || i["type"] === "custom_tool_call_output").map((i) => i["call_id"]),
  );
  const missing = calls.find((c) => !answered.has(c.callId));
  if (missing !== undefined) {
    const what = missing.kind === "custom" ? "custom tool call" : "function call";
    throw new ApiError(400, `No tool output found for ${what} ${missing.callId}.`, { param: "input" });
  }
}

/** The items after the last model-produced one: what the client added this request. */
function newSubmission(input: readonly Json[]): Json[] {
  const lastModelItem = input.findLastIndex(
    (item) => MODEL_ITEM_TYPES.has(String(item["type"])) || (item["type"] === "message" && item["role"] === "assistant"),
  );
  return input.slice(lastModelItem + 1);
}

function record(ctx: ServerContext, request: number, items: readonly Json[]): void {
  for (const item of items) {
    const type = item["type"];
    if (type === "function_call_output" || type === "custom_tool_call_output") {
      ctx.recorder.toolOutputs.push({
        surface: "responses",
        request,
        callId: String(item["call_id"]),
        output: item["output"],
        kind: type === "custom_tool_call_output" ? "custom" : "function",
      });
    } else if (type === "mcp_approval_response") {
      ctx.recorder.approvals.push({
        request,
        approvalRequestId: String(item["approval_request_id"]),
        approve: item["approve"] === true,
        ...(typeof item["reason"] === "string" ? { reason: item["reason"] } : {}),
      });
    } else if ((type === undefined || type === "message") && typeof item["role"] === "string") {
      ctx.recorder.messages.push({ surface: "responses", request, role: item["role"], content: item["content"] });
    }
  }
}

function messageItem(id: string, text: string): Json {
  return {
    type: "message",
    id,
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
  };
}

function callItem(ctx: ServerContext, c: ResponsesCall): Json {
  switch (c.kind) {
    case "function":
      return {
        type: "function_call",
        id: ctx.ids.next("fc"),
        call_id: c.callId ?? ctx.ids.next("call"),
        name: c.name,
        arguments: c.arguments,
        status: "completed",
      };
    case "custom":
      return { type: "custom_tool_call", id: ctx.ids.next("ctc"), call_id: c.callId ?? ctx.ids.next("call"), name: c.name, input: c.input };
    case "mcp_approval_request":
      return {
        type: "mcp_approval_request",
        id: c.id ?? ctx.ids.next("mcpr"),
        server_label: c.serverLabel,
        name: c.name,
        arguments: c.arguments,
      };
  }
}

/** Streams `response` the way the API builds it: lifecycle events around per-item added/delta/done events. */
function stream(res: ServerResponse, response: Json): void {
  const sse = new SseWriter(res);
  let sequence = 0;
  const emit = (type: string, fields: Json): void => sse.event(type, { type, sequence_number: sequence++, ...fields });
  const inProgress = { ...response, status: "in_progress", completed_at: null, output: [], usage: null };
  emit("response.created", { response: inProgress });
  emit("response.in_progress", { response: inProgress });
  (response["output"] as Json[]).forEach((item, outputIndex) => {
    const at = { item_id: item["id"], output_index: outputIndex };
    switch (item["type"]) {
      case "message": {
        const part = (item["content"] as Json[])[0] as Json;
        const text = String(part["text"]);
        emit("response.output_item.added", { output_index: outputIndex, item: { ...item, status: "in_progress", content: [] } });
        emit("response.content_part.added", { ...at, content_index: 0, part: { ...part, text: "" } });
        emit("response.output_text.delta", { ...at, content_index: 0, delta: text, logprobs: [] });
        emit("response.output_text.done", { ...at, content_index: 0, text, logprobs: [] });
        emit("response.content_part.done", { ...at, content_index: 0, part });
        break;
      }
      case "function_call":
        emit("response.output_item.added", { output_index: outputIndex, item: { ...item, arguments: "", status: "in_progress" } });
        emit("response.function_call_arguments.delta", { ...at, delta: item["arguments"] });
        emit("response.function_call_arguments.done", { ...at, name: item["name"], arguments: item["arguments"] });
        break;
      case "custom_tool_call":
        emit("response.output_item.added", { output_index: outputIndex, item: { ...item, input: "" } });
        emit("response.custom_tool_call_input.delta", { ...at, delta: item["input"] });
        emit("response.custom_tool_call_input.done", { ...at, input: item["input"] });
        break;
      default:
        // An approval request arrives whole; there is nothing to stream piecemeal.
        emit("response.output_item.added", { output_index: outputIndex, item });
    }
    emit("response.output_item.done", { output_index: outputIndex, item });
  });
  emit("response.completed", { response });
  sse.end("none");
}
