import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileBundle } from "../../src/policy/compile.ts";
import { AuditRecorder } from "../../src/audit/audit-recorder.ts";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import { Gate } from "../../src/gate/gate.ts";
import type { ToolCall } from "../../src/gate/tool-call.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { decisionProblem } from "../../src/gate/validate-decision.ts";
import { buildSeedBundle, seedRegoDir, seedTools } from "../helpers/seed-bundle.ts";

let engine: PolicyEngine;
let gate: Gate;

const call = (name: string, args: unknown, extra: Partial<ToolCall> = {}): ToolCall => ({
  surface: "chat",
  assistant_id: "asst_zzz",
  call_id: "call_1",
  name,
  arguments: typeof args === "string" ? args : JSON.stringify(args),
  ...extra,
});

const codes = (c: ToolCall, g: Gate = gate): string[] => g.evaluate(c).decision.reasons.map((r) => r.code);

beforeAll(async () => {
  engine = await PolicyEngine.load(await readBundle(await buildSeedBundle()));
  gate = new Gate(engine, { tools: await seedTools(), limits: { maxBytes: 4096, maxDepth: 8 } });
});

describe("Gate fails closed", () => {
  it("denies a call whose context has no JSON value, and still logs what is known of it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-gate-context-"));
    const log = await DecisionLog.open({ path: path.join(dir, "decisions.jsonl"), durability: "none" });
    const logged = new Gate(engine, { tools: await seedTools(), recorder: new AuditRecorder(log) });
    const context = { toJSON: () => undefined } as unknown as Record<string, unknown>;
    const decision = await logged.decide(call("get_customer", { customer_id: "c-1" }, { context, thread_id: "t" }));
    await log.close();
    expect(decision.effect).toBe("deny");
    expect(decision.reasons[0]).toMatchObject({ code: "policy_error", message: expect.stringMatching(/building the input failed: .*context has no JSON value/) });
    const record = JSON.parse((await readFile(path.join(dir, "decisions.jsonl"), "utf8")).trim()) as { input: Record<string, unknown> };
    expect(record.input).toMatchObject({ arguments: { customer_id: "c-1" }, context: {}, thread_id: "t", constraints: {} });
  });

  it("allows a valid call and reports the revision and input", () => {
    const { decision, input } = gate.evaluate(call("get_customer", { customer_id: "c-1" }, { thread_id: "t", run_id: "r" }));
    expect(decision.effect).toBe("allow");
    expect(decision.revision).toBe(engine.revision);
    expect(decision.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(input).toMatchObject({
      version: 1, surface: "chat", assistant_id: "asst_zzz", thread_id: "t", run_id: "r",
      tool: { name: "get_customer", type: "function" }, arguments: { customer_id: "c-1" }, constraints: {}, context: {},
    });
  });

  it("passes the resolved per-assistant constraints to the policy", () => {
    expect(gate.evaluate(call("refund_order", { order_id: "o", amount: 1 }, { assistant_id: "asst_abc123" }), "fresh").input?.constraints)
      .toEqual({ max_amount: 100 });
    expect(gate.evaluate(call("update_order_status", { order_id: "o", status: "x" }, { assistant_id: "asst_def456" })).input?.constraints)
      .toEqual({});
  });

  it.each([
    ["not JSON", "{nope", "arguments_not_json"],
    ["a JSON array", "[1,2]", "arguments_not_object"],
    ["JSON null", "null", "arguments_not_object"],
    ["a JSON string", '"x"', "arguments_not_object"],
    ["larger than the limit", JSON.stringify({ customer_id: "x".repeat(5000) }), "arguments_too_large"],
    ["nested deeper than the limit", `{"customer_id":"c","x":${"[".repeat(20)}${"]".repeat(20)}}`, "arguments_too_deep"],
    ["holding an escaped lone surrogate", String.raw`{"customer_id":"c\ud800"}`, "arguments_invalid_unicode"],
    ["holding an escaped lone low surrogate in a key", String.raw`{"customer_id":"c","\uDC00":1}`, "arguments_invalid_unicode"],
    ["holding half an emoji cut off by slicing", JSON.stringify({ customer_id: "ab😀".slice(0, 3) }), "arguments_invalid_unicode"],
    ["holding a raw lone surrogate", `{"customer_id":"${"😀".slice(1)}x"}`, "arguments_invalid_unicode"],
    ["giving a key twice", `{"customer_id":"c-1","customer_id":"c-2"}`, "arguments_duplicate_key"],
    ["giving a key twice, once escaped", String.raw`{"customer_id":"c-1","customer_id":"c-2"}`, "arguments_duplicate_key"],
  ])("denies arguments that are %s", (_label, raw, code) => {
    const { decision } = gate.evaluate(call("get_customer", raw));
    expect(decision.effect).toBe("deny");
    expect(decision.reasons.map((r) => r.code)).toEqual([code]);
  });

  it("reads an escaped one-character key as written, whatever JSON.parse has seen before", () => {
    JSON.parse(String.raw`{"\\":1}`); // V8's JSON.parse reads the next escaped one-character key as "\\" from here on
    const { decision, input } = gate.evaluate(call("get_customer", String.raw`{"customer_id":"c-1","\u0071":1}`));
    expect(decision.reasons[0]?.message).toContain('unknown field "q"');
    expect(input).toBeUndefined();
  });

  it("decides on well-formed surrogate pairs, escaped or raw, as on any other text", () => {
    for (const raw of [String.raw`{"customer_id":"\ud83d\ude00"}`, String.raw`{"customer_id":"\uD83D` + "\ude00\"}", JSON.stringify({ customer_id: "😀" })]) {
      expect(gate.evaluate(call("get_customer", raw)).decision.effect).toBe("allow");
    }
  });

  it("denies schema violations: missing field, wrong type, unknown field", () => {
    expect(codes(call("get_customer", {}))).toEqual(["schema_violation"]);
    expect(codes(call("refund_order", { order_id: "o", amount: "5" }))).toEqual(["schema_violation"]);
    const { decision } = gate.evaluate(call("get_customer", { customer_id: "c", include_ssn: true }));
    expect(decision.reasons[0]!.message).toContain('unknown field "include_ssn"');
  });

  it("denies a tool that was not declared, even one the policy would allow", () => {
    expect(codes(call("drop_database", {}))).toEqual(["tool_not_declared"]);
  });

  it("denies a malformed tool call instead of throwing", () => {
    expect(codes({ ...call("get_customer", {}), arguments: 42 } as unknown as ToolCall)).toEqual(["arguments_not_json"]);
    expect(codes({ ...call("get_customer", {}), surface: "fax" } as unknown as ToolCall)).toEqual(["invalid_tool_call"]);
    expect(codes(null as unknown as ToolCall)).toEqual(["invalid_tool_call"]);
  });

  it("denies everything when no policy is loaded", async () => {
    const empty = new Gate(undefined, { tools: await seedTools() });
    expect(empty.revision).toBe("");
    expect(codes(call("get_customer", { customer_id: "c" }), empty)).toEqual(["no_policy"]);
  });

  it("denies with policy_error when the input cannot be built", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codes(call("get_customer", { customer_id: "c" }, { context: cyclic }))).toEqual(["policy_error"]);
    expect(gate.evaluate(call("get_customer", { customer_id: "c" })).decision.effect).toBe("allow");
  });

  it("denies with policy_error when the WASM evaluation aborts, and keeps serving", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-abort-"));
    await cp(seedRegoDir, path.join(dir, "rego"), { recursive: true });
    // Two values for one complete rule: a runtime conflict, which aborts the WASM evaluation.
    await writeFile(
      path.join(dir, "rego", "conflict.rego"),
      [
        "package toolgate.rules", "", "import rego.v1", "",
        '_x := 1 if input.arguments.customer_id == "boom"', "",
        '_x := 2 if input.arguments.customer_id == "boom"', "",
        'deny contains {"code": "never", "message": "never"} if _x == 3', "",
      ].join("\n"),
    );
    const built = await compileBundle({ regoDir: path.join(dir, "rego"), out: path.join(dir, "b.tar.gz") });
    const aborting = new Gate(await PolicyEngine.load(await readBundle(built.path)), { tools: await seedTools() });
    const { decision } = aborting.evaluate(call("get_customer", { customer_id: "boom" }));
    expect(decision.effect).toBe("deny");
    expect(decision.reasons[0]!.code).toBe("policy_error");
    expect(decision.reasons[0]!.message).toMatch(/conflict/);
    expect(aborting.evaluate(call("get_customer", { customer_id: "fine" })).decision.effect).toBe("allow");
  });

  it("sanitize decisions carry redacted arguments that still satisfy the tool schema", () => {
    const { decision } = gate.evaluate(call("post_message", { channel: "#ops", text: "key AKIAABCDEFGHIJKLMNOP" }));
    expect(decision.effect).toBe("sanitize");
    expect(JSON.stringify(decision.arguments)).not.toContain("AKIAABCDEFGHIJKLMNOP");
  });

  it.each([
    ["more digits than a double holds", '{"order_id":"o","amount":500.0000000000000001}'],
    ["an integer beyond 2^53", '{"order_id":"o","amount":9007199254740993}'],
    ["a number that overflows to infinity", '{"order_id":"o","amount":1e400}'],
    ["a number that underflows to 0", '{"order_id":"o","amount":1e-400}'],
  ])("denies %s before the policy: a double-based check and an exact reader would see different amounts", (_label, raw) => {
    const { decision, input } = gate.evaluate(call("refund_order", raw));
    expect(decision.reasons.map((r) => r.code)).toEqual(["arguments_inexact_number"]);
    expect(input).toBeUndefined();
  });

  it("decides on numbers that are a double's shortest decimal, in any notation", () => {
    for (const amount of ["1.10", "1e1", "0.30000000000000004", "-0", "12.50"]) {
      const { decision } = gate.evaluate(call("refund_order", `{"order_id":"o","amount":${amount}}`));
      expect(decision.reasons.map((r) => r.code)).not.toContain("arguments_inexact_number");
    }
  });

  it("denies duplicate keys before the schema or the policy: parsers disagree on which value counts", () => {
    const { decision, input } = gate.evaluate(call("refund_order", '{"order_id":"o","amount":900,"amount":1}'));
    expect(decision.reasons.map((r) => r.code)).toEqual(["arguments_duplicate_key"]);
    expect(input).toBeUndefined();
  });
});

