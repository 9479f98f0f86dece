import type { ServerResponse } from "node:http";
import { takeTurn, type ServerContext } from "./context.ts";
import { ApiError, isRecord, nowSeconds, objectBody, optionalArray, requiredString, sendJson } from "./http.ts";
import type { HandlerRequest, Route } from "./router.ts";
import { SseWriter } from "./sse.ts";

/**
 * Chat Completions: each POST /v1/chat/completions plays the next `chat` turn.
 * The API is stateless, so every request resends the history; only messages
 * after the last assistant message are recorded, which records each tool
 * result and user message exactly once.
 */

type Json = Record<string, unknown>;

export function chatRoutes(ctx: ServerContext): Route[] {
  function create(req: HandlerRequest, res: ServerResponse): void {
    const body = objectBody(req.body);
    const model = requiredString(body, "model");
    const messages = optionalArray(body, "messages");
    if (messages.length === 0) throw new ApiError(400, "Missing required parameter: 'messages'.", { param: "messages" });
    if (!messages.every(isRecord)) throw new ApiError(400, "Invalid 'messages': expected an array of objects.", { param: "messages" });
    checkToolPairing(messages);

    const lastAssistant = messages.findLastIndex((m) => m["role"] === "assistant");
    for (const message of messages.slice(lastAssistant + 1)) {
      if (message["role"] === "tool") {
        ctx.recorder.toolOutputs.push({
          surface: "chat",
          request: req.index,
          callId: String(message["tool_call_id"]),
          output: message["content"],
          kind: "function",
        });
      } else {
        ctx.recorder.messages.push({ surface: "chat", request: req.index, role: String(message["role"]), content: message["content"] });
      }
    }

    const turn = takeTurn(ctx, "chat");
    const toolCalls = (turn.calls ?? []).map((c) => ({
      id: c.callId ?? ctx.ids.next("call"),
      type: "function",
      function: { name: c.name, arguments: c.arguments },
    }));
    const completion = {
      id: ctx.ids.next("chatcmpl"),
      created: nowSeconds(),
      model,
      system_fingerprint: "fp_scripted",
    };
    const finishReason = toolCalls.length > 0 ? "tool_calls" : "stop";

    if (body["stream"] !== true) {
      const message: Json = { role: "assistant", content: turn.text ?? null, refusal: null, annotations: [] };
      if (toolCalls.length > 0) message["tool_calls"] = toolCalls;
      sendJson(res, 200, {
        ...completion,
        object: "chat.completion",
        choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      });
      return;
    }

    const sse = new SseWriter(res);
    const chunk = (delta: Json, finish: string | null = null): void =>
      sse.data({ ...completion, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    chunk({ role: "assistant", content: "", refusal: null });
    if (turn.text !== undefined) chunk({ content: turn.text });
    toolCalls.forEach((toolCall, index) => {
      // Like the API: identity and name first, then the arguments as a separate fragment.
      chunk({ tool_calls: [{ index, id: toolCall.id, type: "function", function: { name: toolCall.function.name, arguments: "" } }] });
      chunk({ tool_calls: [{ index, function: { arguments: toolCall.function.arguments } }] });
    });
    chunk({}, finishReason);
    sse.end("data");
  }

  return [{ method: "POST", pattern: "/v1/chat/completions", handle: create }];
}

/**
 * The API's own history check: an assistant message with `tool_calls` must be
 * followed by a `tool` message for each call id, and a `tool` message must
 * answer such a call.
 */
function checkToolPairing(messages: readonly Json[]): void {
  let open: { index: number; ids: Set<string> } | undefined;
  const close = (): void => {
    if (open !== undefined && open.ids.size > 0) {
      throw new ApiError(
        400,
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open.ids].join(", ")}`,
        { param: `messages.[${open.index}].role` },
      );
    }
    open = undefined;
  };
  messages.forEach((message, index) => {
    if (message["role"] === "tool") {
      const id = String(message["tool_call_id"]);
      if (open === undefined || !open.ids.delete(id)) {
        throw new ApiError(400, "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", {
          param: `messages.[${index}].role`,
        });
      }
      return;
    }
    close();
    const calls = message["role"] === "assistant" && Array.isArray(message["tool_calls"]) ? message["tool_calls"] : [];
    if (calls.length > 0) open = { index, ids: new Set(calls.filter(isRecord).map((c) => String(c["id"]))) };
  });
  close();
}
