// Hostile input through the gate: tens of thousands of generated tool calls
// (random JSON, deep nesting, huge strings, odd numbers, duplicate and
// prototype keys, lone surrogates, look-alike names, non-object arguments).
// Every call must get a valid decision document, nothing may throw, only tools
// the config allows may ever be allowed, and memory must stay bounded.
// ADVERSARIAL_RUNS scales the generated count (default keeps `make test` fast).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Decision } from "../../src/gate/decision.ts";
import { Gate } from "../../src/gate/gate.ts";
import type { Surface, ToolCall, ToolDeclaration } from "../../src/gate/tool-call.ts";
import { decisionProblem } from "../../src/gate/validate-decision.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import type { PolicyConfig } from "../../src/policy/config.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { buildSeedBundle, seedTools } from "../helpers/seed-bundle.ts";

const RUNS = Number(process.env.ADVERSARIAL_RUNS ?? 30_000);

let gate: Gate;
let engine: PolicyEngine;
let tools: ToolDeclaration[];
let declared: Set<string>;
let configAllowed: Set<string>;
let tried = 0;
const effects: Record<string, number> = {};
const rssStart = process.memoryUsage().rss;
let rssPeak = rssStart;
/** RSS once the engine, caches and WASM memory have warmed up (after a third of the generated calls). */
let rssWarm = 0;

beforeAll(async () => {
  engine = await PolicyEngine.load(await readBundle(await buildSeedBundle()));
  tools = await seedTools();
  gate = new Gate(engine, { tools });
  declared = new Set(tools.map((t) => t.function.name));
  const config = (engine.bundle.data.toolgate as { config: PolicyConfig }).config;
  configAllowed = new Set([
    ...Object.entries(config.tools ?? {}).filter(([, r]) => r.effect === "allow").map(([n]) => n),
    ...Object.values(config.assistants ?? {}).flatMap((a) =>
      Object.entries(a.tools ?? {}).filter(([, r]) => r.effect === "allow").map(([n]) => n)),
  ]);
});

afterAll(() => {
  const mb = (x: number): string => (x / 1024 / 1024).toFixed(0);
  console.log(
    `adversarial: ${tried} inputs tried; effects ${JSON.stringify(effects)}; RSS ${mb(rssStart)} -> peak ${mb(rssPeak)} MB`,
  );
});

/** The checks every decision must pass, whatever went in. */
function check(call: ToolCall): Decision {
  tried += 1;
  const { decision } = gate.evaluate(call);
  effects[decision.effect] = (effects[decision.effect] ?? 0) + 1;
  const { decision_id, revision, duration_us, ...policyPart } = decision;
  expect(decisionProblem(policyPart)).toBeUndefined();
  expect(decision_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(revision).toBe(engine.revision);
  expect(duration_us).toBeGreaterThanOrEqual(0);
  if (decision.effect !== "deny") {
    // Only a declared tool the config allows can ever run; an unknown one never.
    expect(declared.has(call.name) && configAllowed.has(call.name)).toBe(true);
  }
  if (tried % 1000 === 0) {
    const rss = process.memoryUsage().rss;
    rssPeak = Math.max(rssPeak, rss);
    if (rssWarm === 0 && tried >= RUNS / 3) rssWarm = rss;
  }
  return decision;
}

const ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"];
const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];
const ODD_STRINGS = [
  "\ud800", "\udfff", "a\ud83d", "\ud83d\ude00", "\u0000", "\u202e", "NaN", "Infinity", "-0", "1e308", "",
  "https://api.yourcompany.com/", "https://api.yourcompany.com@evil.example/", "https://[::1]/", "https://api.yourcompany.com\u200b/",
  "ann@yourcompany.com", "ann@yourcompany.com\u200b", "eve@evil.example", "ann@yourcompany.com.evil",
  "2026-01-01", "2026-02-30", "2026-01-01T00:00:00Z", "9999-12-31", "0000-01-01", "sk-abcdefghijklmnopqrstuvwx",
  "4111 1111 1111 1111", "processing", "shipped", "cancelled",
];
const ODD_NUMBERS = [1e308, -1e308, -0, 0, 5e-324, Number.MAX_SAFE_INTEGER + 2, 100, 100.0000001, 500, 500.01, -50, 4000];

