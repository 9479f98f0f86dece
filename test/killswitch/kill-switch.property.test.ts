// Whatever a model sends, a killed assistant's call never gets anything but a
// deny, and a kill never leaks to a call it does not name. The truth compared
// against is the one the tool runtime uses: the call's assistant id and the
// tool name it would run under (exact strings), not the monitor's index.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Gate } from "../../src/gate/gate.ts";
import type { ToolCall } from "../../src/gate/tool-call.ts";
import { KillSwitchMonitor } from "../../src/killswitch/kill-switch-monitor.ts";
import { openKillSwitchStore } from "../../src/killswitch/open-kill-switch-store.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { buildSeedBundle, seedTools } from "../helpers/seed-bundle.ts";

const KILLED_ASSISTANT = "asst_killed";
const PARTLY_KILLED = "asst_partly";
const KILLED_TOOL = "refund_order";

let dir: string;
let gate: Gate;
let monitor: KillSwitchMonitor;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "toolgate-kill-prop-"));
  const file = path.join(dir, "kill.db");
  const store = await openKillSwitchStore(file);
  await store.kill({ assistantId: KILLED_ASSISTANT, reason: "r", by: "t" });
  await store.kill({ assistantId: PARTLY_KILLED, tool: KILLED_TOOL, reason: "r", by: "t" });
  await store.close();
  // Far longer than the test: the property is about matching, not staleness.
  monitor = await KillSwitchMonitor.open({ store: file, refreshMs: 60_000, maxStalenessMs: 3_600_000 });
  gate = new Gate(await PolicyEngine.open(await buildSeedBundle()), { tools: await seedTools(), killSwitch: monitor });
}, 120_000);
afterAll(async () => {
  await monitor?.close();
  rmSync(dir, { recursive: true, force: true });
});

const nearNames = (name: string) => fc.constantFrom(name, name.toUpperCase(), ` ${name}`, `${name} `, `${name}\u200b`, name.normalize("NFKD"), name.slice(0, -1));
const assistant = fc.oneof(fc.constant(KILLED_ASSISTANT), fc.constant(PARTLY_KILLED), nearNames(KILLED_ASSISTANT), nearNames(PARTLY_KILLED), fc.string({ unit: "binary" }));
const toolName = fc.oneof(fc.constant(KILLED_TOOL), fc.constantFrom("get_customer", "send_email", "post_message"), nearNames(KILLED_TOOL), fc.string({ unit: "binary" }));
const args = fc.oneof(fc.json(), fc.string(), fc.constant('{"order_id":"o-1","amount":5}'));
const call = fc.record({
  assistant_id: assistant,
  name: toolName,
  arguments: args,
  mcp: fc.option(fc.constantFrom("crm", "deepwiki", ""), { nil: undefined }),
}).map(({ assistant_id, name, arguments: text, mcp }): ToolCall => ({
  surface: mcp === undefined ? "chat" : "responses",
  assistant_id,
  call_id: "c",
  name,
  arguments: text,
  ...(mcp === undefined ? {} : { tool_type: "mcp" as const, server_label: mcp }),
}));

test("a killed (assistant, tool) is always denied; a call a switch does not name is never `killed`", () => {
  fc.assert(
    fc.property(call, (c) => {
      const named = c.assistant_id === KILLED_ASSISTANT || (c.assistant_id === PARTLY_KILLED && c.name === KILLED_TOOL);
      const { decision } = gate.evaluate(c);
      const codes = decision.reasons.map((r) => r.code);
      if (named) {
        expect(decision.effect).toBe("deny");
        // A call too malformed to name its tool is denied invalid_tool_call instead; every other is `killed`.
        const malformed = c.tool_type === "mcp" && (c.server_label === "" || c.name === "" || !c.name.isWellFormed());
        expect(codes).toEqual([malformed ? "invalid_tool_call" : "killed"]);
      } else {
        expect(codes).not.toContain("killed");
      }
    }),
    { numRuns: fuzzRuns() },
  );
}, fuzzTimeout());
