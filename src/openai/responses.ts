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
import { ApprovalStateError } from "../approval/errors.ts";
import type { Authorization, CallOutcome, ParkingCall, ToolGuard } from "../guard/tool-guard.ts";
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

/** One item's answer, or (parking guards) the call to park for a person. */
type Answered = { readonly input: ResponseInputItem; readonly outcome: CallOutcome } | { readonly park: ParkingCall & { readonly item: ParkedItem } };

/** What a parked item needs to be answered later: its kind and the id its answer names. */
interface ParkedItem {
  readonly type: GatedItem["type"];
  /** call_id (function, custom) or the approval request id (MCP). */
  readonly id: string;
}

/** Decides one item and builds its answer. */
async function answer(guard: ToolGuard, response: Pick<Response, "id" | "conversation">, item: GatedItem, canPark: boolean): Promise<Answered> {
  const call = responsesToolCall(guard, response, item);
  const authorization = await guard.authorize(call);
  const parkedItem: ParkedItem = { type: item.type, id: item.type === "mcp_approval_request" ? item.id : item.call_id };
  if (authorization.kind !== "park") return answerAuthorized(guard, call, parkedItem, authorization);
  if (canPark) return { park: { call, decision: authorization.decision, item: parkedItem } };
  const outcome = await guard.refuseUnparkable(call, authorization.decision);
  return answerAuthorized(guard, call, parkedItem, { kind: "refused", outcome });
}

/** The answer for an item once its authorization is known (now, or when its parked turn resumes). */
async function answerAuthorized(guard: ToolGuard, call: ToolCall, item: ParkedItem, authorization: Exclude<Authorization, { kind: "park" }>): Promise<{ input: ResponseInputItem; outcome: CallOutcome }> {
  if (item.type === "mcp_approval_request") return answerMcp(call, item.id, authorization);
  const outcome = authorization.kind === "run" ? await guard.execute(call, authorization) : authorization.outcome;
  const input: ResponseInputItem =
    item.type === "function_call"
      ? { type: "function_call_output", call_id: item.id, output: outcome.output }
      : { type: "custom_tool_call_output", call_id: item.id, output: outcome.output };
  return { input, outcome };
}

/**
 * A hosted MCP call runs on OpenAI's side with the model's arguments, which
 * we cannot change: it is approved only if the policy lets it run with exactly
 * those arguments (a sanitize that redacted something, or an approver's
 * modification, rejects it).
 */
