import { afterEach, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { Agent, OpenAIProvider, Runner, hostedMcpTool, tool } from "@openai/agents";
import { z } from "zod";
import { call, start, type OpenAIServer, type Script } from "../../src/dev/openai-server/index.ts";

const running: OpenAIServer[] = [];

async function serve(script: Script): Promise<{ server: OpenAIServer; client: OpenAI }> {
  const server = await start({ script });
  running.push(server);
  return { server, client: new OpenAI({ apiKey: "test", baseURL: `${server.url}/v1`, maxRetries: 0 }) };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

describe("Assistants runs", () => {
  const script: Script = {
    assistants: [
      { calls: [call("get_weather", '{"city":"Paris"}', "call_weather"), call("send_email", '{"to":"a@b.c"}', "call_email")] },
      { text: "It is sunny in Paris." },
    ],
  };

  it("polls through requires_action, takes tool outputs and completes", async () => {
    const { server, client } = await serve(script);
    const thread = await client.beta.threads.create({ messages: [{ role: "user", content: "Weather in Paris?" }] });

    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: "asst_1" });
    expect(run).toMatchObject({ status: "requires_action", thread_id: thread.id, assistant_id: "asst_1" });
    expect(run.required_action?.submit_tool_outputs.tool_calls).toEqual([
      { id: "call_weather", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
      { id: "call_email", type: "function", function: { name: "send_email", arguments: '{"to":"a@b.c"}' } },
    ]);
    // Polling walked queued -> in_progress -> requires_action, one status per GET.
    const polls = server.requests.filter((r) => r.method === "GET" && r.path.endsWith(`/runs/${run.id}`));
    expect(polls).toHaveLength(2);
    expect(polls[0]?.headers["openai-beta"]).toBe("assistants=v2");

    const done = await client.beta.threads.runs.submitToolOutputsAndPoll(run.id, {
      thread_id: thread.id,
      tool_outputs: [
        { tool_call_id: "call_weather", output: "sunny" },
        { tool_call_id: "call_email", output: "denied by policy" },
      ],
    });
    expect(done.status).toBe("completed");

    const messages = await client.beta.threads.messages.list(thread.id);
    expect(messages.data.map((m) => [m.role, m.content[0]?.type === "text" ? m.content[0].text.value : ""])).toEqual([
      ["assistant", "It is sunny in Paris."],
      ["user", "Weather in Paris?"],
    ]);
    expect(server.toolOutputs.map(({ callId, output, surface }) => ({ callId, output, surface }))).toEqual([
      { callId: "call_weather", output: "sunny", surface: "assistants" },
      { callId: "call_email", output: "denied by policy", surface: "assistants" },
    ]);
    expect(server.messages).toMatchObject([{ surface: "assistants", role: "user", content: "Weather in Paris?" }]);
    expect(server.turnsConsumed("assistants")).toBe(2);
  });

  it("streams run events through requires_action and the submitted-outputs continuation", async () => {
    const { server, client } = await serve(script);
    const thread = await client.beta.threads.create();
    await client.beta.threads.messages.create(thread.id, { role: "user", content: "Weather in Paris?" });

    const events: string[] = [];
    const created: string[] = [];
    const stream = client.beta.threads.runs
      .stream(thread.id, { assistant_id: "asst_1" })
      .on("event", (e) => events.push(e.event))
      .on("toolCallCreated", (toolCall) => created.push(toolCall.id));
    const run = await stream.finalRun();
    expect(run.status).toBe("requires_action");
    expect(events).toEqual([
      "thread.run.created",
      "thread.run.queued",
      "thread.run.in_progress",
      "thread.run.step.created",
      "thread.run.step.in_progress",
      "thread.run.step.delta",
      "thread.run.step.delta",
      "thread.run.requires_action",
    ]);
    expect(created).toEqual(["call_weather", "call_email"]);

    const texts: string[] = [];
    const continued = client.beta.threads.runs
      .submitToolOutputsStream(run.id, {
        thread_id: thread.id,
        tool_outputs: [
          { tool_call_id: "call_email", output: "no" },
          { tool_call_id: "call_weather", output: "sunny" },
        ],
      })
      .on("textDone", (text) => texts.push(text.value));
    const finalRun = await continued.finalRun();
    expect(finalRun).toMatchObject({ id: run.id, status: "completed", thread_id: thread.id });
    expect(texts).toEqual(["It is sunny in Paris."]);
    const steps = await continued.finalRunSteps();
    expect(steps.map((s) => [s.type, s.status])).toEqual([
      ["tool_calls", "completed"],
      ["message_creation", "completed"],
    ]);
    expect(server.toolOutputs.map((o) => [o.callId, o.output])).toEqual([
      ["call_email", "no"],
      ["call_weather", "sunny"],
    ]);
  });

  it("refuses outputs that do not answer exactly the pending calls", async () => {
    const { server, client } = await serve(script);
    const thread = await client.beta.threads.create();
    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: "asst_1" });
    const submit = client.beta.threads.runs.submitToolOutputs(run.id, {
      thread_id: thread.id,
      tool_outputs: [{ tool_call_id: "call_weather", output: "sunny" }],
    });
    await expect(submit).rejects.toMatchObject({ status: 400, param: "tool_outputs" });
    expect(server.toolOutputs).toEqual([]);
    expect(server.turnsConsumed("assistants")).toBe(1);
  });
});

