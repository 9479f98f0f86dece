import type { ServerResponse } from "node:http";
import { takeTurn, type ServerContext } from "./context.ts";
import { ApiError, isRecord, notFound, nowSeconds, objectBody, optionalArray, requiredString, sendJson } from "./http.ts";
import type { HandlerRequest, Route } from "./router.ts";
import type { FunctionCall, Turn } from "./script.ts";
import { SseWriter } from "./sse.ts";

/**
 * Assistants API (beta, `OpenAI-Beta: assistants=v2`): threads, messages and
 * runs whose model turns come from the script's `assistants` queue.
 *
 * A run moves queued -> in_progress -> requires_action | completed. Polling
 * clients see one transition per GET; streaming clients get every transition
 * as `thread.*` events in one response. Both paths share `advance`, so the
 * objects a poller sees are the ones a streamer sees.
 */

type Json = Record<string, unknown>;
type RunEvent = readonly [name: string, data: unknown];

interface ThreadState {
  readonly thread: Json;
  /** Oldest first. */
  readonly messages: Json[];
  readonly runs: Map<string, RunState>;
  activeRunId: string | undefined;
}

interface RunState {
  readonly run: Json;
  readonly thread: ThreadState;
  /** The turn being played; replaced by the next one when tool outputs arrive. */
  turn: Turn<FunctionCall>;
  /** Call ids the client must answer before the run can continue. */
  pendingCallIds: string[];
  /** The tool_calls step waiting for outputs; completed once they arrive. */
  toolStep: Json | undefined;
  /** A tool step whose outputs arrived; reported completed on the next in_progress. */
  answeredStep: Json | undefined;
}

/** Statuses after which the run needs the client (or is over). */
const SETTLED = new Set(["requires_action", "completed"]);

