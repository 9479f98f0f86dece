// numbers.range_step as OPA's Go builtin (topdown/numbers.go): integer
// operands given as any number text that is an exact integer (1.0, 1e2), big
// integers exact, the result written as Rego text so no digit is lost.
import { parseRegoText } from "./rego-text.ts";
import { RegoTextResult } from "./rego-result.ts";
import { UnanswerableError } from "./unanswerable.ts";

/** range_step builds at most this many numbers (Go builds any number until the query is cancelled). */
export const MAX_RANGE_LENGTH = 100_000;
/** Number texts with a larger decimal exponent are not expanded (1e1000000 is a million digits). */
const MAX_EXPONENT = 1_000;

/** The exact integer a Rego number text denotes, or an error as Go's BigIntOperand gives. */
function integerOperand(text: string, position: number): bigint {
  const value = parseRegoText(text);
  if (value.kind !== "number") throw new TypeError(`numbers.range_step: operand ${position} must be integer`);
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value.text);
  if (!m) throw new TypeError(`numbers.range_step: operand ${position} must be integer`);
  const fraction = m[3] ?? "";
  const digits = (m[2]! + fraction).replace(/^0+(?=\d)/, "") || "0";
  const exponent = Number(m[4] ?? 0) - fraction.length;
  if (Math.abs(Number(m[4] ?? 0)) > MAX_EXPONENT) throw new UnanswerableError("numbers.range_step", "a number with an exponent beyond 1000");
  let magnitude: bigint;
  if (exponent >= 0) {
    magnitude = BigInt(digits) * 10n ** BigInt(exponent);
  } else {
    const scale = 10n ** BigInt(-exponent);
    const whole = BigInt(digits);
    if (whole % scale !== 0n) throw new TypeError(`numbers.range_step: operand ${position} must be integer number but got floating-point number`);
    magnitude = whole / scale;
  }
  return m[1] === "-" ? -magnitude : magnitude;
}

export const rangeStep = Object.assign(
  (fromText: string, toText: string, stepText: string): RegoTextResult => {
    const x = integerOperand(fromText, 1);
    const y = integerOperand(toText, 2);
    const step = integerOperand(stepText, 3);
    if (step <= 0n) throw new Error("numbers.range_step: step must be a positive integer");
    const span = x <= y ? y - x : x - y;
    if (span / step + 1n > BigInt(MAX_RANGE_LENGTH)) {
      throw new UnanswerableError("numbers.range_step", `more than ${MAX_RANGE_LENGTH} numbers`);
    }
    const items: string[] = [];
    if (x <= y) for (let i = x; i <= y; i += step) items.push(String(i));
    else for (let i = x; i >= y; i -= step) items.push(String(i));
    return new RegoTextResult(`[${items.join(", ")}]`);
  },
  { readsRegoText: true as const },
);
