// Host implementations of OPA's units.parse (topdown/parse_units.go: exact
// rationals, math/big.Rat) and units.parse_bytes (parse_bytes.go:
// math/big.Float at 64 bits of precision, truncated to an integer). Both are
// reproduced in exact BigInt arithmetic, roundings included, and returned as
// JSON number text so the module keeps every digit (0.0010000000, 2^70).
// A result too large to be worth computing fails the evaluation (RangeError)
// rather than stalling the event loop on a number of a million digits.

const encoder = new TextEncoder();
const numberText = (text: string): ArrayBuffer => encoder.encode(text).buffer as ArrayBuffer;

const MAX_EXPONENT_DIGITS = 6;
/** Largest decimal exponent (units.parse) and binary exponent (parse_bytes) computed; beyond, RangeError. */
const MAX_DECIMAL_EXPONENT = 1000;
const MAX_RESULT_BITS = 3400;
/** Most digits an amount may have (BigInt reading and printing grow faster than the text: 250,000 digits took 150 ms). */
const MAX_AMOUNT_DIGITS = 1000;

class UnitsError extends Error {}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

/** Go's extractNumAndUnit: the leading number (digits, '.', signs, e-exponents) and the unit after it. */
function extractNumAndUnit(s: string): { num: string; unit: string } {
  let first = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (!isDigit(c) && c !== "." && c !== "e" && c !== "E" && c !== "+" && c !== "-") {
      first = i;
      break;
    }
    if (c === "e" || c === "E") {
      const next = s[i + 1];
      if (i === s.length - 1 || (!isDigit(next) && next !== "+" && next !== "-")) {
        first = i;
        break;
      }
      if (next === "+" || next === "-") i += 1;
      let end = i + 1;
      while (end < s.length && isDigit(s[end])) end += 1;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) throw new UnitsError("exponent too large");
    }
  }
  if (first === -1) return { num: s, unit: "" };
  return { num: s.slice(0, first), unit: s.slice(first) };
}

/** Go's unicode.ToLower rune by rune; the only non-ASCII letters it maps into ASCII are U+0130 and the Kelvin sign. */
function goToLower(s: string): string {
  return s.replace(/[A-Z\u0130\u212a]/g, (c) => (c === "\u0130" ? "i" : c === "\u212a" ? "k" : c.toLowerCase()));
}

/** A decimal as math/big's SetString reads it: sign, digits and a power of ten, or undefined if it does not parse. */
function parseDecimal(num: string): { negative: boolean; mantissa: bigint; exp10: number } | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(num);
  if (!m) return undefined;
  const whole = m[2]!;
  const fraction = m[3] ?? "";
  if (whole === "" && fraction === "") return undefined;
  if (whole.length + fraction.length > MAX_AMOUNT_DIGITS) throw new RangeError(`units: an amount of more than ${MAX_AMOUNT_DIGITS} digits is too large for toolgate to compute`);
  return { negative: m[1] === "-", mantissa: BigInt(whole + fraction), exp10: Number(m[4] ?? 0) - fraction.length };
}

const bitLength = (n: bigint): number => (n === 0n ? 0 : n.toString(2).length);
const abs = (n: bigint): bigint => (n < 0n ? -n : n);

// units.parse

/** Go's switch on the unit (its first byte as written, the rest lowercased). */
const UNITS: Record<string, bigint> = {
  "": 1n, k: 1000n, K: 1000n, M: 10n ** 6n, g: 10n ** 9n, G: 10n ** 9n, t: 10n ** 12n, T: 10n ** 12n,
  p: 10n ** 15n, P: 10n ** 15n, e: 10n ** 18n, E: 10n ** 18n,
  ki: 1n << 10n, Ki: 1n << 10n, mi: 1n << 20n, Mi: 1n << 20n, gi: 1n << 30n, Gi: 1n << 30n,
  ti: 1n << 40n, Ti: 1n << 40n, pi: 1n << 50n, Pi: 1n << 50n, ei: 1n << 60n, Ei: 1n << 60n,
};

