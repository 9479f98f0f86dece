// Cost of the example policy's no_card_numbers check (create_ticket summary)
// on the largest arguments the gate accepts (256 KiB), per input shape: the
// worst case is the most candidate digits the Luhn passes run on (2,048) with
// no Luhn-valid window, in a text of full size. Each row is a whole gate
// decision.
// Run: node test/bench/card-numbers.ts
import { seedGate } from "./gate.ts";
import { measure } from "./stats.ts";

const LIMIT = 256 * 1024;
/** The summary repeated up to just under the argument limit (the JSON around it takes the rest). */
function fill(unit: string): string {
  const budget = LIMIT - 64;
  const bytes = Buffer.byteLength(unit);
  return unit.repeat(Math.floor(budget / bytes));
}

const prose = fill("lorem ipsum dolor sit amet ");

export const shapes: Record<string, string> = {
  // The most the Luhn passes run on (2,040 candidate digits, none a card), in a full-size text.
  "2,040 digits, no valid window, prose to 256 KiB": "1111 ".repeat(510) + prose.slice(0, -2600),
  "2,040 full-width digits, no valid window, prose": "\uff11\uff11\uff11\uff11 ".repeat(510) + prose.slice(0, -7000),
  // More candidate digits than that are refused without the Luhn passes.
  "digits and spaces, no valid window (1111 1111 ...)": fill("1111 "),
  "digits, dots, slashes, no valid window": fill("11.11/"),
  "full-width digits, no valid window": fill("\uff11\uff11\uff11\uff11 "),
  "random digits and separators (cards everywhere)": fill("4929 7120 3351 8862 - "),
  "short numbers between words (1a1a...)": fill("12a"),
  "prose, no digits (fast path)": prose,
  "prose with a card at the end": prose.slice(0, -40) + " 4111 1111 1111 1111",
};

if (import.meta.main) {
  const { gate } = await seedGate();
  // Reference: the same size through a tool without constraints (parsing, schema, WASM input and output).
  const plain = { surface: "chat" as const, assistant_id: "asst_zzz", call_id: "c", name: "get_customer", arguments: JSON.stringify({ customer_id: shapes["prose, no digits (fast path)"] }) };
  const base = measure(() => gate.evaluate(plain), 30, 5);
  process.stdout.write(`${"reference: get_customer, no constraints".padEnd(52)} ${String(plain.arguments.length).padStart(7)} B  ${"allow".padEnd(6)} p50 ${(base.p50_us / 1000).toFixed(1).padStart(6)} ms  max ${(base.max_us / 1000).toFixed(1).padStart(6)} ms\n`);
  for (const [label, summary] of Object.entries(shapes)) {
    const call = { surface: "chat" as const, assistant_id: "asst_zzz", call_id: "c", name: "create_ticket", arguments: JSON.stringify({ customer_id: "c-1", summary }) };
    const effect = gate.evaluate(call).decision.effect;
    const s = measure(() => gate.evaluate(call), 30, 5);
    process.stdout.write(`${label.padEnd(52)} ${String(Buffer.byteLength(call.arguments)).padStart(7)} B  ${effect.padEnd(6)} p50 ${(s.p50_us / 1000).toFixed(1).padStart(6)} ms  max ${(s.max_us / 1000).toFixed(1).padStart(6)} ms\n`);
  }
}
