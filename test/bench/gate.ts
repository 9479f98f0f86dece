// Gate decisions per second and p50/p99 latency for the seed policy, with small
// and 64 KiB arguments; every decision includes argument parsing, schema
// validation, input building, WASM evaluation and decision validation.
// Run: make bench (or node test/bench/gate.ts).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Gate } from "../../src/gate/gate.ts";
import type { ToolCall, ToolDeclaration } from "../../src/gate/tool-call.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { loadCaseFile } from "../../src/testing/case-file.ts";
import { measure, type LatencyStats } from "./stats.ts";

export const root = path.resolve(import.meta.dirname, "..", "..");

export interface GateBenchResult {
  revision: string;
  small: LatencyStats;
  large_64k: LatencyStats;
}

/** The seed cases as gate calls (all 24: allowed, denied, sanitized, malformed). */
export async function seedCalls(): Promise<ToolCall[]> {
  const cases = await loadCaseFile(path.join(root, "test", "cases", "seed.yaml"));
  return cases.map((c, i) => ({ surface: "chat", assistant_id: c.assistant_id, call_id: `call_${i}`, name: c.tool, arguments: c.arguments }));
}

/** Calls whose arguments are 64 KiB: a ticket summary and a chat message that the policy scans. */
export function largeCalls(): ToolCall[] {
  const filler = "lorem ipsum dolor sit amet ".repeat(2500).slice(0, 64 * 1024 - 64);
  return [
    { surface: "chat", assistant_id: "asst_zzz", call_id: "l1", name: "create_ticket", arguments: JSON.stringify({ customer_id: "c-1", summary: filler }) },
    { surface: "chat", assistant_id: "asst_zzz", call_id: "l2", name: "post_message", arguments: JSON.stringify({ channel: "#ops", text: filler }) },
  ];
}

export async function seedGate(): Promise<{ gate: Gate; engine: PolicyEngine; tools: ToolDeclaration[] }> {
  const out = path.join(root, "build", "bench-bundle.tar.gz");
  await compileBundle({ regoDir: path.join(root, "rego"), out });
  const engine = await PolicyEngine.load(await readBundle(out));
  const tools = JSON.parse(await readFile(path.join(root, "rego", "tools.json"), "utf8")) as ToolDeclaration[];
  return { gate: new Gate(engine, { tools }), engine, tools };
}

export async function benchGate(iterations = 20_000): Promise<GateBenchResult> {
  const { gate, engine } = await seedGate();
  const small = await seedCalls();
  const large = largeCalls();
  return {
    revision: engine.revision,
    small: measure((i) => gate.evaluate(small[i % small.length]!, "fresh"), iterations),
    large_64k: measure((i) => gate.evaluate(large[i % large.length]!, "fresh"), Math.max(500, iterations / 20), 200),
  };
}

if (import.meta.main) {
  // Run alone: node test/bench/gate.ts
  const result = await benchGate();
  const row = (label: string, s: LatencyStats): string =>
    `${label.padEnd(24)} ${String(s.per_second).padStart(9)}/s   p50 ${String(s.p50_us).padStart(7)} us   p99 ${String(s.p99_us).padStart(8)} us`;
  process.stdout.write(`gate (seed policy, revision ${result.revision})\n`);
  process.stdout.write(`${row("small arguments", result.small)}\n${row("64 KiB arguments", result.large_64k)}\n`);
}