/** The exact value of float64 0.001 (Go: x.SetFloat64(0.001)), as numerator / 2^shift. */
const MILLI = ((): { numerator: bigint; shift: bigint } => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, 0.001);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn) - 1075;
  return { numerator: (bits & ((1n << 52n) - 1n)) | (1n << 52n), shift: BigInt(-exponent) };
})();

function unitFactor(unit: string): { numerator: bigint; denominator: bigint } {
  if (unit === "m") return { numerator: MILLI.numerator, denominator: 1n << MILLI.shift };
  if (!Object.hasOwn(UNITS, unit)) throw new UnitsError(`unit ${unit} not recognized`);
  return { numerator: UNITS[unit]!, denominator: 1n };
}

/** big.Rat.FloatString(10): rounded half away from zero to 10 decimals. */
function floatString10(numerator: bigint, denominator: bigint): string {
  const negative = numerator < 0n;
  const a = abs(numerator);
  let q = a / denominator;
  let r = ((a % denominator) * 10n ** 10n);
  const r2 = (r % denominator) * 2n;
  r /= denominator;
  if (denominator <= r2) {
    r += 1n;
    if (r >= 10n ** 10n) {
      q += 1n;
      r -= 10n ** 10n;
    }
  }
  return `${negative ? "-" : ""}${q}.${r.toString().padStart(10, "0")}`;
}

export function unitsParse(x: unknown): ArrayBuffer {
  if (typeof x !== "string") throw new TypeError("units.parse: operand must be a string");
  const s = x.replaceAll('"', "");
  if (s.includes(" ")) throw new UnitsError("spaces not allowed in resource strings");
  let { num, unit } = extractNumAndUnit(s);
  if (num === "") throw new UnitsError("no amount provided");
  // Go lowercases all but the first byte; a unit starting with a non-ASCII
  // character never matches, whatever follows.
  if (unit.length > 1) unit = unit.charCodeAt(0) < 0x80 ? unit[0]! + goToLower(unit.slice(1)) : "\0";
  const factor = unitFactor(unit);
  const value = parseDecimal(num);
  if (!value) throw new UnitsError("could not parse amount to a number");
  if (value.mantissa === 0n) return numberText("0");
  if (Math.abs(value.exp10) > 1e6) throw new UnitsError("could not parse amount to a number");
  if (value.exp10 > MAX_DECIMAL_EXPONENT) throw new RangeError("units.parse: the amount is too large for toolgate to compute");
  const signed = value.negative ? -value.mantissa : value.mantissa;
  // A value this small rounds to 0 at 10 decimals whatever the unit (at most 2^60).
  if (value.exp10 < -(value.mantissa.toString().length + 40)) return numberText(`${value.negative ? "-" : ""}0.0000000000`);
  let numerator = signed * factor.numerator;
  let denominator = factor.denominator;
  if (value.exp10 >= 0) numerator *= 10n ** BigInt(value.exp10);
  else denominator *= 10n ** BigInt(-value.exp10);
  if (numerator % denominator === 0n) return numberText((numerator / denominator).toString());
  return numberText(floatString10(numerator, denominator));
}

// units.parse_bytes

const BYTE_UNITS: Record<string, bigint> = {
  "": 1n,
  kb: 1000n, k: 1000n, kib: 1n << 10n, ki: 1n << 10n,
  mb: 10n ** 6n, m: 10n ** 6n, mib: 1n << 20n, mi: 1n << 20n,
  gb: 10n ** 9n, g: 10n ** 9n, gib: 1n << 30n, gi: 1n << 30n,
  tb: 10n ** 12n, t: 10n ** 12n, tib: 1n << 40n, ti: 1n << 40n,
  pb: 10n ** 15n, p: 10n ** 15n, pib: 1n << 50n, pi: 1n << 50n,
  eb: 10n ** 18n, e: 10n ** 18n, eib: 1n << 60n, ei: 1n << 60n,
};

