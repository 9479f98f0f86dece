// Secret redaction on hostile text: `node test/bench/redact-hostile.ts`.
// Each input repeats a shape that makes a backtracking regex work hardest on
// the secret rules (a prefix with no valid token after it, a BEGIN line with no
// END, :// with a long userinfo and no @, ...), at 16, 64 and 256 KiB, through
// the gate (post_message.text of the seed policy: WASM + JS host regex.replace).
// Linear work shows as time growing ~4x per 4x input (x/16KiB column).
import { Gate } from "../../src/gate/gate.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { buildSeedBundle, seedTools } from "../helpers/seed-bundle.ts";

const gate = new Gate(await PolicyEngine.open(await buildSeedBundle()), { tools: await seedTools(), limits: { maxBytes: 2 * 1024 * 1024 } });
const repeat = (unit: string, n: number): string => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const SHAPES: Record<string, string> = {
  "eyJ repeated": "eyJ",
  "sk- + short run": "sk-abcdefghij ",
  "BEGIN line, no END": "-----BEGIN RSA PRIVATE KEY-----\n",
  "PRIVATE KEY----- repeated": "PRIVATE KEY-----",
  ":// + 600 chars, no @": `://${"a".repeat(600)} `,
  "://a:b, no / or @": "://a:b",
  "secret_access_key + spaces": `secret_access_key${" ".repeat(50)}`,
  "ghs_1_ repeated": "ghs_1_",
  "AKIA + 15": "AKIAABCDEFGHIJKLMNO ",
  "SG. repeated": "SG.",
  "_authToken= lines": "_authToken=x\n",
  "real tokens back to back": "ghp_Gb3CXlMaXZjljENUhJduRHHJEYXg4JdpmrcX AKIA90RIC7PHKQDLMTT7 ",
};
const SIZES = [16 * 1024, 64 * 1024, 256 * 1024];

function timeMs(text: string): number {
  const call = { surface: "chat" as const, assistant_id: "asst_abc123", call_id: "c", name: "post_message", arguments: JSON.stringify({ channel: "#ops", text }) };
  gate.evaluate(call);
  const runs = 5;
  const started = performance.now();
  for (let i = 0; i < runs; i++) gate.evaluate(call);
  return (performance.now() - started) / runs;
}

console.log(`| shape | ${SIZES.map((s) => `${s / 1024} KiB ms`).join(" | ")} | x/16KiB at 256 KiB |`);
console.log(`|---|${SIZES.map(() => "---:").join("|")}|---:|`);
for (const [name, unit] of Object.entries(SHAPES)) {
  const ms = SIZES.map((size) => timeMs(repeat(unit, size)));
  console.log(`| ${name} | ${ms.map((m) => m.toFixed(2)).join(" | ")} | ${(ms[2]! / ms[0]!).toFixed(1)} |`);
}
