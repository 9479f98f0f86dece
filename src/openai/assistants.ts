import type OpenAI from "openai";
import type { AssistantStream } from "openai/lib/AssistantStream";
import type { Run, RunSubmitToolOutputsParams } from "openai/resources/beta/threads/runs/runs";
import { ApprovalStateError } from "../approval/errors.ts";
import type { UnreadableApproval } from "../approval/store/approval-store.ts";
import type { ToolCall } from "../gate/tool-call.ts";
import { parkedTurnOf } from "../guard/parked-turn.ts";
import type { CallOutcome, ParkingCall, ToolGuard } from "../guard/tool-guard.ts";
import { DEFAULT_ASSISTANTS_DEADLINE_MS } from "./assistants-deadline.ts";

export interface AssistantsTurn {
  /** The run after the gated tool outputs were submitted (or as given, when nothing was required; or parked, still in requires_action). */
  run: Run;
  /** One outcome per tool call, across every requires_action handled. */
  outcomes: CallOutcome[];
  /**
   * Set when the run parked (a ToolGuard with an approvalStore): the approval
   * ids of the calls that wait for a person; the run stays in requires_action
   * until resumeAssistantsRun submits every output. OpenAI expires such a run
   * 10 minutes after it asked: see AssistantsParkingOptions.
   */
  parked?: { approvalIds: string[] };
}

/**
 * OpenAI expires a run that waits in `requires_action` 10 minutes after it
 * asked for tool outputs: the run (and every output owed to it) is then lost.
 * A parked call's approval therefore expires at `deadlineMs` after parking
 * (or a minute before the run's own `expires_at`, if sooner), and
 * resumeDueAssistantsRuns, run on an interval, answers the calls of an
 * expired approval with approval_timed_out so the run goes on, telling the
 * model, instead of being lost. (Re-queueing the call in a new run was not
 * chosen: the model would have to be asked the same thing again, and the
 * user's turn would be answered twice.)
 */
export interface AssistantsParkingOptions {
  /** How long a parked call may wait for its decision, in ms. Default 9 minutes; keep it under OpenAI's 10. */
  deadlineMs?: number;
}

export { DEFAULT_ASSISTANTS_DEADLINE_MS };
/** Margin kept before a run's own expires_at. */
const EXPIRY_MARGIN_MS = 60 * 1000;

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

type ToolOutput = RunSubmitToolOutputsParams.ToolOutput;
/** One output of a parked requires_action: given already, or supplied by the parked call at this index on resume. */
type Slot = { readonly output: ToolOutput } | { readonly parked: number };

/** What a parked Assistants run stores: the run to submit to, and the other calls' outputs. */
interface ParkedAssistants {
  readonly surface: "assistants";
  readonly thread_id: string;
  readonly run_id: string;
  readonly stream: boolean;
  readonly slots: readonly Slot[];
}

function outputOf(outcome: CallOutcome): ToolOutput {
  return { tool_call_id: outcome.call.call_id, output: outcome.output };
}

/** Decides one requires_action; parks it when calls need a person. */
async function answerRequiredAction(
  guard: ToolGuard,
  run: Run,
  stream: boolean,
  outcomes: CallOutcome[],
  options: AssistantsParkingOptions,
): Promise<{ tool_outputs: ToolOutput[] } | { parked: { approvalIds: string[] } }> {
  const answered = await guard.handleTurn(assistantsToolCalls(run, guard.context));
  const slots: Slot[] = [];
  const parking: ParkingCall[] = [];
  for (const a of answered) {
    if ("park" in a) {
      slots.push({ parked: parking.length });
      parking.push(a.park);
    } else {
      outcomes.push(a.outcome);
      slots.push({ output: outputOf(a.outcome) });
    }
  }
  if (parking.length === 0) return { tool_outputs: slots.map((s) => (s as { output: ToolOutput }).output) };
  const deadline = Date.now() + (options.deadlineMs ?? DEFAULT_ASSISTANTS_DEADLINE_MS);
  const runExpiry = typeof run.expires_at === "number" ? run.expires_at * 1000 - EXPIRY_MARGIN_MS : Infinity;
  const data: ParkedAssistants = { surface: "assistants", thread_id: run.thread_id, run_id: run.id, stream, slots };
  const parked = await guard.parkOrRefuse(parking, data, { expiresAt: new Date(Math.min(deadline, runExpiry)) });
  if ("approvalIds" in parked) return { parked };
  outcomes.push(...parked.refused);
  return { tool_outputs: slots.map((slot) => ("output" in slot ? slot.output : outputOf(parked.refused[slot.parked]!))) };
}

/**
 * Polling loop: while the run requires action, gate its tool calls and submit
 * all outputs with submitToolOutputsAndPoll. Returns the run once it stops
 * asking (completed, failed, expired...), or parked (see AssistantsTurn.parked).
 */
export async function pollWithGate(client: OpenAI, guard: ToolGuard, run: Run, options: AssistantsParkingOptions = {}): Promise<AssistantsTurn> {
  return poll(client, guard, run, [], options);
}

async function poll(client: OpenAI, guard: ToolGuard, run: Run, outcomes: CallOutcome[], options: AssistantsParkingOptions): Promise<AssistantsTurn> {
  while (run.status === "requires_action" && run.required_action?.type === "submit_tool_outputs") {
    const answered = await answerRequiredAction(guard, run, false, outcomes, options);
    if ("parked" in answered) return { run, outcomes, parked: answered.parked };
    run = await client.beta.threads.runs.submitToolOutputsAndPoll(run.id, { thread_id: run.thread_id, tool_outputs: answered.tool_outputs });
  }
  return { run, outcomes };
}

