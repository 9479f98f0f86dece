// Go's fmt.Sprintf for the operands OPA's sprintf passes it (topdown/strings.go):
// a number written with '.', 'e' or 'E' is a float64 (or its text when no
// float64 holds it), other numbers an int64 or *big.Int, a string a string,
// anything else its Rego text. Verbs and flags this file does not implement
// throw UnsupportedFormatError, which fails the evaluation: printing them
// differently from Go would be a silent wrong answer.

import { goQuote } from "./go-value.ts";
import { UnsupportedFormatError } from "./unsupported-format-error.ts";

export type GoOperand =
  | { type: "int64" | "big.Int"; value: bigint }
  | { type: "float64"; value: number }
  | { type: "string"; value: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** How OPA's sprintf hands a number to fmt, by its text. */
export function numberOperand(text: string): GoOperand {
  if (/[.eE]/.test(text)) {
    const f = Number(text);
    return Number.isFinite(f) ? { type: "float64", value: f } : { type: "string", value: text };
  }
  const i = BigInt(text);
  return { type: i >= INT64_MIN && i <= INT64_MAX ? "int64" : "big.Int", value: i };
}

interface Spec { minus: boolean; plus: boolean; space: boolean; zero: boolean; sharp: boolean; width?: number; precision?: number }

/** The exact decimal expansion of a finite double: digits (no leading zeros) and the position of the point. */
function exactDecimal(x: number): { digits: string; point: number } {
  if (x === 0) return { digits: "", point: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exp = biased - 1075;
  if (biased === 0) exp = -1074;
  else mantissa |= 1n << 52n;
  let digits: string;
  let point: number;
  if (exp >= 0) {
    digits = (mantissa << BigInt(exp)).toString();
    point = digits.length;
  } else {
    digits = (mantissa * 5n ** BigInt(-exp)).toString();
    point = digits.length + exp;
  }
  const trimmed = digits.replace(/0+$/, "");
  const lead = trimmed.length - trimmed.replace(/^0+/, "").length;
  return { digits: trimmed.slice(lead), point: point - lead };
}

/** Rounds digits to n digits, half to even (Go's strconv on the exact value). */
function roundDigits(d: { digits: string; point: number }, n: number): { digits: string; point: number } {
  if (n < 0) return { digits: "", point: d.point };
  if (d.digits.length <= n) return d;
  const kept = d.digits.slice(0, n);
  const rest = d.digits.slice(n);
  const half = rest[0]! > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || (kept !== "" && Number(kept.at(-1)) % 2 === 1)));
  if (!half) return { digits: kept.replace(/0+$/, ""), point: d.point };
  const up = (BigInt(kept || "0") + 1n).toString();
  const point = up.length > kept.length ? d.point + 1 : d.point;
  return { digits: up.replace(/0+$/, ""), point };
}

function shortestDigits(x: number): { digits: string; point: number } {
  if (x === 0) return { digits: "", point: 0 };
  const [mant, e] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  return { digits: digits.replace(/0+$/, ""), point: Number(e) + 1 };
}

function fixed(d: { digits: string; point: number }, precision: number): string {
  const r = roundDigits(d, d.point + precision);
  const all = r.digits.padEnd(r.point + precision, "0");
  const intPart = r.point > 0 ? all.slice(0, r.point) : "0";
  const frac = r.point >= 0 ? all.slice(r.point) : "0".repeat(-r.point) + all;
  return precision > 0 ? `${intPart}.${frac.slice(0, precision).padEnd(precision, "0")}` : intPart;
}