/** A positive binary float: mantissa * 2^exp. */
interface BigFloat { mantissa: bigint; exp: number }

/** big.Float rounding to prec bits, to nearest even; sticky: the exact value is slightly above mantissa * 2^exp. */
function round(x: BigFloat, prec: number, sticky = false): BigFloat {
  const bits = bitLength(x.mantissa);
  if (bits <= prec) return x;
  const shift = bits - prec;
  let kept = x.mantissa >> BigInt(shift);
  const rest = x.mantissa & ((1n << BigInt(shift)) - 1n);
  const half = 1n << BigInt(shift - 1);
  if (rest > half || (rest === half && (sticky || (kept & 1n) === 1n))) kept += 1n;
  return { mantissa: kept, exp: x.exp + shift };
}

const multiply = (x: BigFloat, y: BigFloat, prec: number): BigFloat =>
  round({ mantissa: x.mantissa * y.mantissa, exp: x.exp + y.exp }, prec);

/** big.Float.Quo: the quotient correctly rounded to prec bits. */
function divide(x: BigFloat, y: BigFloat, prec: number): BigFloat {
  const shift = Math.max(0, prec + 2 - (bitLength(x.mantissa) - bitLength(y.mantissa)));
  const scaled = x.mantissa << BigInt(shift);
  const q = scaled / y.mantissa;
  return round({ mantissa: q, exp: x.exp - shift - y.exp }, prec, scaled % y.mantissa !== 0n);
}

/** big.Float.pow5 into a Float of 128 bits: exact to 5^27, then squarings at 192 bits. */
function pow5(n: number): BigFloat {
  if (n <= 27) return { mantissa: 5n ** BigInt(n), exp: 0 };
  let z: BigFloat = { mantissa: 5n ** 27n, exp: 0 };
  let f: BigFloat = { mantissa: 5n, exp: 0 };
  for (let rest = n - 27; rest > 0; rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1) z = multiply(z, f, 128);
    f = multiply(f, f, 192);
  }
  return z;
}

export function unitsParseBytes(x: unknown): ArrayBuffer {
  if (typeof x !== "string") throw new TypeError("units.parse_bytes: operand must be a string");
  const s = goToLower(x).replaceAll('"', "");
  if (s.includes(" ")) throw new UnitsError("spaces not allowed in resource strings");
  const { num, unit } = extractNumAndUnit(s);
  if (num === "") throw new UnitsError("no byte amount provided");
  const factor = Object.hasOwn(BYTE_UNITS, unit) ? BYTE_UNITS[unit]! : undefined;
  if (factor === undefined) throw new UnitsError(`byte unit ${unit} not recognized`);
  const value = parseDecimal(num);
  if (!value) throw new UnitsError("could not parse byte amount to a number");
  if (value.mantissa === 0n) return numberText("0");
  // big.Float.SetString at 64 bits: the exact mantissa times 10^e = 5^e * 2^e,
  // the power of five rounded to 128 bits, the product or quotient to 64.
  const mantissa: BigFloat = { mantissa: value.mantissa, exp: 0 };
  const e = value.exp10;
  let parsed: BigFloat;
  if (e === 0) parsed = round(mantissa, 64);
  else if (e > 0) parsed = multiply(mantissa, pow5(e), 64);
  else parsed = divide(mantissa, pow5(-e), 64);
  parsed = { mantissa: parsed.mantissa, exp: parsed.exp + e };
  const product = multiply(parsed, { mantissa: factor, exp: 0 }, 64);
  if (bitLength(product.mantissa) + product.exp > MAX_RESULT_BITS) {
    throw new RangeError("units.parse_bytes: the amount is too large for toolgate to compute");
  }
  // big.Float.Int: truncated toward zero.
  const magnitude = product.exp >= 0 ? product.mantissa << BigInt(product.exp) : product.mantissa >> BigInt(-product.exp);
  return numberText((value.negative && magnitude !== 0n ? -magnitude : magnitude).toString());
}