/**
 * Streaming loop: reads the stream; on `thread.run.requires_action` gates the
 * calls and continues with submitToolOutputsStream, until a stream ends
 * without requiring action (or the run parks). `onStream` sees each stream
 * (the first and every continuation) before it is read, to attach text/event listeners.
 */
export async function streamWithGate(
  client: OpenAI,
  guard: ToolGuard,
  stream: AssistantStream,
  onStream?: (stream: AssistantStream) => void,
  options: AssistantsParkingOptions = {},
): Promise<AssistantsTurn> {
  return readStreams(client, guard, stream, onStream, [], options);
}

async function readStreams(
  client: OpenAI,
  guard: ToolGuard,
  stream: AssistantStream,
  onStream: ((stream: AssistantStream) => void) | undefined,
  outcomes: CallOutcome[],
  options: AssistantsParkingOptions,
): Promise<AssistantsTurn> {
  for (;;) {
    onStream?.(stream);
    let pending: Run | undefined;
    for await (const event of stream) {
      if (event.event === "thread.run.requires_action") pending = event.data;
    }
    if (pending === undefined) return { run: await stream.finalRun(), outcomes };
    const answered = await answerRequiredAction(guard, pending, true, outcomes, options);
    if ("parked" in answered) return { run: pending, outcomes, parked: answered.parked };
    stream = client.beta.threads.runs.submitToolOutputsStream(pending.id, { thread_id: pending.thread_id, tool_outputs: answered.tool_outputs, stream: true });
  }
}

/** What resuming a parked Assistants run did. */
export type ResumedAssistants = { status: "pending"; pending: readonly string[] } | { status: "resumed_elsewhere" } | ({ status: "resumed" } & AssistantsTurn);

/**
 * Continues a run pollWithGate / streamWithGate parked, named by any approval
 * id of the parked requires_action, on any guard with the same approval store:
 * once every approval is decided (or expired), exactly one caller answers the
 * parked calls (approved: run once, after the gate decides them again;
 * rejected or expired: the rejection), submits every output of the
 * requires_action together and follows the run as it was followed (polling or
 * streaming; it may park again).
 */
export async function resumeAssistantsRun(
  client: OpenAI,
  guard: ToolGuard,
  approvalId: string,
  options: AssistantsParkingOptions & { now?: Date; onStream?: (stream: AssistantStream) => void } = {},
): Promise<ResumedAssistants> {
  const resumed = await guard.resumeTurn(approvalId, options.now ? { now: options.now } : {});
  if (resumed.status !== "resumed") return resumed;
  const data = resumed.data as ParkedAssistants;
  if (data?.surface !== "assistants") throw new ApprovalStateError("approval_not_resumable", `Approval ${approvalId} parked a ${String(data?.surface)} run, not an Assistants one.`);
  const answers = await Promise.all(resumed.calls.map((c) => (c.authorization.kind === "run" ? guard.execute(c.call, c.authorization) : c.authorization.outcome)));
  const tool_outputs = data.slots.map((slot) => ("output" in slot ? slot.output : outputOf(answers[slot.parked]!)));
  const outcomes = [...answers];
  if (data.stream) {
    const stream = client.beta.threads.runs.submitToolOutputsStream(data.run_id, { thread_id: data.thread_id, tool_outputs, stream: true });
    return { status: "resumed", ...(await readStreams(client, guard, stream, options.onStream, outcomes, options)) };
  }
  const run = await client.beta.threads.runs.submitToolOutputsAndPoll(data.run_id, { thread_id: data.thread_id, tool_outputs });
  return { status: "resumed", ...(await poll(client, guard, run, outcomes, options)) };
}

/**
 * Resumes every parked Assistants run whose approvals are all decided or past
 * their deadline (expired: the model is told approval_timed_out), so no run
 * is lost to OpenAI's 10-minute requires_action limit. Run it on an interval
 * shorter than the margin left by `deadlineMs` (e.g. every 30 s), in any one
 * or several instances: each run is resumed once. Returns what each resume did.
 */
export async function resumeDueAssistantsRuns(
  client: OpenAI,
  guard: ToolGuard,
  options: AssistantsParkingOptions & {
    now?: Date;
    onStream?: (stream: AssistantStream) => void;
    /** Told of rows that do not read as an approval: their runs cannot be resumed here (and will expire at OpenAI) until someone repairs them. */
    onUnreadable?: (rows: readonly UnreadableApproval[]) => void;
  } = {},
): Promise<ResumedAssistants[]> {
  const store = guard.approvalStore;
  if (store === undefined) throw new ApprovalStateError("approval_not_resumable", "The guard has no approvalStore: give ToolGuard one to resume parked runs.");
  const now = options.now ?? new Date();
  await store.expire(now);
  // An unreadable row is skipped (its run is not resumed here; resumeAssistantsRun on it throws approval_unreadable), never the whole sweep; the caller is told.
  const { approvals: decided, unreadable } = await store.list({ states: ["approved", "rejected", "expired"], limit: 1000 });
  if (unreadable.length > 0) options.onUnreadable?.(unreadable);
  const leads = decided.filter((a) => {
    if (a.resumedAt !== undefined || a.call.surface !== "assistants") return false;
    try {
      return parkedTurnOf(a).lead === a.id;
    } catch {
      return false;
    }
  });
  const results: ResumedAssistants[] = [];
  for (const lead of leads) results.push(await resumeAssistantsRun(client, guard, lead.id, { ...options, now }));
  return results;
}