function exponent(d: { digits: string; point: number }, precision: number | "shortest", upper: boolean): string {
  const r = precision === "shortest" ? d : roundDigits(d, precision + 1);
  const digits = r.digits === "" ? "0" : r.digits;
  const exp = r.digits === "" ? 0 : r.point - 1;
  const frac = precision === "shortest" ? digits.slice(1) : digits.slice(1).padEnd(precision, "0");
  const e = `${upper ? "E" : "e"}${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return `${digits[0]}${frac ? "." + frac : ""}${e}`;
}

/** %v / %g (shortest) of a float64, as strconv.FormatFloat(x, 'g', -1, 64). */
function shortestG(x: number, upper: boolean): string {
  const d = shortestDigits(x);
  const exp = d.digits === "" ? 0 : d.point - 1;
  // strconv: with the shortest precision, %e from exponent 6 on (Go prints 1e+06)
  if (d.digits !== "" && (exp < -4 || exp >= 6)) return exponent(d, "shortest", upper);
  return fixed(d, Math.max(d.digits.length - d.point, 0));
}

function pad(body: string, sign: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  if (width === 0) return sign + body;
  const length = [...sign + body].length;
  if (length >= width) return sign + body;
  if (spec.minus) return sign + body + " ".repeat(width - length);
  if (spec.zero && numeric) return sign + "0".repeat(width - length) + body;
  return " ".repeat(width - length) + sign + body;
}

function signOf(negative: boolean, spec: Spec): string {
  return negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
}

function operandText(op: GoOperand): string {
  return op.type === "float64" ? shortestG(op.value, false) : op.type === "string" ? op.value : op.value.toString();
}

function badVerb(verb: string, op: GoOperand): string {
  return `%!${verb}(${op.type === "big.Int" ? "*big.Int" : op.type}=${operandText(op)})`;
}

function formatOne(verb: string, spec: Spec, op: GoOperand): string {
  if (spec.sharp) throw new UnsupportedFormatError(`sprintf: the # flag is not supported`);
  if (op.type === "string") {
    if (verb === "q" && spec.precision === undefined && !spec.plus && !spec.zero) return pad(goQuote(op.value), "", spec, false);
    if (verb !== "v" && verb !== "s") {
      if ("xXq".includes(verb)) throw new UnsupportedFormatError(`sprintf: %${verb} of a string is not supported`);
      return badVerb(verb, op);
    }
    if (spec.zero) throw new UnsupportedFormatError("sprintf: the 0 flag on a string is not supported");
    return pad(spec.precision === undefined ? op.value : [...op.value].slice(0, spec.precision).join(""), "", spec, false);
  }
  if (op.type === "int64" || op.type === "big.Int") {
    if (op.type === "big.Int" && verb === "s") verb = "d";
    const bases: Record<string, number> = { v: 10, d: 10, b: 2, o: 8, x: 16, X: 16 };
    const base = bases[verb];
    if (base === undefined) {
      if ("cqUO".includes(verb)) throw new UnsupportedFormatError(`sprintf: %${verb} of an integer is not supported`);
      return op.type === "big.Int" ? `%!${verb}(big.Int=${op.value})` : badVerb(verb, op);
    }
    if (spec.precision !== undefined) throw new UnsupportedFormatError("sprintf: a precision on an integer is not supported");
    const negative = op.value < 0n;
    let body = (negative ? -op.value : op.value).toString(base);
    if (verb === "X") body = body.toUpperCase();
    return pad(body, signOf(negative, spec), spec, true);
  }
  const x = op.value as number;
  const negative = x < 0 || Object.is(x, -0);
  let body: string;
  switch (verb) {
    case "v":
    case "g":
    case "G":
      if (spec.precision !== undefined) throw new UnsupportedFormatError(`sprintf: %${verb} with a precision is not supported`);
      body = shortestG(x, verb === "G");
      break;
    case "f":
    case "F":
      body = fixed(exactDecimal(x), spec.precision ?? 6);
      break;
    case "e":
    case "E":
      body = exponent(exactDecimal(x), spec.precision ?? 6, verb === "E");
      break;
    default:
      if ("bxX".includes(verb)) throw new UnsupportedFormatError(`sprintf: %${verb} of a float is not supported`);
      return badVerb(verb, op);
  }
  return pad(body.replace(/^-/, ""), signOf(negative, spec), spec, true);
}

/** fmt.Sprintf(format, operands...) for the verbs and flags listed above. */
export function goSprintf(format: string, operands: GoOperand[]): string {
  let out = "";
  let next = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, space: false, zero: false, sharp: false };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === "-") spec.minus = true;
      else if (c === "+") spec.plus = true;
      else if (c === " ") spec.space = true;
      else if (c === "0") spec.zero = !spec.minus;
      else if (c === "#") spec.sharp = true;
      else break;
    }
    const width = /^\d+/.exec(format.slice(i));
    if (width) {
      spec.width = Number(width[0]);
      i += width[0].length;
    }
    if (format[i] === ".") {
      const precision = /^\d*/.exec(format.slice(i + 1))![0];
      spec.precision = Number(precision || "0");
      i += 1 + precision.length;
    }
    if (i >= format.length) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === "*" || verb === "[") throw new UnsupportedFormatError(`sprintf: %${verb} is not supported`);
    if (verb === "%") {
      out += "%";
      continue;
    }
    // Go reads widths and precisions up to about 1e7 and prints %!(NOVERB) past them; toolgate pads at most a million.
    if (spec.width !== undefined && spec.width > 1_000_000) throw new UnsupportedFormatError("sprintf: width too large");
    if (spec.precision !== undefined && spec.precision > 1_000_000) throw new UnsupportedFormatError("sprintf: precision too large");
    const op = operands[next];
    next += 1;
    out += op === undefined ? `%!${verb}(MISSING)` : formatOne(verb, spec, op);
  }
  if (next < operands.length) {
    out += `%!(EXTRA ${operands.slice(next).map((op) => `${op.type === "big.Int" ? "*big.Int" : op.type}=${operandText(op)}`).join(", ")})`;
  }
  return out;
}
