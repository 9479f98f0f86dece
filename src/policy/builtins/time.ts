// Host implementations of OPA's time.* builtins that the WASM target imports.
// Results are nanoseconds since the epoch, which exceed 2^53: they are returned
// pre-encoded as JSON bytes (the SDK accepts an ArrayBuffer as encoded JSON) so
// that no precision is lost.

const NS_PER_MS = 1_000_000n;
const encoder = new TextEncoder();

function encodedInteger(value: bigint): ArrayBuffer {
  return encoder.encode(value.toString()).buffer as ArrayBuffer;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Nanoseconds since the epoch for a calendar date-time; throws on an impossible date. */
function epochNs(parts: {
  year: number; month: number; day: number; hour: number; minute: number; second: number;
  fraction: string; offsetMinutes: number;
}): bigint {
  const { year, month, day, hour, minute, second, fraction, offsetMinutes } = parts;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    throw new Error("time out of range");
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) {
    throw new Error("day out of range");
  }
  const frac = BigInt(fraction.padEnd(9, "0") || "0");
  return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * NS_PER_MS + frac;
}

export function parseRfc3339Ns(value: unknown): ArrayBuffer {
  if (typeof value !== "string") throw new TypeError("time.parse_rfc3339_ns: operand must be a string");
  const m = RFC3339.exec(value);
  if (!m) throw new Error(`time.parse_rfc3339_ns: cannot parse ${JSON.stringify(value)} as RFC3339`);
  const sign = m[9] === "-" ? -1 : 1;
  const offsetMinutes = m[8] ? 0 : sign * (Number(m[10]) * 60 + Number(m[11]));
  return encodedInteger(
    epochNs({
      year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
      hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]),
      fraction: m[7] ?? "", offsetMinutes,
    }),
  );
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];

type Field = "year" | "month" | "monthName" | "day" | "hour" | "minute" | "second" | "fraction" | "offset";

// Go reference-time layout elements, longest first so that "2006" wins over "2".
const LAYOUT_TOKENS: Array<[string, string, Field | null]> = [
  ["January", `(${MONTHS.join("|")})`, "monthName"],
  ["Jan", `(${MONTHS.map((m) => m.slice(0, 3)).join("|")})`, "monthName"],
  ["Monday", "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)", null],
  ["Mon", "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)", null],
  ["2006", "(\\d{4})", "year"],
  ["Z07:00", "(Z|[+-]\\d{2}:\\d{2})", "offset"],
  ["-07:00", "([+-]\\d{2}:\\d{2})", "offset"],
  ["-0700", "([+-]\\d{4})", "offset"],
  [".000000000", "\\.(\\d{9})", "fraction"],
  [".999999999", "(?:\\.(\\d{1,9}))?", "fraction"],
  [".000000", "\\.(\\d{6})", "fraction"],
  [".999999", "(?:\\.(\\d{1,6}))?", "fraction"],
  [".000", "\\.(\\d{3})", "fraction"],
  [".999", "(?:\\.(\\d{1,3}))?", "fraction"],
  ["01", "(\\d{2})", "month"],
  ["02", "(\\d{2})", "day"],
  ["_2", " ?(\\d{1,2})", "day"],
  ["15", "(\\d{2})", "hour"],
  ["04", "(\\d{2})", "minute"],
  ["05", "(\\d{2})", "second"],
  ["1", "(\\d{1,2})", "month"],
  ["2", "(\\d{1,2})", "day"],
];

interface CompiledLayout { regex: RegExp; fields: Field[] }
const layoutCache = new Map<string, CompiledLayout>();

function compileLayout(layout: string): CompiledLayout {
  const cached = layoutCache.get(layout);
  if (cached) return cached;
  let pattern = "^";
  const fields: Field[] = [];
  let i = 0;
  outer: while (i < layout.length) {
    for (const [token, re, field] of LAYOUT_TOKENS) {
      if (layout.startsWith(token, i)) {
        pattern += re;
        if (field) fields.push(field);
        i += token.length;
        continue outer;
      }
    }
    pattern += layout[i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    i += 1;
  }
  const compiled = { regex: new RegExp(pattern + "$"), fields };
  layoutCache.set(layout, compiled);
  return compiled;
}

function offsetMinutes(text: string): number {
  if (text === "Z") return 0;
  const digits = text.replace(":", "");
  const sign = digits.startsWith("-") ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

/** time.parse_ns(layout, value) for the common Go layout elements; an unknown element is matched literally. */
export function parseNs(layout: unknown, value: unknown): ArrayBuffer {
  if (typeof layout !== "string" || typeof value !== "string") {
    throw new TypeError("time.parse_ns: operands must be strings");
  }
  const { regex, fields } = compileLayout(layout);
  const m = regex.exec(value);
  if (!m) throw new Error(`time.parse_ns: cannot parse ${JSON.stringify(value)} as ${JSON.stringify(layout)}`);
  const parts = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, fraction: "", offsetMinutes: 0 };
  fields.forEach((field, index) => {
    const text = m[index + 1];
    if (text === undefined) return;
    switch (field) {
      case "monthName": parts.month = MONTHS.findIndex((name) => name.startsWith(text)) + 1; break;
      case "fraction": parts.fraction = text; break;
      case "offset": parts.offsetMinutes = offsetMinutes(text); break;
      default: parts[field] = Number(text);
    }
  });
  return encodedInteger(epochNs(parts));
}

export function nowNs(): ArrayBuffer {
  return encodedInteger(BigInt(Date.now()) * NS_PER_MS);
}
