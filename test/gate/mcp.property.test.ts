import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Gate } from "../../src/gate/gate.ts";
import type { ToolCall } from "../../src/gate/tool-call.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { buildSeedBundle, seedRegoDir, seedTools } from "../helpers/seed-bundle.ts";

// The oracle reads rego/toolgate.yaml itself (the yaml package, no toolgate
// code) and decides a hosted MCP call the way the config reads: the exact
// (server label, tool name) pair, with the assistant's entry first.
type Entry = { effect?: string; tools?: Record<string, Entry> };
type Config = {
  tools?: Record<string, Entry>;
  mcp_servers?: Record<string, Entry>;
  assistants?: Record<string, { mcp_servers?: Record<string, Entry> }>;
};
const config = parse(readFileSync(path.join(seedRegoDir, "toolgate.yaml"), "utf8")) as Config;

/** The value under exactly `key` (=== on the string), nothing inherited. */
function exactly<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return Object.entries(record ?? {}).find(([k]) => k === key)?.[1];
}

interface Expected {
  effect: "allow" | "deny" | "require_approval";
  reasons: string[];
}

function oracle(label: string, name: string, assistant: string): Expected {
  const deny = (code: string): Expected => ({ effect: "deny", reasons: [code] });
  if (label === "" || name === "" || !label.isWellFormed() || !name.isWellFormed()) return deny("invalid_tool_call");
  const mine = exactly(config.assistants, assistant)?.mcp_servers;
  if (exactly(config.mcp_servers, label) === undefined && exactly(mine, label) === undefined) return deny("mcp_server_not_allowed");
  const override = exactly(exactly(mine, label)?.tools, name);
  const entry = override?.effect !== undefined ? override : exactly(exactly(config.mcp_servers, label)?.tools, name);
  switch (entry?.effect) {
    case "allow":
      return { effect: "allow", reasons: [] };
    case "require_approval":
      return { effect: "require_approval", reasons: ["tool_requires_approval"] };
    case "deny":
      return deny("tool_denied");
    default:
      return deny("mcp_tool_not_allowed");
  }
}

// Arguments that satisfy every constraint the example puts on its MCP tools
// (deepwiki ask_question's allowed repoName; nothing for add_note to redact),
// so the config's effect alone decides.
const ARGUMENTS = JSON.stringify({ repoName: "openai/openai-node", question: "q", customer_id: "c-1", text: "hello" });

const serverLabels = [
  ...Object.keys(config.mcp_servers ?? {}),
  ...Object.values(config.assistants ?? {}).flatMap((a) => Object.keys(a.mcp_servers ?? {})),
  "untrusted-third-party",
  "github",
];
const mcpToolNames = [...Object.values(config.mcp_servers ?? {}), ...Object.values(config.assistants ?? {}).flatMap((a) => Object.values(a.mcp_servers ?? {}))].flatMap(
  (server) => Object.keys(server.tools ?? {}),
);
// Names of the local functions the policy allows: what a remote server would borrow.
const functionNames = Object.keys(config.tools ?? {});
const assistants = [...Object.keys(config.assistants ?? {}), "default", "asst_zzz"];
// Every configured (label, name) pair, so calls often name a real tool and then one part is bent.
const configuredPairs: [string, string][] = [
  ...Object.entries(config.mcp_servers ?? {}),
  ...Object.values(config.assistants ?? {}).flatMap((a) => Object.entries(a.mcp_servers ?? {})),
].flatMap(([label, server]) => Object.keys(server.tools ?? {}).map((name): [string, string] => [label, name]));

const LOOKALIKES: Record<string, readonly string[]> = {
  a: ["а", "ɑ", "α"], c: ["с", "ϲ"], d: ["ԁ"], e: ["е", "ё"], g: ["ɡ"], h: ["һ"], i: ["і", "ı", "1"], k: ["к"], l: ["ӏ", "1", "I"],
  m: ["м", "ｍ"], n: ["п"], o: ["о", "ο", "0"], p: ["р"], q: ["ԛ"], r: ["г"], s: ["ѕ"], t: ["т"], u: ["υ", "ս"], w: ["ѡ"], x: ["х"], y: ["у"],
  _: ["‗", "-", "＿"], "-": ["‐", "–", "_"], ".": ["․", "。"],
};
const SPACES = [" ", "\t", "\n", "\r", "\u00a0", "\u200b", "\ufeff", "\u2028", "\u3000"];
const fullwidth = (s: string): string => s.replace(/[\x21-\x7e]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));
const at = (s: string, i: number): number => (s.length === 0 ? 0 : i % s.length);

