// A gate in a process of its own, deciding one call over and over, for the
// cross-process kill switch tests: argv = bundle, store location, "gate" | "pool".
// Prints one JSON line when ready, then one per change of (effect, reason codes).
// Ends when stdin closes.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Gate } from "../../src/gate/gate.ts";
import { GatePool } from "../../src/gate/gate-pool.ts";
import type { Decider } from "../../src/gate/decider.ts";
import type { ToolCall, ToolDeclaration } from "../../src/gate/tool-call.ts";
import { KillSwitchMonitor } from "../../src/killswitch/kill-switch-monitor.ts";

const [bundlePath, store, mode] = process.argv.slice(2) as [string, string, string];
const tools = JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "..", "rego", "tools.json"), "utf8")) as ToolDeclaration[];
const monitor = await KillSwitchMonitor.open({ store });
const gate: Decider = mode === "pool" ? await GatePool.open({ bundlePath, tools, workers: 1, killSwitch: monitor }) : await Gate.open(bundlePath, { tools, killSwitch: monitor });

let running = true;
process.stdin.on("end", () => (running = false));
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ ready: true, refreshMs: monitor.refreshMs, maxStalenessMs: monitor.maxStalenessMs })}\n`);

const call: ToolCall = { surface: "chat", assistant_id: "asst_loop", call_id: "c", name: "refund_order", arguments: '{"order_id":"o-1","amount":5}' };
let last = "";
for (let n = 0; running; n++) {
  const decision = await gate.decide(call);
  const key = `${decision.effect}:${decision.reasons.map((r) => r.code).join(",")}`;
  if (key !== last) {
    last = key;
    process.stdout.write(`${JSON.stringify({ n, effect: decision.effect, codes: decision.reasons.map((r) => r.code), messages: decision.reasons.map((r) => r.message) })}\n`);
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await gate.close();
await monitor.close();