describe("Responses", () => {
  const script: Script = {
    responses: [
      {
        calls: [
          call("get_weather", '{"city":"Paris"}', "call_weather"),
          { kind: "mcp_approval_request", serverLabel: "github", name: "delete_repo", arguments: '{"repo":"x"}', id: "mcpr_delete" },
        ],
      },
      { text: "Done." },
    ],
  };

  it("returns function_call and mcp_approval_request items and continues via previous_response_id", async () => {
    const { server, client } = await serve(script);
    const first = await client.responses.create({ model: "gpt-4.1", input: "Weather, then delete the repo" });
    expect(first.output).toEqual([
      { type: "function_call", id: "fc_1", call_id: "call_weather", name: "get_weather", arguments: '{"city":"Paris"}', status: "completed" },
      { type: "mcp_approval_request", id: "mcpr_delete", server_label: "github", name: "delete_repo", arguments: '{"repo":"x"}' },
    ]);

    const second = await client.responses.create({
      model: "gpt-4.1",
      previous_response_id: first.id,
      input: [
        { type: "function_call_output", call_id: "call_weather", output: "sunny" },
        { type: "mcp_approval_response", approval_request_id: "mcpr_delete", approve: false, reason: "policy" },
      ],
    });
    expect(second.output_text).toBe("Done.");
    expect(second.previous_response_id).toBe(first.id);

    expect(server.messages).toMatchObject([{ surface: "responses", request: 0, role: "user", content: "Weather, then delete the repo" }]);
    expect(server.toolOutputs).toEqual([{ surface: "responses", request: 1, callId: "call_weather", output: "sunny", kind: "function" }]);
    expect(server.approvals).toEqual([{ request: 1, approvalRequestId: "mcpr_delete", approve: false, reason: "policy" }]);
  });

  it("streams the same turns through the SDK's ResponseStream", async () => {
    const { server, client } = await serve(script);
    const types: string[] = [];
    const stream = client.responses.stream({ model: "gpt-4.1", input: "go" }).on("event", (e) => types.push(e.type));
    const first = await stream.finalResponse();
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(first.output.map((item) => item.type)).toEqual(["function_call", "mcp_approval_request"]);

    // The raw `stream: true` iterator sees the same wire events.
    const raw = await client.responses.create({
      model: "gpt-4.1",
      stream: true,
      previous_response_id: first.id,
      input: [
        { type: "function_call_output", call_id: "call_weather", output: "sunny" },
        { type: "mcp_approval_response", approval_request_id: "mcpr_delete", approve: true },
      ],
    });
    let text = "";
    for await (const event of raw) if (event.type === "response.output_text.delta") text += event.delta;
    expect(text).toBe("Done.");
    expect(server.approvals).toEqual([{ request: 1, approvalRequestId: "mcpr_delete", approve: true }]);
  });

  it("streams custom tool calls and records their outputs from a stateless history", async () => {
    const { server, client } = await serve({
      responses: [{ calls: [{ kind: "custom", name: "shell", input: "ls -la", callId: "call_shell" }] }, { text: "ok" }],
    });
    const first = await client.responses.stream({ model: "gpt-4.1", input: "list files" }).finalResponse();
    expect(first.output).toEqual([{ type: "custom_tool_call", id: "ctc_1", call_id: "call_shell", name: "shell", input: "ls -la" }]);
    // Stateless continuation, the Agents SDK default: the whole history again.
    const second = await client.responses.create({
      model: "gpt-4.1",
      input: [
        { role: "user", content: "list files" },
        { type: "custom_tool_call", call_id: "call_shell", name: "shell", input: "ls -la" },
        { type: "custom_tool_call_output", call_id: "call_shell", output: "denied" },
      ],
    });
    expect(second.output_text).toBe("ok");
    expect(server.toolOutputs).toEqual([{ surface: "responses", request: 1, callId: "call_shell", output: "denied", kind: "custom" }]);
    // The resent user message belongs to request 0's submission, not request 1's.
    expect(server.messages.map((m) => m.request)).toEqual([0]);
  });

  it("refuses a continuation that leaves a function call unanswered", async () => {
    const { client } = await serve(script);
    const first = await client.responses.create({ model: "gpt-4.1", input: "go" });
    const next = client.responses.create({ model: "gpt-4.1", previous_response_id: first.id, input: [] });
    await expect(next).rejects.toMatchObject({ status: 400, message: expect.stringContaining("call_weather") });
  });
});

