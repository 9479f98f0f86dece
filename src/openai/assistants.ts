import type OpenAI from "openai";
import type { AssistantStream } from "openai/lib/AssistantStream";
import type { Run, RunSubmitToolOutputsParams } from "openai/resources/beta/threads/runs/runs";
import type { ToolCall } from "../gate/tool-call.ts";
import type { CallOutcome, ToolGuard } from "../guard/tool-guard.ts";

export interface AssistantsTurn {
  /** The run after the gated tool outputs were submitted (or as given, when nothing was required). */
  run: Run;
  /** One outcome per tool call, across every requires_action handled. */
  outcomes: CallOutcome[];
}

/** The Run's pending calls as ToolCalls: ids from the Run, arguments as the model sent them. */
export function assistantsToolCalls(run: Run, context?: Record<string, unknown>): ToolCall[] {
  return (run.required_action?.submit_tool_outputs.tool_calls ?? []).map((toolCall) => ({
    surface: "assistants",
    assistant_id: run.assistant_id,
    thread_id: run.thread_id,
    run_id: run.id,
    call_id: toolCall.id,
    name: toolCall.function.name,
    arguments: toolCall.function.arguments,
    ...(context === undefined ? {} : { context }),
  }));
}

/** Decides and answers every call of one requires_action: the tool_outputs to submit, in one request. */
export async function gateRequiredAction(
  guard: ToolGuard,
  run: Run,
): Promise<{ tool_outputs: RunSubmitToolOutputsParams.ToolOutput[]; outcomes: CallOutcome[] }> {
  const outcomes = await guard.handleAll(assistantsToolCalls(run, guard.context));
  return { tool_outputs: outcomes.map((o) => ({ tool_call_id: o.call.call_id, output: o.output })), outcomes };
}

/**
 * Polling loop: while the run requires action, gate its tool calls and submit
 * all outputs with submitToolOutputsAndPoll. Returns the run once it stops
 * asking (completed, failed, expired...).
 */
export async function pollWithGate(client: OpenAI, guard: ToolGuard, run: Run): Promise<AssistantsTurn> {
  const outcomes: CallOutcome[] = [];
  while (run.status === "requires_action" && run.required_action?.type === "submit_tool_outputs") {
    const answered = await gateRequiredAction(guard, run);
    outcomes.push(...answered.outcomes);
    run = await client.beta.threads.runs.submitToolOutputsAndPoll(run.id, { thread_id: run.thread_id, tool_outputs: answered.tool_outputs });
  }
  return { run, outcomes };
}

/**
 * Streaming loop: reads the stream; on `thread.run.requires_action` gates the
 * calls and continues with submitToolOutputsStream, until a stream ends
 * without requiring action. `onStream` sees each stream (the first and every
 * continuation) before it is read, to attach text/event listeners.
 */
export async function streamWithGate(
  client: OpenAI,
  guard: ToolGuard,
  stream: AssistantStream,
  onStream?: (stream: AssistantStream) => void,
): Promise<AssistantsTurn> {
  const outcomes: CallOutcome[] = [];
  for (;;) {
    onStream?.(stream);
    let pending: Run | undefined;
    for await (const event of stream) {
      if (event.event === "thread.run.requires_action") pending = event.data;
    }
    if (pending === undefined) return { run: await stream.finalRun(), outcomes };
    const answered = await gateRequiredAction(guard, pending);
    outcomes.push(...answered.outcomes);
    stream = client.beta.threads.runs.submitToolOutputsStream(pending.id, {
      thread_id: pending.thread_id,
      tool_outputs: answered.tool_outputs,
      stream: true,
    });
  }
}
