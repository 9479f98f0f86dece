import type OpenAI from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessage,
  ChatCompletionMessageParam,
  ChatCompletionToolMessageParam,
} from "openai/resources/chat/completions/completions";
import type { ToolCall } from "../gate/tool-call.ts";
import type { CallOutcome, ToolGuard } from "../guard/tool-guard.ts";
import { customToolArguments } from "./custom-tool.ts";

export interface GatedChat {
  /** The assistant message that asked for the calls (append it before the tool messages). */
  message: ChatCompletionMessage | undefined;
  /** One `role: "tool"` message per call, in call order; empty when the model asked for nothing. */
  toolMessages: ChatCompletionToolMessageParam[];
  outcomes: CallOutcome[];
}

/** The completion's tool calls as ToolCalls: assistant_id is the guard's, run_id the completion id. */
export function chatToolCalls(guard: ToolGuard, completion: ChatCompletion): ToolCall[] {
  const ids = {
    surface: "chat" as const,
    assistant_id: guard.assistantId,
    run_id: completion.id,
    ...(guard.context === undefined ? {} : { context: guard.context }),
  };
  return (completion.choices[0]?.message.tool_calls ?? []).map((toolCall) =>
    toolCall.type === "function"
      ? { ...ids, call_id: toolCall.id, name: toolCall.function.name, arguments: toolCall.function.arguments }
      : { ...ids, call_id: toolCall.id, name: toolCall.custom.name, arguments: customToolArguments(toolCall.custom.input) },
  );
}

/** Decides every tool call of the completion's first choice together and answers each with a tool message. */
export async function gateChatCompletion(guard: ToolGuard, completion: ChatCompletion): Promise<GatedChat> {
  const outcomes = await guard.handleAll(chatToolCalls(guard, completion));
  return {
    message: completion.choices[0]?.message,
    toolMessages: outcomes.map((o) => ({ role: "tool", tool_call_id: o.call.call_id, content: o.output })),
    outcomes,
  };
}

/**
 * The whole loop: complete, gate the tool calls, append the assistant message
 * and the tool messages, complete again until the model stops calling tools.
 * Returns the final completion and the full message history.
 */
export async function chatWithGate(
  client: OpenAI,
  guard: ToolGuard,
  params: ChatCompletionCreateParamsNonStreaming,
): Promise<{ completion: ChatCompletion; messages: ChatCompletionMessageParam[]; outcomes: CallOutcome[] }> {
  const messages = [...params.messages];
  const outcomes: CallOutcome[] = [];
  for (;;) {
    const completion = await client.chat.completions.create({ ...params, messages });
    const gated = await gateChatCompletion(guard, completion);
    outcomes.push(...gated.outcomes);
    if (gated.message) messages.push(gated.message);
    if (gated.toolMessages.length === 0) return { completion, messages, outcomes };
    messages.push(...gated.toolMessages);
  }
}