describe("Chat Completions", () => {
  const script: Script = {
    chat: [{ text: "Checking.", calls: [call("get_weather", '{"city":"Paris"}'), call("get_time", '{"tz":"CET"}')] }, { text: "Sunny, 3pm." }],
  };

  it("returns two tool calls in one turn and records the tool messages of the next request", async () => {
    const { server, client } = await serve(script);
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather and time?" }];
    const first = await client.chat.completions.create({ model: "gpt-4.1", messages });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBe("Checking.");
    const toolCalls = choice?.message.tool_calls ?? [];
    expect(toolCalls.map((t) => (t.type === "function" ? [t.id, t.function.name, t.function.arguments] : []))).toEqual([
      ["call_1", "get_weather", '{"city":"Paris"}'],
      ["call_2", "get_time", '{"tz":"CET"}'],
    ]);

    messages.push(choice!.message, { role: "tool", tool_call_id: "call_1", content: "sunny" }, { role: "tool", tool_call_id: "call_2", content: "15:00" });
    const second = await client.chat.completions.create({ model: "gpt-4.1", messages });
    expect(second.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "Sunny, 3pm." } });

    expect(server.toolOutputs).toEqual([
      { surface: "chat", request: 1, callId: "call_1", output: "sunny", kind: "function" },
      { surface: "chat", request: 1, callId: "call_2", output: "15:00", kind: "function" },
    ]);
    expect(server.messages).toEqual([{ surface: "chat", request: 0, role: "user", content: "Weather and time?" }]);
  });

  it("streams tool call chunks that the SDK reassembles", async () => {
    const { client } = await serve(script);
    const completion = await client.chat.completions
      .stream({ model: "gpt-4.1", messages: [{ role: "user", content: "Weather and time?" }] })
      .finalChatCompletion();
    const message = completion.choices[0]?.message;
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(message?.content).toBe("Checking.");
    expect(message?.tool_calls?.map((t) => (t.type === "function" ? t.function : undefined))).toMatchObject([
      { name: "get_weather", arguments: '{"city":"Paris"}' },
      { name: "get_time", arguments: '{"tz":"CET"}' },
    ]);
  });

  it("refuses a history whose tool calls lack tool messages", async () => {
    const { client } = await serve(script);
    const request = client.chat.completions.create({
      model: "gpt-4.1",
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_x", type: "function", function: { name: "f", arguments: "{}" } }] },
      ],
    });
    await expect(request).rejects.toMatchObject({ status: 400, message: expect.stringContaining("call_x") });
  });
});