/** A string and what an attacker (or a typo) makes of it. */
function variants(original: fc.Arbitrary<string>, { loneSurrogates }: { loneSurrogates: boolean }): fc.Arbitrary<string> {
  const anyUnit = fc.integer({ min: 0, max: loneSurrogates ? 0xffff : 0xd7ff }).map((c) => String.fromCharCode(c));
  return fc.oneof(
    { arbitrary: original, weight: 6 },
    original.map((s) => s.toUpperCase()),
    original.map((s) => s.charAt(0).toUpperCase() + s.slice(1)),
    fc.tuple(original, fc.nat(), fc.nat()).map(([s, i, j]) => {
      const k = at(s, i);
      const swaps = LOOKALIKES[s.charAt(k)];
      return swaps ? s.slice(0, k) + swaps[j % swaps.length]! + s.slice(k + 1) : s;
    }),
    original.map(fullwidth),
    fc.tuple(original, fc.constantFrom(...SPACES), fc.boolean()).map(([s, ws, before]) => (before ? ws + s : s + ws)),
    fc.tuple(original, fc.nat(), fc.constantFrom("\u200d", "\u200c", "\u0301", "\u0000")).map(([s, i, mark]) => s.slice(0, at(s, i)) + mark + s.slice(at(s, i))),
    fc.tuple(original, fc.nat()).map(([s, i]) => s.slice(0, at(s, i)) + s.slice(at(s, i) + 1)),
    original.map((s) => `${s}s`),
    original.map((s) => s.replace(/_/g, "-")),
    fc.constant(""),
    fc.string({ unit: anyUnit, maxLength: 20 }),
  );
}

/** Server labels and tool names come from outside (an MCP server names its tools): any UTF-16, lone surrogates too. */
const UNTRUSTED = { loneSurrogates: true };

let gate: Gate;

beforeAll(async () => {
  gate = new Gate(await PolicyEngine.open(await buildSeedBundle()), { tools: await seedTools() });
});

describe("hosted MCP calls: the gate against a plain reading of toolgate.yaml", () => {
  it(
    "allows only the exact (server label, tool name) the config allows for that assistant",
    () => {
      const seen = { allow: 0, require_approval: 0, deny: 0 };
      fc.assert(
        fc.property(
          fc.oneof(
            fc.tuple(variants(fc.constantFrom(...serverLabels), UNTRUSTED), variants(fc.constantFrom(...mcpToolNames, ...functionNames), UNTRUSTED)),
            fc.constantFrom(...configuredPairs).chain(([label, name]) =>
              fc.oneof(
                fc.constant([label, name] as const),
                variants(fc.constant(label), UNTRUSTED).map((l) => [l, name] as const),
                variants(fc.constant(name), UNTRUSTED).map((n) => [label, n] as const),
              ),
            ),
          ),
          variants(fc.constantFrom(...assistants), { loneSurrogates: false }),
          ([label, name], assistant) => {
            const call: ToolCall = { surface: "responses", assistant_id: assistant, call_id: "mcpr_p", tool_type: "mcp", server_label: label, name, arguments: ARGUMENTS };
            const { decision } = gate.evaluate(call);
            const want = oracle(label, name, assistant);
            seen[decision.effect === "sanitize" ? "allow" : decision.effect]++;
            // Never under-deny: no allow or approval the config does not grant for exactly this pair.
            if (decision.effect === "allow" || decision.effect === "sanitize") expect(want.effect).toBe("allow");
            if (decision.effect === "require_approval") expect(want.effect).toBe("require_approval");
            // And the config's reading exactly (effect and reason code).
            expect({ effect: decision.effect, reasons: decision.reasons.map((r) => r.code) }).toEqual(want);
          },
        ),
        { numRuns: fuzzRuns() },
      );
      // The generators reach every outcome, so the property is not vacuous.
      expect(seen.allow).toBeGreaterThan(fuzzRuns() / 20);
      expect(seen.require_approval).toBeGreaterThan(0);
      expect(seen.deny).toBeGreaterThan(fuzzRuns() / 2);
    },
    fuzzTimeout(),
  );
});
