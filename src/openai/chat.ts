import type OpenAI from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessage,
  ChatCompletionMessageParam,
  ChatCompletionToolMessageParam,
} from "openai/resources/chat/completions/completions";
import { ApprovalStateError } from "../approval/errors.ts";
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

/** How a Chat Completions run loop ended: the model stopped calling tools, or calls wait for a person. */
export interface ChatRun {
  completion: ChatCompletion;
  messages: ChatCompletionMessageParam[];
  outcomes: CallOutcome[];
  /** Set when the run parked: the approval ids of the turn's calls that wait (resume with resumeChat and any of them). */
  parked?: { approvalIds: string[] };
}

/** One tool message of a parked turn: written already, or supplied by the parked call at this index on resume. */
type Slot = { readonly message: ChatCompletionToolMessageParam } | { readonly parked: number };

/** What a parked Chat Completions turn stores: the history up to the assistant message and the other calls' answers. */
interface ParkedChat {
  readonly surface: "chat";
  readonly params: Omit<ChatCompletionCreateParamsNonStreaming, "messages">;
  readonly messages: ChatCompletionMessageParam[];
  readonly slots: readonly Slot[];
}

/**
 * The whole loop: complete, gate the tool calls, append the assistant message
 * and the tool messages, complete again until the model stops calling tools.
 * Returns the final completion and the full message history. With a parking
 * guard (ToolGuard approvalStore), a turn with calls that need a person runs
 * its other calls, stores the history and their answers, and returns `parked`.
 */
export async function chatWithGate(client: OpenAI, guard: ToolGuard, params: ChatCompletionCreateParamsNonStreaming): Promise<ChatRun> {
  return loop(client, guard, params, [...params.messages], []);
}

async function loop(
  client: OpenAI,
  guard: ToolGuard,
  params: ChatCompletionCreateParamsNonStreaming,
  messages: ChatCompletionMessageParam[],
  outcomes: CallOutcome[],
): Promise<ChatRun> {
  for (;;) {
    const completion = await client.chat.completions.create({ ...params, messages });
    const message = completion.choices[0]?.message;
    const answered = await guard.handleTurn(chatToolCalls(guard, completion));
    if (message) messages.push(message);
    const slots: Slot[] = [];
    const parking = [];
    for (const a of answered) {
      if ("park" in a) {
        slots.push({ parked: parking.length });
        parking.push(a.park);
      } else {
        outcomes.push(a.outcome);
        slots.push({ message: toolMessage(a.outcome) });
      }
    }
    if (parking.length > 0) {
      const { messages: _messages, ...rest } = params;
      const data: ParkedChat = { surface: "chat", params: rest, messages, slots };
      const parked = await guard.parkOrRefuse(parking, data);
      if ("approvalIds" in parked) return { completion, messages, outcomes, parked };
      outcomes.push(...parked.refused);
      for (const slot of slots) messages.push("message" in slot ? slot.message : toolMessage(parked.refused[slot.parked]!));
      continue;
    }
    if (slots.length === 0) return { completion, messages, outcomes };
    for (const slot of slots) if ("message" in slot) messages.push(slot.message);
  }
}

function toolMessage(outcome: CallOutcome): ChatCompletionToolMessageParam {
  return { role: "tool", tool_call_id: outcome.call.call_id, content: outcome.output };
}

/** What resuming a parked Chat Completions run did. */
export type ResumedChat = { status: "pending"; pending: readonly string[] } | { status: "resumed_elsewhere" } | ({ status: "resumed" } & ChatRun);

/**
 * Continues a run chatWithGate parked, named by any approval id of its parked
 * turn, on any guard with the same approval store: once every approval of the
 * turn is decided, exactly one caller answers the parked calls (approved: run
 * once, after the gate decides them again; rejected or expired: the
 * rejection), appends every tool message of the turn in call order and runs
 * the loop on (it may park again).
 */
export async function resumeChat(client: OpenAI, guard: ToolGuard, approvalId: string, options: { now?: Date } = {}): Promise<ResumedChat> {
  const resumed = await guard.resumeTurn(approvalId, options);
  if (resumed.status !== "resumed") return resumed;
  const data = resumed.data as ParkedChat;
  if (data?.surface !== "chat") throw new ApprovalStateError("approval_not_resumable", `Approval ${approvalId} parked a ${String(data?.surface)} run, not a Chat Completions one.`);
  const answers = await Promise.all(resumed.calls.map((c) => (c.authorization.kind === "run" ? guard.execute(c.call, c.authorization) : c.authorization.outcome)));
  const messages = [...data.messages];
  for (const slot of data.slots) messages.push("message" in slot ? slot.message : toolMessage(answers[slot.parked]!));
  const run = await loop(client, guard, { ...data.params, messages } as ChatCompletionCreateParamsNonStreaming, messages, answers);
  return { status: "resumed", ...run };
}
