import { beforeAll, describe, expect, it } from "vitest";
import { Gate } from "../../src/gate/gate.ts";
import { GatePool } from "../../src/gate/gate-pool.ts";
import type { AnyToolDeclaration, ToolCall } from "../../src/gate/tool-call.ts";
import { ToolDeclarationError } from "../../src/gate/tool-declaration.ts";
import { buildSeedBundle } from "../helpers/seed-bundle.ts";

const customerSchema = { type: "object", properties: { customer_id: { type: "string" } }, required: ["customer_id"], additionalProperties: false };
const messageSchema = { type: "object", properties: { channel: { type: "string" }, text: { type: "string" } }, required: ["channel", "text"] };

/** One app's tools in every shape OpenAI's APIs take, mixed. */
const mixed: AnyToolDeclaration[] = [
  { type: "function", function: { name: "get_customer", parameters: customerSchema } }, // Chat Completions, Assistants
  { type: "function", name: "post_message", parameters: messageSchema, strict: false }, // Responses, Agents SDK
  { type: "custom", name: "run_shell" }, // Responses custom tool
  { type: "code_interpreter" }, // hosted
  { type: "file_search" },
];

const chatCall = (name: string, args: string): ToolCall => ({ surface: "chat", assistant_id: "asst_zzz", call_id: "c", name, arguments: args });

describe("tool declarations in every OpenAI shape", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await buildSeedBundle();
  });

  it("Gate.open accepts Chat, Responses/Agents, custom and hosted declarations and checks each function's schema", async () => {
    const gate = await Gate.open(bundle, { tools: mixed });
    expect(gate.evaluate(chatCall("get_customer", '{"customer_id":"c-1"}')).decision.effect).toBe("allow");
    expect(gate.evaluate(chatCall("get_customer", '{"customer_id":1}')).decision.reasons[0]?.code).toBe("schema_violation");
    expect(gate.evaluate(chatCall("post_message", '{"channel":"#ops"}')).decision.reasons[0]?.code).toBe("schema_violation");
    expect(gate.evaluate(chatCall("post_message", '{"channel":"#ops","text":"hi"}')).decision.effect).toBe("allow");
    // A custom tool is declared with a free-text input; the seed policy allows no run_shell.
    expect(gate.evaluate(chatCall("run_shell", '{"input":"ls"}')).decision.reasons[0]?.code).toBe("tool_not_allowed");
    expect(gate.evaluate(chatCall("run_shell", '{"input":1}')).decision.reasons[0]?.code).toBe("schema_violation");
    // Hosted tools are no function the gate knows.
    expect(gate.evaluate(chatCall("code_interpreter", "{}")).decision.reasons[0]?.code).toBe("tool_not_declared");
  });

  it("a GatePool takes the same mix (its workers get plain declarations)", async () => {
    const pool = await GatePool.open({ bundlePath: bundle, tools: mixed, workers: 1 });
    try {
      expect((await pool.decide(chatCall("post_message", '{"channel":"#ops"}'))).reasons[0]?.code).toBe("schema_violation");
      expect((await pool.decide(chatCall("get_customer", '{"customer_id":"c-1"}'))).effect).toBe("allow");
    } finally {
      await pool.close();
    }
  });

  it.each([
    [[null], /tool declaration \[0\] is not a tool declaration/],
    [[{ name: "get_customer" }], /tool declaration \[0\] is not a tool declaration/],
    [[{ type: "function" }], /tool declaration \[0\]: a function tool needs a name/],
    [[{ type: "function", function: { parameters: {} } }], /tool declaration \[0\]: a function tool needs a name/],
    [[{ type: "function", name: "a", function: { name: "b" } }], /tool declaration \[0\] \(a\): names "a" and function.name "b" differ/],
    [[mixed[0], { type: "fuction", name: "x" }], /tool declaration \[1\] \(x\): unknown tool type "fuction"/],
    [[mixed[0], { type: "function", name: "post", parameters: "string" }], /tool declaration \[1\] \(post\): parameters must be a JSON schema object/],
    [[mixed[0], { type: "function", name: "get_customer" }], /tool declaration \[1\] \(get_customer\): get_customer is already declared by tool declaration \[0\]/],
    [[{ type: "function", name: "bad", parameters: { type: "nope" } }], /tool declaration \[0\] \(bad\): its parameters are not a JSON schema/],
    [[{ type: "function", name: "bad", parameters: { type: "object", required: "x" } }], /tool declaration \[0\] \(bad\): its parameters are not a JSON schema: schema.required must be array/],
    [[{ type: "function", name: "bad", parameters: { $schema: "https://json-schema.org/draft/2020-12/schema" } }], /\(bad\): its parameters are not a JSON schema: \$schema .* is not JSON Schema draft-07/],
  ])("names the bad entry with a ToolDeclarationError: %j", async (tools, message) => {
    const opened = Gate.open(bundle, { tools: tools as AnyToolDeclaration[] });
    await expect(opened).rejects.toBeInstanceOf(ToolDeclarationError);
    await expect(opened).rejects.toMatchObject({ code: "tool_declaration_invalid", message: expect.stringMatching(message) });
  });

  it("denies every call of a tool whose schema is well-formed but does not compile, and serves the others", async () => {
    const unresolved = { type: "object", properties: { id: { $ref: "#/definitions/missing" } } };
    const gate = await Gate.open(bundle, { tools: [mixed[0]!, { type: "function", name: "post_message", parameters: unresolved }] });
    for (const args of ['{"id":"x"}', "{}"]) {
      const { decision } = gate.evaluate(chatCall("post_message", args));
      expect(decision.effect).toBe("deny");
      expect(decision.reasons[0]).toMatchObject({ code: "schema_violation", message: expect.stringMatching(/do not compile as a JSON schema/) });
    }
    expect(gate.evaluate(chatCall("get_customer", '{"customer_id":"c-1"}')).decision.effect).toBe("allow");
  });

  it("compiles the declarations as they were when the gate was opened", async () => {
    const schema = structuredClone(customerSchema) as Record<string, unknown>;
    const gate = await Gate.open(bundle, { tools: [{ type: "function", name: "get_customer", parameters: schema }] });
    schema.properties = { customer_id: { type: "number" } };
    expect(gate.evaluate(chatCall("get_customer", '{"customer_id":"c-1"}')).decision.effect).toBe("allow");
    expect(gate.evaluate(chatCall("get_customer", '{"customer_id":1}')).decision.reasons[0]?.code).toBe("schema_violation");
  });

});