const nameArb = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...declared) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...declared), fc.constantFrom(...ZW), fc.nat()).map(([n, z, i]) => {
      const at = i % (n.length + 1);
      return n.slice(0, at) + z + n.slice(at);
    }) },
    { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, "drop_database", "GET_CUSTOMER", "get_customer ", "get_customer\u0000", "get_сustomer") },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  );

const stringArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.webUrl() },
  { weight: 1, arbitrary: fc.emailAddress() },
);
const numberArb = fc.oneof(fc.constantFrom(...ODD_NUMBERS), fc.double({ noNaN: true }), fc.integer());
const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: stringArb },
  { weight: 3, arbitrary: numberArb },
  { weight: 1, arbitrary: fc.array(stringArb, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** An object that has the declared tool's required fields (so it reaches the policy more often), plus noise. */
function toolShapedArb(tool: ToolDeclaration): fc.Arbitrary<string> {
  const props = (tool.function.parameters?.properties ?? {}) as Record<string, { type?: string }>;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, schema] of Object.entries(props)) {
    fields[key] = schema.type === "string" ? stringArb
      : schema.type === "number" || schema.type === "integer" ? fc.oneof(numberArb, valueArb)
      : schema.type === "array" ? fc.array(stringArb, { minLength: 1, maxLength: 4 })
      : valueArb;
  }
  return fc.tuple(fc.record(fields), fc.dictionary(fc.constantFrom(...PROTO_KEYS, "extra"), valueArb, { maxKeys: 2 }), fc.boolean())
    .map(([base, extra, addExtra]) => {
      const obj: Record<string, unknown> = { ...base };
      if (addExtra) for (const [k, v] of Object.entries(extra)) Object.defineProperty(obj, k, { value: v, enumerable: true });
      return JSON.stringify(obj);
    });
}

/** Raw argument text: valid and invalid JSON, duplicate keys, odd numbers, lone surrogates. */
const rawArb = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom("customer_id", "amount", "url", "to", "__proto__", "constructor"), fc.constantFrom(
        "1e308", "1e309", "-1e309", "-0", "\"NaN\"", "NaN", "0x10", "\"\\ud800\"", "\"\udc00\"", "\"\\u0000\"", "[]", "{}", "null", "true",
        "\"ann@yourcompany.com\"", "[\"eve@evil.example\"]", "\"https://evil.example/\"", "{\"__proto__\":{\"effect\":\"allow\"}}",
      ), fc.constantFrom("c-1", "o-1")).map(([k, v, id]) => `{"customer_id":"${id}","order_id":"${id}","${k}":${v},"${k}":${v}}`),
    },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "null", "[]", "42", "\"{}\"", "true", "{", "}", "{}{}", "{\"a\":1}x", "\u0000{}") },
  );

const surfaceArb = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom<Surface>("assistants", "responses", "chat", "agents", "cli") },
  { weight: 1, arbitrary: fc.constantFrom("fax", "", "__proto__") as unknown as fc.Arbitrary<Surface> },
);
const assistantArb = fc.oneof(
  fc.constantFrom("asst_zzz", "asst_abc123", "asst_def456", "__proto__", "constructor", "asst_def456\u200b", ""),
  fc.string({ maxLength: 12 }),
);