export function assistantsRoutes(ctx: ServerContext): Route[] {
  const threads = new Map<string, ThreadState>();

  function thread(id: string): ThreadState {
    const state = threads.get(id);
    if (state === undefined) throw notFound("thread", id);
    return state;
  }

  function runOf(req: HandlerRequest): RunState {
    const threadId = req.params["thread_id"] ?? "";
    const runId = req.params["run_id"] ?? "";
    const state = thread(threadId).runs.get(runId);
    if (state === undefined) throw notFound("run", runId);
    return state;
  }

  /** Adds client messages to a thread, recording each one. */
  function addClientMessages(state: ThreadState, messages: readonly unknown[], request: number, param: string): Json[] {
    return messages.map((message, i) => {
      if (!isRecord(message)) throw new ApiError(400, `Invalid type for '${param}[${i}]': expected an object.`, { param: `${param}[${i}]` });
      const role = requiredString(message, "role");
      ctx.recorder.messages.push({ surface: "assistants", request, role, content: message["content"] });
      const created = messageObject(ctx, state, role, contentParts(message["content"]), { metadata: message["metadata"] ?? {} });
      state.messages.push(created);
      return created;
    });
  }

  function createThread(req: HandlerRequest, res: ServerResponse): void {
    const body = objectBody(req.body);
    const id = ctx.ids.next("thread");
    const state: ThreadState = {
      thread: { id, object: "thread", created_at: nowSeconds(), metadata: body["metadata"] ?? {}, tool_resources: null },
      messages: [],
      runs: new Map(),
      activeRunId: undefined,
    };
    threads.set(id, state);
    addClientMessages(state, optionalArray(body, "messages"), req.index, "messages");
    sendJson(res, 200, state.thread);
  }

  function createMessage(req: HandlerRequest, res: ServerResponse): void {
    const state = thread(req.params["thread_id"] ?? "");
    const [created] = addClientMessages(state, [objectBody(req.body)], req.index, "body");
    sendJson(res, 200, created);
  }

  function listMessages(req: HandlerRequest, res: ServerResponse): void {
    const state = thread(req.params["thread_id"] ?? "");
    const runId = req.query["run_id"];
    const selected = state.messages.filter((m) => runId === undefined || m["run_id"] === runId);
    // The API lists newest first unless asked for `order=asc`.
    const data = req.query["order"] === "asc" ? selected : selected.toReversed();
    sendJson(res, 200, {
      object: "list",
      data,
      first_id: data[0]?.["id"] ?? null,
      last_id: data.at(-1)?.["id"] ?? null,
      has_more: false,
    });
  }

  function createRun(req: HandlerRequest, res: ServerResponse): void {
    const state = thread(req.params["thread_id"] ?? "");
    const body = objectBody(req.body);
    const assistantId = requiredString(body, "assistant_id");
    if (state.activeRunId !== undefined) {
      throw new ApiError(400, `Thread ${String(state.thread["id"])} already has an active run ${state.activeRunId}.`);
    }
    const additional = optionalArray(body, "additional_messages");
    const turn = takeTurn(ctx, "assistants");
    addClientMessages(state, additional, req.index, "additional_messages");
    const id = ctx.ids.next("run");
    const run: RunState = {
      run: {
        id,
        object: "thread.run",
        created_at: nowSeconds(),
        thread_id: state.thread["id"],
        assistant_id: assistantId,
        status: "queued",
        required_action: null,
        last_error: null,
        expires_at: null,
        started_at: null,
        cancelled_at: null,
        failed_at: null,
        completed_at: null,
        incomplete_details: null,
        model: body["model"] ?? "gpt-4o",
        instructions: body["instructions"] ?? "",
        tools: body["tools"] ?? [],
        metadata: body["metadata"] ?? {},
        usage: null,
        temperature: body["temperature"] ?? 1,
        top_p: body["top_p"] ?? 1,
        max_prompt_tokens: body["max_prompt_tokens"] ?? null,
        max_completion_tokens: body["max_completion_tokens"] ?? null,
        truncation_strategy: body["truncation_strategy"] ?? { type: "auto", last_messages: null },
        response_format: body["response_format"] ?? "auto",
        tool_choice: body["tool_choice"] ?? "auto",
        parallel_tool_calls: body["parallel_tool_calls"] ?? true,
      },
      thread: state,
      turn,
      pendingCallIds: [],
      toolStep: undefined,
      answeredStep: undefined,
    };
    state.runs.set(id, run);
    state.activeRunId = id;
    respond(res, body, run, [
      ["thread.run.created", snapshot(run.run)],
      ["thread.run.queued", snapshot(run.run)],
    ]);
  }

  function retrieveRun(req: HandlerRequest, res: ServerResponse): void {
    const run = runOf(req);
    // Each poll observes one more step of progress, like a real backend.
    if (!SETTLED.has(String(run.run["status"]))) advance(run);
    sendJson(res, 200, run.run, { "openai-poll-after-ms": String(ctx.pollAfterMs) });
  }

  function submitToolOutputs(req: HandlerRequest, res: ServerResponse): void {
    const run = runOf(req);
    const body = objectBody(req.body);
    if (run.run["status"] !== "requires_action") {
      throw new ApiError(400, `Runs in status "${String(run.run["status"])}" do not accept tool outputs.`);
    }
    const outputs = optionalArray(body, "tool_outputs").map((output, i) => {
      if (!isRecord(output) || typeof output["tool_call_id"] !== "string") {
        throw new ApiError(400, `Missing required parameter: 'tool_outputs[${i}].tool_call_id'.`, { param: `tool_outputs[${i}].tool_call_id` });
      }
      return { callId: output["tool_call_id"], output: output["output"] };
    });
    const submitted = outputs.map((o) => o.callId);
    const expected = run.pendingCallIds;
    if (submitted.length !== expected.length || !expected.every((id) => submitted.includes(id))) {
      throw new ApiError(400, `Expected tool outputs for call_ids ${JSON.stringify(expected)}, got ${JSON.stringify(submitted)}`, {
        param: "tool_outputs",
      });
    }
    for (const { callId, output } of outputs) {
      ctx.recorder.toolOutputs.push({ surface: "assistants", request: req.index, callId, output, kind: "function" });
    }
    const turn = takeTurn(ctx, "assistants");
    const step = run.toolStep;
    if (step !== undefined && isRecord(step["step_details"]) && Array.isArray(step["step_details"]["tool_calls"])) {
      for (const toolCall of step["step_details"]["tool_calls"] as Json[]) {
        const fn = toolCall["function"] as Json;
        fn["output"] = outputs.find((o) => o.callId === toolCall["id"])?.output ?? null;
      }
      Object.assign(step, { status: "completed", completed_at: nowSeconds() });
    }
    Object.assign(run, { turn, pendingCallIds: [], toolStep: undefined, answeredStep: step });
    Object.assign(run.run, { status: "queued", required_action: null });
    respond(res, body, run, [["thread.run.queued", snapshot(run.run)]]);
  }

  /** JSON: the run as it is now. Stream: these events, then every step until the run settles. */
  function respond(res: ServerResponse, body: Json, run: RunState, events: RunEvent[]): void {
    if (body["stream"] !== true) {
      sendJson(res, 200, run.run);
      return;
    }
    const sse = new SseWriter(res);
    for (const [name, data] of events) sse.event(name, data);
    while (!SETTLED.has(String(run.run["status"]))) {
      for (const [name, data] of advance(run)) sse.event(name, data);
    }
    sse.end("event");
  }

  /** One step of progress; returns the stream events that describe it. */
  function advance(run: RunState): RunEvent[] {
    if (run.run["status"] === "queued") {
      run.run["status"] = "in_progress";
      run.run["started_at"] ??= nowSeconds();
      const events: RunEvent[] = [["thread.run.in_progress", snapshot(run.run)]];
      if (run.answeredStep !== undefined) events.push(["thread.run.step.completed", snapshot(run.answeredStep)]);
      run.answeredStep = undefined;
      return events;
    }
    return settle(run);
  }

  /** Plays the run's turn: an assistant message, tool calls, or both. */
  function settle(run: RunState): RunEvent[] {
    const events: RunEvent[] = [];
    if (run.turn.text !== undefined) events.push(...assistantMessage(run, run.turn.text));
    const calls = run.turn.calls ?? [];
    if (calls.length > 0) {
      events.push(...toolCallStep(run, calls));
      return events;
    }
    Object.assign(run.run, {
      status: "completed",
      completed_at: nowSeconds(),
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
    run.thread.activeRunId = undefined;
    events.push(["thread.run.completed", snapshot(run.run)]);
    return events;
  }

  function assistantMessage(run: RunState, text: string): RunEvent[] {
    const message = messageObject(ctx, run.thread, "assistant", [], {
      assistant_id: run.run["assistant_id"],
      run_id: run.run["id"],
      status: "in_progress",
    });
    run.thread.messages.push(message);
    const step = runStep(run, "message_creation", { type: "message_creation", message_creation: { message_id: message["id"] } });
    const events: RunEvent[] = [
      ["thread.run.step.created", snapshot(step)],
      ["thread.run.step.in_progress", snapshot(step)],
      ["thread.message.created", snapshot(message)],
      ["thread.message.in_progress", snapshot(message)],
      [
        "thread.message.delta",
        {
          id: message["id"],
          object: "thread.message.delta",
          delta: { content: [{ index: 0, type: "text", text: { value: text, annotations: [] } }] },
        },
      ],
    ];
    Object.assign(message, { status: "completed", completed_at: nowSeconds(), content: textContent(text) });
    Object.assign(step, { status: "completed", completed_at: nowSeconds() });
    events.push(["thread.message.completed", snapshot(message)], ["thread.run.step.completed", snapshot(step)]);
    return events;
  }

  function toolCallStep(run: RunState, calls: readonly FunctionCall[]): RunEvent[] {
    const toolCalls = calls.map((c) => ({
      id: c.callId ?? ctx.ids.next("call"),
      type: "function",
      function: { name: c.name, arguments: c.arguments },
    }));
    // The step fills in one call per delta, as the API streams it.
    const step = runStep(run, "tool_calls", { type: "tool_calls", tool_calls: [] });
    const events: RunEvent[] = [
      ["thread.run.step.created", snapshot(step)],
      ["thread.run.step.in_progress", snapshot(step)],
    ];
    toolCalls.forEach((toolCall, index) => {
      const withOutput = { ...toolCall, function: { ...toolCall.function, output: null } };
      (step["step_details"] as { tool_calls: unknown[] }).tool_calls.push(withOutput);
      events.push([
        "thread.run.step.delta",
        {
          id: step["id"],
          object: "thread.run.step.delta",
          delta: { step_details: { type: "tool_calls", tool_calls: [{ index, ...withOutput }] } },
        },
      ]);
    });
    run.toolStep = step;
    run.pendingCallIds = toolCalls.map((t) => t.id);
    Object.assign(run.run, {
      status: "requires_action",
      required_action: { type: "submit_tool_outputs", submit_tool_outputs: { tool_calls: toolCalls } },
    });
    events.push(["thread.run.requires_action", snapshot(run.run)]);
    return events;
  }

  function runStep(run: RunState, type: string, details: Json): Json {
    return {
      id: ctx.ids.next("step"),
      object: "thread.run.step",
      created_at: nowSeconds(),
      assistant_id: run.run["assistant_id"],
      thread_id: run.run["thread_id"],
      run_id: run.run["id"],
      type,
      status: "in_progress",
      step_details: details,
      last_error: null,
      expired_at: null,
      cancelled_at: null,
      failed_at: null,
      completed_at: null,
      metadata: null,
      usage: null,
    };
  }

  return [
    { method: "POST", pattern: "/v1/threads", handle: createThread },
    { method: "POST", pattern: "/v1/threads/:thread_id/messages", handle: createMessage },
    { method: "GET", pattern: "/v1/threads/:thread_id/messages", handle: listMessages },
    { method: "POST", pattern: "/v1/threads/:thread_id/runs", handle: createRun },
    { method: "GET", pattern: "/v1/threads/:thread_id/runs/:run_id", handle: retrieveRun },
    { method: "POST", pattern: "/v1/threads/:thread_id/runs/:run_id/submit_tool_outputs", handle: submitToolOutputs },
  ];
}

function messageObject(ctx: ServerContext, state: ThreadState, role: string, content: unknown[], extra: Json): Json {
  return {
    id: ctx.ids.next("msg"),
    object: "thread.message",
    created_at: nowSeconds(),
    thread_id: state.thread["id"],
    role,
    content,
    assistant_id: null,
    run_id: null,
    attachments: [],
    metadata: {},
    status: "completed",
    completed_at: null,
    incomplete_at: null,
    incomplete_details: null,
    ...extra,
  };
}

function textContent(value: string): Json[] {
  return [{ type: "text", text: { value, annotations: [] } }];
}

/** Message content as the API stores it: text parts become `{text: {value, annotations}}`. */
function contentParts(content: unknown): unknown[] {
  if (typeof content === "string") return textContent(content);
  if (!Array.isArray(content)) throw new ApiError(400, "Invalid 'content': expected a string or an array of content parts.", { param: "content" });
  return content.map((part) =>
    isRecord(part) && part["type"] === "text" && typeof part["text"] === "string" ? textContent(part["text"])[0] : part,
  );
}

/** Events carry the object as it was when emitted; the live object keeps changing. */
function snapshot(value: Json): Json {
  return structuredClone(value);
}