describe("Agents SDK", () => {
  // An explicit provider keeps the SDK's process-wide default client out of the picture.
  function runner(client: OpenAI, useResponses: boolean): Runner {
    return new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses }), tracingDisabled: true });
  }
  const weather = tool({
    name: "get_weather",
    description: "Weather for a city",
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => `sunny in ${city}`,
  });

  it.each([
    ["Responses", true, "responses"],
    ["Chat Completions", false, "chat"],
  ] as const)("runs a function tool over %s", async (_name, useResponses, surface) => {
    const { server, client } = await serve({ [surface]: [{ calls: [call("get_weather", '{"city":"Paris"}')] }, { text: "Sunny." }] });
    const agent = new Agent({ name: "a", model: "gpt-4.1", tools: [weather] });
    const result = await runner(client, useResponses).run(agent, "Weather?");
    expect(result.finalOutput).toBe("Sunny.");
    expect(server.toolOutputs).toMatchObject([{ surface, request: 1, callId: "call_1", output: "sunny in Paris" }]);
  });

  it("surfaces an MCP approval request as an interruption and records the rejection", async () => {
    const { server, client } = await serve({
      responses: [{ calls: [{ kind: "mcp_approval_request", serverLabel: "gh", name: "delete_repo", arguments: "{}" }] }, { text: "Kept it." }],
    });
    const agent = new Agent({
      name: "a",
      model: "gpt-4.1",
      tools: [hostedMcpTool({ serverLabel: "gh", serverUrl: "https://mcp.invalid", requireApproval: "always" })],
    });
    const agents = runner(client, true);
    const first = await agents.run(agent, "Delete the repo", { stream: true });
    await first.completed;
    expect(first.interruptions).toHaveLength(1);
    for (const interruption of first.interruptions) first.state.reject(interruption);
    const second = await agents.run(agent, first.state);
    expect(second.finalOutput).toBe("Kept it.");
    expect(server.approvals).toEqual([{ request: 1, approvalRequestId: "mcpr_1", approve: false }]);
  });
});

describe("server behaviour", () => {
  it("answers an exhausted script with an OpenAI-shaped 400", async () => {
    const { client } = await serve({ chat: [] });
    const request = client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] });
    await expect(request).rejects.toMatchObject({ status: 400, code: "script_exhausted", type: "invalid_request_error" });
  });

  it("answers unknown routes, missing auth and bad JSON with OpenAI error bodies", async () => {
    const { server } = await serve({});
    const auth = { authorization: "Bearer anything" };
    const unknown = await fetch(`${server.url}/v1/nope`, { method: "POST", headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { message: "Invalid URL (POST /v1/nope)", type: "invalid_request_error", param: null, code: null },
    });

    const anonymous = await fetch(`${server.url}/v1/responses`, { method: "POST", body: "{}" });
    expect(anonymous.status).toBe(401);

    const garbled = await fetch(`${server.url}/v1/responses`, { method: "POST", headers: auth, body: "{" });
    expect(garbled.status).toBe(400);
    expect(server.requests.at(-1)?.body).toBe("{");

    const missingThread = await fetch(`${server.url}/v1/threads/thread_9/runs/run_1`, { headers: auth });
    expect(missingThread.status).toBe(404);
  });

  it("starts and closes many instances in one process", async () => {
    const servers = await Promise.all(Array.from({ length: 8 }, () => start({ script: { chat: [{ text: "hi" }] } })));
    expect(new Set(servers.map((s) => s.url)).size).toBe(8);
    for (const server of servers) {
      const client = new OpenAI({ apiKey: "k", baseURL: `${server.url}/v1` });
      const completion = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
      expect(completion.choices[0]?.message.content).toBe("hi");
    }
    // Resolves only once every keep-alive connection is gone.
    await Promise.all(servers.map((s) => s.close()));
  });
});