function answerMcp(call: ToolCall, approvalRequestId: string, authorization: Exclude<Authorization, { kind: "park" }>): { input: ResponseInputItem; outcome: CallOutcome } {
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

/** Answers in output order; with a parking guard, `parking` lists the calls that wait for a person (their answers are missing from `input`). */
function collect(answered: readonly Answered[]): GatedResponse & { slots: Slot[]; parking: (ParkingCall & { item: ParkedItem })[] } {
  const input: ResponseInputItem[] = [];
  const outcomes: CallOutcome[] = [];
  const slots: Slot[] = [];
  const parking: (ParkingCall & { item: ParkedItem })[] = [];
  for (const a of answered) {
    if ("park" in a) {
      slots.push({ parked: parking.length });
      parking.push(a.park);
    } else {
      input.push(a.input);
      outcomes.push(a.outcome);
      slots.push({ input: a.input });
    }
  }
  return { input, outcomes, slots, parking };
}

/** Decides every call item of a response together; the answers come back in output order. */
export async function gateResponse(guard: ToolGuard, response: Response): Promise<GatedResponse> {
  const { input, outcomes } = collect(await Promise.all(response.output.filter(isGated).map((item) => answer(guard, response, item, false))));
  return { input, outcomes };
}

/**
 * Reads a Responses stream, deciding each call as soon as its
 * `response.output_item.done` arrives (tools start while the model is still
 * streaming), and returns the final response with all the answers.
 */
export async function gateResponseStream(guard: ToolGuard, stream: ResponseStream): Promise<GatedResponse & { response: Response }> {
  const { response, input, outcomes } = await readStream(guard, stream, false);
  return { response, input, outcomes };
}

async function readStream(guard: ToolGuard, stream: ResponseStream, canPark: boolean): Promise<ReturnType<typeof collect> & { response: Response }> {
  const answers: Promise<Answered>[] = [];
  let ids: Pick<Response, "id" | "conversation"> | undefined;
  for await (const event of stream) {
    if (event.type === "response.created") ids = event.response;
    if (event.type === "response.output_item.done" && isGated(event.item) && ids) answers.push(answer(guard, ids, event.item, canPark));
  }
  const response = await stream.finalResponse();
  return { response, ...collect(await Promise.all(answers)) };
}

/** One answer of a parked turn: given already (its input item), or the index of the parked call that supplies it on resume. */
type Slot = { readonly input: ResponseInputItem } | { readonly parked: number };

/** The continuation a parked Responses turn stores: enough to send every answer with previous_response_id once decided. */
interface ParkedResponses {
  readonly surface: "responses";
  readonly previous_response_id: string;
  /** The request parameters without `input` (model, tools, instructions... are sent again with each continuation). */
  readonly params: Omit<ResponseCreateParamsNonStreaming, "input">;
  readonly stream: boolean;
  /** The answers in output order. */
  readonly slots: readonly Slot[];
  readonly items: readonly ParkedItem[];
}

/** How a run loop ended: the model finished, or a call waits for a person (resume with resumeResponse and any of these ids). */
export interface ResponsesRun {
  response: Response;
  outcomes: CallOutcome[];
  /** Set when the run parked: the approval ids of the turn's calls that wait (the calls allowed in that turn ran already). */
  parked?: { approvalIds: string[] };
}

/**
 * The whole loop: create a response, gate its calls, continue with
 * previous_response_id until the model stops calling tools. With a parking
 * guard (ToolGuard approvalStore), a turn with calls that need a person runs
 * its other calls, stores their outputs with the previous_response_id, and
 * returns `parked` instead of continuing.
 */
export async function respondWithGate(
  client: OpenAI,
  guard: ToolGuard,
  params: ResponseCreateParamsNonStreaming,
  options: { stream?: boolean } = {},
): Promise<ResponsesRun> {
  return loop(client, guard, params, options.stream === true, []);
}

async function loop(client: OpenAI, guard: ToolGuard, params: ResponseCreateParamsNonStreaming, stream: boolean, outcomes: CallOutcome[]): Promise<ResponsesRun> {
  let next: ResponseCreateParamsNonStreaming = params;
  for (;;) {
    const gated = stream ? await readStream(guard, client.responses.stream({ ...next, stream: true }), true) : await createAndGate(client, guard, next);
    outcomes.push(...gated.outcomes);
    if (gated.parking.length > 0) {
      const { input: _input, previous_response_id: _previous, ...rest } = params;
      const data: ParkedResponses = {
        surface: "responses",
        previous_response_id: gated.response.id,
        params: rest,
        stream,
        slots: gated.slots,
        items: gated.parking.map((p) => p.item),
      };
      const parked = await guard.parkOrRefuse(gated.parking, data);
      if ("approvalIds" in parked) return { response: gated.response, outcomes, parked };
      const answers = gated.parking.map((p, i) => answerAuthorized(guard, p.call, p.item, { kind: "refused", outcome: parked.refused[i]! }));
      const resolved = await Promise.all(answers);
      outcomes.push(...resolved.map((a) => a.outcome));
      const input = gated.slots.map((slot) => ("input" in slot ? slot.input : resolved[slot.parked]!.input));
      next = { ...params, previous_response_id: gated.response.id, input };
      continue;
    }
    if (gated.input.length === 0) return { response: gated.response, outcomes };
    next = { ...params, previous_response_id: gated.response.id, input: gated.input };
  }
}

async function createAndGate(client: OpenAI, guard: ToolGuard, params: ResponseCreateParamsNonStreaming): Promise<ReturnType<typeof collect> & { response: Response }> {
  const response = await client.responses.create(params);
  return { response, ...collect(await Promise.all(response.output.filter(isGated).map((item) => answer(guard, response, item, true)))) };
}

/** What resuming a parked run did. */
export type ResumedResponses =
  | { status: "pending"; pending: readonly string[] }
  | { status: "resumed_elsewhere" }
  | ({ status: "resumed" } & ResponsesRun);

/**
 * Continues a run respondWithGate parked, named by any approval id of the
 * parked turn, on any guard with the same approval store (a fresh process
 * included): once every approval of the turn is decided, exactly one caller
 * answers the parked calls (approved: run once, after the gate decides them
 * again; rejected or expired: the rejection), sends every answer of the turn
 * with previous_response_id, and runs the loop on (it may park again).
 */
export async function resumeResponse(client: OpenAI, guard: ToolGuard, approvalId: string, options: { now?: Date } = {}): Promise<ResumedResponses> {
  const resumed = await guard.resumeTurn(approvalId, options);
  if (resumed.status !== "resumed") return resumed;
  const data = resumed.data as ParkedResponses;
  if (data?.surface !== "responses") {
    throw new ApprovalStateError("approval_not_resumable", `Approval ${approvalId} parked a ${String(data?.surface)} run, not a Responses one.`);
  }
  const answers = await Promise.all(resumed.calls.map((c, i) => answerAuthorized(guard, c.call, data.items[i]!, c.authorization)));
  const input = data.slots.map((slot) => ("input" in slot ? slot.input : answers[slot.parked]!.input));
  const outcomes = answers.map((a) => a.outcome);
  const run = await loop(client, guard, { ...data.params, previous_response_id: data.previous_response_id, input } as ResponseCreateParamsNonStreaming, data.stream, outcomes);
  return { status: "resumed", ...run };
}