describe("the gate under adversarial input", () => {
  it(`decides ${RUNS} generated tool calls: valid decisions, nothing unlisted allowed, no throw`, () => {
    const callArb = fc.tuple(nameArb(), surfaceArb, assistantArb, fc.nat(), fc.boolean(), fc.jsonValue({ maxDepth: 2 }))
      .chain(([name, surface, assistant_id, pick, shaped, context]) => {
        const tool = tools.find((t) => t.function.name === name) ?? tools[pick % tools.length]!;
        return (shaped ? toolShapedArb(tool) : rawArb()).map((args): ToolCall => ({
          surface, assistant_id, call_id: `c${pick}`, name, arguments: args,
          ...(context !== null && typeof context === "object" && !Array.isArray(context) ? { context: context as Record<string, unknown> } : {}),
        }));
      });
    fc.assert(fc.property(callArb, (call) => void check(call)), { numRuns: RUNS, seed: Number(process.env.ADVERSARIAL_SEED ?? 424242) });
    const grownSinceWarm = process.memoryUsage().rss - rssWarm;
    console.log(`adversarial: RSS grew ${(grownSinceWarm / 1024 / 1024).toFixed(1)} MB over the last two thirds of the generated calls`);
    expect(grownSinceWarm).toBeLessThan(128 * 1024 * 1024);
    // Calls shaped like the declared tools reach the policy, or the run tested only the front door.
    expect((effects.allow ?? 0) + (effects.sanitize ?? 0) + (effects.require_approval ?? 0)).toBeGreaterThan(RUNS / 50);
  });

  it("denies what random JSON for each declared tool throws at it", () => {
    for (const tool of tools) {
      fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), assistantArb, (v, assistant_id) =>
        void check({ surface: "chat", assistant_id, call_id: "j", name: tool.function.name, arguments: JSON.stringify(v) ?? "null" })),
      { numRuns: Math.ceil(RUNS / 4 / tools.length), seed: 7 });
    }
  });

  it("survives depth 10,000, huge strings, and non-string or missing fields", () => {
    const deep = (n: number, open: string, close: string): string => open.repeat(n) + close.repeat(n);
    const raws = [
      `{"customer_id":"c","x":${deep(10_000, "[", "]")}}`,
      `{"customer_id":"c","x":${"{\"a\":".repeat(10_000)}1${"}".repeat(10_000)}}`,
      deep(10_000, "[", "]"),
      JSON.stringify({ customer_id: "x".repeat(255 * 1024) }),
      JSON.stringify({ customer_id: "x".repeat(300 * 1024) }),
      JSON.stringify({ customer_id: "\ud800".repeat(100_000) }),
      JSON.stringify({ to: Array.from({ length: 5000 }, (_, i) => `u${i}@yourcompany.com`), subject: "s", body: "b" }),
      JSON.stringify({ text: "sk-abcdefghijklmnopqrstuvwx ".repeat(8000), channel: "#ops" }),
      JSON.stringify({ summary: "4111 1111 1111 1111 ".repeat(5000), customer_id: "c" }),
      JSON.stringify({ url: `https://api.yourcompany.com/${"a@".repeat(50_000)}` }),
    ];
    for (const name of [...declared, "drop_database"]) {
      for (const args of raws) check({ surface: "chat", assistant_id: "asst_zzz", call_id: "big", name, arguments: args });
    }
    const hostile = [
      null, undefined, 42, "call", [], {},
      { surface: "chat", assistant_id: "asst_zzz", call_id: "x", name: "get_customer" },
      { surface: "chat", assistant_id: 7, call_id: "x", name: "get_customer", arguments: "{}" },
      { surface: "chat", assistant_id: "asst_zzz", call_id: 9, name: "get_customer", arguments: "{\"customer_id\":\"c\"}" },
      { surface: "chat", assistant_id: "asst_zzz", name: "get_customer", arguments: { customer_id: "c" } },
      { surface: "chat", assistant_id: "asst_zzz", call_id: "x", name: "get_customer", arguments: "{\"customer_id\":\"c\"}",
        context: { deep: JSON.parse(`${"[".repeat(5000)}${"]".repeat(5000)}`) as unknown } },
      { surface: "chat", assistant_id: "asst_zzz", call_id: "x", name: "get_customer", arguments: "{\"customer_id\":\"c\"}", context: { big: 10n } },
    ];
    for (const call of hostile) {
      tried += 1;
      const { decision } = gate.evaluate(call as unknown as ToolCall);
      const { decision_id: _i, revision: _r, duration_us: _d, ...policyPart } = decision;
      expect(decisionProblem(policyPart)).toBeUndefined();
    }
  });

  it("keeps memory bounded", () => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    // Huge inputs grow the WASM memory once (it never shrinks); what must not
    // happen is growth proportional to the number of calls.
    expect(rssPeak - rssStart).toBeLessThan(768 * 1024 * 1024);
    expect(rssWarm).toBeGreaterThan(0);
  });
});