describe("decision validation", () => {
  it("rejects what is not a decision document", () => {
    expect(decisionProblem(undefined)).toMatch(/undefined/);
    expect(decisionProblem({ effect: "maybe", reasons: [] })).toMatch(/effect/);
    expect(decisionProblem({ effect: "sanitize", reasons: [] })).toMatch(/arguments/);
    expect(decisionProblem({ effect: "require_approval", reasons: [] })).toMatch(/approval/);
    expect(decisionProblem({ effect: "allow", reasons: [] })).toBeUndefined();
  });
});

describe("an approval that also redacts secrets", () => {
  it("carries the redacted arguments to the approver, the tool and the log", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-approval-redact-"));
    await cp(seedRegoDir, path.join(dir, "rego"), { recursive: true });
    const config = path.join(dir, "rego", "toolgate.yaml");
    const yaml = await readFile(config, "utf8");
    const edited = yaml.replace(
      "constraints: { approval_over: { recipient_count: 100 } }",
      "constraints: { approval_over: { recipient_count: 100 }, redact_secrets: [subject] }",
    );
    expect(edited).not.toBe(yaml);
    await writeFile(config, edited);
    const built = await compileBundle({ regoDir: path.join(dir, "rego"), out: path.join(dir, "b.tar.gz") });
    const log = await DecisionLog.open({ path: path.join(dir, "decisions.jsonl"), durability: "none" });
    const secretGate = new Gate(await PolicyEngine.load(await readBundle(built.path)), {
      tools: await seedTools(),
      recorder: new AuditRecorder(log),
    });
    const secret = "sk-abcdefghijklmnopqrstuvwx";
    const decision = await secretGate.decide(
      call("send_email_blast", { template: "t", recipient_count: 500, subject: `key ${secret}` }),
    );
    await log.close();
    expect(decision.effect).toBe("require_approval");
    expect(decision.arguments.subject).toBe("key [REDACTED]");
    expect(decision.approval?.sanitized_fields).toEqual(["subject"]);
    expect(await readFile(path.join(dir, "decisions.jsonl"), "utf8")).not.toContain(secret);
  });
});
