// Host implementations of OPA's time.* builtins that the WASM target imports.
// time.parse_ns and time.parse_rfc3339_ns follow Go's time.Parse (a port of
// its layout parser, src/time/format.go) and OPA's range check (an instant
// outside int64 nanoseconds is an error, so the call is undefined).
// Results are nanoseconds since the epoch, which exceed 2^53: they are
// returned pre-encoded as JSON bytes (the SDK accepts an ArrayBuffer as
// encoded JSON) so that no precision is lost.
import { evaluationTimeNs } from "./evaluation-clock.ts";

const encoder = new TextEncoder();

function encodedInteger(value: bigint): ArrayBuffer {
  return encoder.encode(value.toString()).buffer as ArrayBuffer;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

class ParseError extends Error {}

// Layout elements (Go's std* codes).
const Std = {
  None: 0,
  LongMonth: 1,
  Month: 2,
  NumMonth: 3,
  ZeroMonth: 4,
  LongWeekDay: 5,
  WeekDay: 6,
  Day: 7,
  UnderDay: 8,
  ZeroDay: 9,
  UnderYearDay: 10,
  ZeroYearDay: 11,
  Hour: 12,
  Hour12: 13,
  ZeroHour12: 14,
  Minute: 15,
  ZeroMinute: 16,
  Second: 17,
  ZeroSecond: 18,
  LongYear: 19,
  Year: 20,
  PM: 21,
  pm: 22,
  TZ: 23,
  ISO8601TZ: 24,
  ISO8601SecondsTZ: 25,
  ISO8601ShortTZ: 26,
  ISO8601ColonTZ: 27,
  ISO8601ColonSecondsTZ: 28,
  NumTZ: 29,
  NumSecondsTz: 30,
  NumShortTZ: 31,
  NumColonTZ: 32,
  NumColonSecondsTZ: 33,
  FracSecond0: 34,
  FracSecond9: 35,
} as const;
type StdCode = (typeof Std)[keyof typeof Std];

interface Chunk { prefix: string; std: StdCode; digits: number; suffix: string }

const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i]! >= "0" && s[i]! <= "9";
const startsWithLowerCase = (s: string): boolean => s.length > 0 && s[0]! >= "a" && s[0]! <= "z";
const ZERO_STD: StdCode[] = [Std.ZeroMonth, Std.ZeroDay, Std.ZeroHour12, Std.ZeroMinute, Std.ZeroSecond, Std.Year];

/** Go's nextStdChunk: the text before the first layout element, the element, the rest. */
function nextStdChunk(layout: string): Chunk {
  const at = (i: number, std: StdCode, length: number, digits = 0): Chunk => ({ prefix: layout.slice(0, i), std, digits, suffix: layout.slice(i + length) });
  for (let i = 0; i < layout.length; i++) {
    const rest = layout.slice(i);
    switch (layout[i]) {
      case "J":
        if (rest.startsWith("Jan")) {
          if (rest.startsWith("January")) return at(i, Std.LongMonth, 7);
          if (!startsWithLowerCase(rest.slice(3))) return at(i, Std.Month, 3);
        }
        break;
      case "M":
        if (rest.startsWith("Mon")) {
          if (rest.startsWith("Monday")) return at(i, Std.LongWeekDay, 6);
          if (!startsWithLowerCase(rest.slice(3))) return at(i, Std.WeekDay, 3);
        }
        if (rest.startsWith("MST")) return at(i, Std.TZ, 3);
        break;
      case "0":
        if (rest.length >= 2 && rest[1]! >= "1" && rest[1]! <= "6") return at(i, ZERO_STD[Number(rest[1]) - 1]!, 2);
        if (rest.startsWith("002")) return at(i, Std.ZeroYearDay, 3);
        break;
      case "1":
        if (rest.startsWith("15")) return at(i, Std.Hour, 2);
        return at(i, Std.NumMonth, 1);
      case "2":
        if (rest.startsWith("2006")) return at(i, Std.LongYear, 4);
        return at(i, Std.Day, 1);
      case "_":
        if (rest.startsWith("_2")) {
          if (rest.startsWith("_2006")) return { prefix: layout.slice(0, i + 1), std: Std.LongYear, digits: 0, suffix: layout.slice(i + 5) };
          return at(i, Std.UnderDay, 2);
        }
        if (rest.startsWith("__2")) return at(i, Std.UnderYearDay, 3);
        break;
      case "3": return at(i, Std.Hour12, 1);
      case "4": return at(i, Std.Minute, 1);
      case "5": return at(i, Std.Second, 1);
      case "P":
        if (rest.startsWith("PM")) return at(i, Std.PM, 2);
        break;
      case "p":
        if (rest.startsWith("pm")) return at(i, Std.pm, 2);
        break;
      case "-":
        if (rest.startsWith("-070000")) return at(i, Std.NumSecondsTz, 7);
        if (rest.startsWith("-07:00:00")) return at(i, Std.NumColonSecondsTZ, 9);
        if (rest.startsWith("-0700")) return at(i, Std.NumTZ, 5);
        if (rest.startsWith("-07:00")) return at(i, Std.NumColonTZ, 6);
        if (rest.startsWith("-07")) return at(i, Std.NumShortTZ, 3);
        break;
      case "Z":
        if (rest.startsWith("Z070000")) return at(i, Std.ISO8601SecondsTZ, 7);
        if (rest.startsWith("Z07:00:00")) return at(i, Std.ISO8601ColonSecondsTZ, 9);
        if (rest.startsWith("Z0700")) return at(i, Std.ISO8601TZ, 5);
        if (rest.startsWith("Z07:00")) return at(i, Std.ISO8601ColonTZ, 6);
        if (rest.startsWith("Z07")) return at(i, Std.ISO8601ShortTZ, 3);
        break;
      case ".":
      case ",":
        if (rest[1] === "0" || rest[1] === "9") {
          const ch = rest[1];
          let j = 1;
          while (j < rest.length && rest[j] === ch) j++;
          if (!isDigitAt(rest, j)) return at(i, ch === "0" ? Std.FracSecond0 : Std.FracSecond9, j, j - 1);
        }
        break;
    }
  }
  return { prefix: layout, std: Std.None, digits: 0, suffix: "" };
}

const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const SHORT_DAYS = LONG_DAYS.map((d) => d.slice(0, 3));
const LONG_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));

/** Go's lookup: the first table entry the value starts with, ASCII case-insensitively. */
function lookup(table: string[], value: string): [number, string] {
  for (let i = 0; i < table.length; i++) {
    const v = table[i]!;
    if (value.length >= v.length && value.slice(0, v.length).toLowerCase() === v.toLowerCase() && /^[\x00-\x7f]*$/.test(value.slice(0, v.length))) {
      return [i, value.slice(v.length)];
    }
  }
  throw new ParseError("bad name");
}

function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw new ParseError("bad number");
  if (!isDigitAt(s, 1)) {
    if (fixed) throw new ParseError("bad number");
    return [Number(s[0]), s.slice(1)];
  }
  return [Number(s.slice(0, 2)), s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let i = 0;
  while (i < 3 && isDigitAt(s, i)) i++;
  if (i === 0 || (fixed && i !== 3)) throw new ParseError("bad number");
  return [Number(s.slice(0, i)), s.slice(i)];
}

const cutspace = (s: string): string => s.replace(/^ +/, "");

function skip(value: string, prefix: string): string {
  while (prefix.length > 0) {
    if (prefix[0] === " ") {
      if (value.length > 0 && value[0] !== " ") throw new ParseError("bad literal");
      prefix = cutspace(prefix);
      value = cutspace(value);
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) throw new ParseError("bad literal");
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return value;
}

/** Go's atoi on a short string: optional sign, then only digits. */
function atoi(s: string): number {
  const m = /^([+-]?)(\d+)$/.exec(s);
  if (!m) throw new ParseError("bad number");
  return m[1] === "-" ? -Number(m[2]) : Number(m[2]);
}

const commaOrPeriod = (c: string | undefined): boolean => c === "." || c === ",";

function parseNanoseconds(value: string, nbytes: number): number {
  if (!commaOrPeriod(value[0])) throw new ParseError("bad fraction");
  if (nbytes > 10) nbytes = 10;
  const digits = value.slice(1, nbytes);
  if (!/^\d+$/.test(digits)) throw new ParseError("bad fraction");
  return Number(digits) * 10 ** (10 - nbytes);
}

function parseSignedOffset(value: string): number {
  if (value[0] !== "-" && value[0] !== "+") return 0;
  const m = /^\d+/.exec(value.slice(1));
  if (!m || m[0].length > 19 || Number(m[0]) > 23) return 0;
  return 1 + m[0].length;
}

function parseTimeZone(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith("ChST") || value.startsWith("MeST")) return 4;
  if (value.startsWith("GMT")) return value.length === 3 ? 3 : 3 + parseSignedOffset(value.slice(3));
  if (value[0] === "+" || value[0] === "-") return parseSignedOffset(value);
  let upper = 0;
  while (upper < 6 && upper < value.length && value[upper]! >= "A" && value[upper]! <= "Z") upper++;
  if (upper === 5 && value[4] === "T") return 5;
  if (upper === 4 && (value[3] === "T" || value.startsWith("WITA"))) return 4;
  if (upper === 3) return 3;
  return -1;
}

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
const daysIn = (month: number, year: number): number => (month === 2 && isLeap(year) ? 29 : DAYS_BEFORE[month]! - DAYS_BEFORE[month - 1]!);

/** Days from 1970-01-01 to a proleptic Gregorian date (any year; Date.UTC maps years 0-99 to 1900-1999). */
function daysFromCivil(year: number, month: number, day: number): bigint {
  const y = BigInt(month <= 2 ? year - 1 : year);
  const era = (y >= 0n ? y : y - 399n) / 400n;
  const yoe = y - era * 400n;
  const mp = BigInt((month + 9) % 12);
  const doy = (153n * mp + 2n) / 5n + BigInt(day - 1);
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146097n + doe - 719468n;
}

/** Go's time.Parse(layout, value) in UTC (OPA's default), as nanoseconds since the epoch. */
function goParse(layoutIn: string, valueIn: string): bigint {
  let layout = layoutIn;
  let value = valueIn;
  let amSet = false;
  let pmSet = false;
  let year = 0, month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0, nsec = 0;
  let zoneOffset: number | undefined;
  let utc = false;
  for (;;) {
    const { prefix, std, digits, suffix } = nextStdChunk(layout);
    value = skip(value, prefix);
    if (std === Std.None) {
      if (value.length !== 0) throw new ParseError("extra text");
      break;
    }
    layout = suffix;
    switch (std) {
      case Std.Year: {
        if (value.length < 2) throw new ParseError("bad year");
        year = atoi(value.slice(0, 2));
        value = value.slice(2);
        year += year >= 69 ? 1900 : 2000;
        break;
      }
      case Std.LongYear:
        if (value.length < 4 || !isDigitAt(value, 0)) throw new ParseError("bad year");
        year = atoi(value.slice(0, 4));
        value = value.slice(4);
        break;
      case Std.Month: [month, value] = lookup(SHORT_MONTHS, value); month++; break;
      case Std.LongMonth: [month, value] = lookup(LONG_MONTHS, value); month++; break;
      case Std.NumMonth:
      case Std.ZeroMonth:
        [month, value] = getnum(value, std === Std.ZeroMonth);
        if (month <= 0 || month > 12) throw new ParseError("month out of range");
        break;
      case Std.WeekDay: [, value] = lookup(SHORT_DAYS, value); break;
      case Std.LongWeekDay: [, value] = lookup(LONG_DAYS, value); break;
      case Std.Day:
      case Std.UnderDay:
      case Std.ZeroDay:
        if (std === Std.UnderDay && value[0] === " ") value = value.slice(1);
        [day, value] = getnum(value, std === Std.ZeroDay);
        break;
      case Std.UnderYearDay:
      case Std.ZeroYearDay:
        for (let i = 0; i < 2; i++) if (std === Std.UnderYearDay && value[0] === " ") value = value.slice(1);
        [yday, value] = getnum3(value, std === Std.ZeroYearDay);
        break;
      case Std.Hour:
        [hour, value] = getnum(value, false);
        if (hour >= 24) throw new ParseError("hour out of range");
        break;
      case Std.Hour12:
      case Std.ZeroHour12:
        [hour, value] = getnum(value, std === Std.ZeroHour12);
        if (hour > 12) throw new ParseError("hour out of range");
        break;
      case Std.Minute:
      case Std.ZeroMinute:
        [min, value] = getnum(value, std === Std.ZeroMinute);
        if (min >= 60) throw new ParseError("minute out of range");
        break;
      case Std.Second:
      case Std.ZeroSecond: {
        [sec, value] = getnum(value, std === Std.ZeroSecond);
        if (sec >= 60) throw new ParseError("second out of range");
        if (value.length >= 2 && commaOrPeriod(value[0]) && isDigitAt(value, 1)) {
          const next = nextStdChunk(layout).std;
          if (next === Std.FracSecond0 || next === Std.FracSecond9) break;
          let n = 2;
          while (n < value.length && isDigitAt(value, n)) n++;
          nsec = parseNanoseconds(value, n);
          value = value.slice(n);
        }
        break;
      }
      case Std.PM:
      case Std.pm: {
        if (value.length < 2) throw new ParseError("bad AM/PM");
        const p = value.slice(0, 2);
        value = value.slice(2);
        const [am, pm] = std === Std.PM ? ["AM", "PM"] : ["am", "pm"];
        if (p === pm) pmSet = true;
        else if (p === am) amSet = true;
        else throw new ParseError("bad AM/PM");
        break;
      }
      case Std.ISO8601TZ:
      case Std.ISO8601ShortTZ:
      case Std.ISO8601ColonTZ:
      case Std.ISO8601SecondsTZ:
      case Std.ISO8601ColonSecondsTZ:
      case Std.NumTZ:
      case Std.NumShortTZ:
      case Std.NumColonTZ:
      case Std.NumSecondsTz:
      case Std.NumColonSecondsTZ: {
        const iso = std >= Std.ISO8601TZ && std <= Std.ISO8601ColonSecondsTZ;
        if (iso && value[0] === "Z") {
          value = value.slice(1);
          utc = true;
          break;
        }
        let sign: string, hh: string, mm: string, ss: string;
        if (std === Std.ISO8601ColonTZ || std === Std.NumColonTZ) {
          if (value.length < 6 || value[3] !== ":") throw new ParseError("bad zone");
          [sign, hh, mm, ss] = [value[0]!, value.slice(1, 3), value.slice(4, 6), "00"];
          value = value.slice(6);
        } else if (std === Std.NumShortTZ || std === Std.ISO8601ShortTZ) {
          if (value.length < 3) throw new ParseError("bad zone");
          [sign, hh, mm, ss] = [value[0]!, value.slice(1, 3), "00", "00"];
          value = value.slice(3);
        } else if (std === Std.ISO8601ColonSecondsTZ || std === Std.NumColonSecondsTZ) {
          if (value.length < 9 || value[3] !== ":" || value[6] !== ":") throw new ParseError("bad zone");
          [sign, hh, mm, ss] = [value[0]!, value.slice(1, 3), value.slice(4, 6), value.slice(7, 9)];
          value = value.slice(9);
        } else if (std === Std.ISO8601SecondsTZ || std === Std.NumSecondsTz) {
          if (value.length < 7) throw new ParseError("bad zone");
          [sign, hh, mm, ss] = [value[0]!, value.slice(1, 3), value.slice(3, 5), value.slice(5, 7)];
          value = value.slice(7);
        } else {
          if (value.length < 5) throw new ParseError("bad zone");
          [sign, hh, mm, ss] = [value[0]!, value.slice(1, 3), value.slice(3, 5), "00"];
          value = value.slice(5);
        }
        const [hr] = getnum(hh, true);
        const [mi] = getnum(mm, true);
        const [se] = getnum(ss, true);
        if (hr > 24 || mi > 60 || se > 60) throw new ParseError("zone offset out of range");
        if (sign !== "+" && sign !== "-") throw new ParseError("bad zone sign");
        zoneOffset = (sign === "-" ? -1 : 1) * ((hr * 60 + mi) * 60 + se);
        break;
      }
      case Std.TZ: {
        if (value.startsWith("UTC")) {
          value = value.slice(3);
          utc = true;
          break;
        }
        const n = parseTimeZone(value);
        if (n <= 0) throw new ParseError("bad zone name");
        // Go looks an abbreviation up in the local zone (UTC for OPA in a
        // container) and otherwise keeps the wall clock as UTC under a
        // made-up zone: the instant does not move (nor for GMT+h).
        value = value.slice(n);
        break;
      }
      case Std.FracSecond0: {
        const n = 1 + digits;
        if (value.length < n) throw new ParseError("bad fraction");
        nsec = parseNanoseconds(value, n);
        value = value.slice(n);
        break;
      }
      case Std.FracSecond9: {
        if (value.length < 2 || !commaOrPeriod(value[0]) || !isDigitAt(value, 1)) break;
        let i = 0;
        while (i + 1 < value.length && isDigitAt(value, i + 1)) i++;
        nsec = parseNanoseconds(value, 1 + i);
        value = value.slice(1 + i);
        break;
      }
    }
  }
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let d = 0;
    let m = 0;
    if (isLeap(year)) {
      if (yday === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) yday--;
    }
    if (yday < 1 || yday > 365) throw new ParseError("day-of-year out of range");
    if (m === 0) {
      m = Math.floor((yday - 1) / 31) + 1;
      if (DAYS_BEFORE[m]! < yday) m++;
      d = yday - DAYS_BEFORE[m - 1]!;
    }
    if (month >= 0 && month !== m) throw new ParseError("day-of-year does not match month");
    month = m;
    if (day >= 0 && day !== d) throw new ParseError("day-of-year does not match day");
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) throw new ParseError("day out of range");
  // "Z" or "UTC" anywhere wins over a numeric offset (Go: z != nil first)
  const offset = utc ? 0 : (zoneOffset ?? 0);
  const seconds = daysFromCivil(year, month, day) * 86400n + BigInt(hour * 3600 + min * 60 + sec) - BigInt(offset);
  const ns = seconds * 1_000_000_000n + BigInt(nsec);
  // OPA's toSafeUnixNano: an instant int64 nanoseconds cannot hold is an error
  if (ns < INT64_MIN || ns > INT64_MAX) throw new ParseError("time outside of valid range");
  return ns;
}

// OPA maps these names to Go's layout constants (topdown/time.go acceptedTimeFormats).
const NAMED_LAYOUTS: Readonly<Record<string, string>> = {
  ANSIC: "Mon Jan _2 15:04:05 2006",
  UnixDate: "Mon Jan _2 15:04:05 MST 2006",
  RubyDate: "Mon Jan 02 15:04:05 -0700 2006",
  RFC822: "02 Jan 06 15:04 MST",
  RFC822Z: "02 Jan 06 15:04 -0700",
  RFC850: "Monday, 02-Jan-06 15:04:05 MST",
  RFC1123: "Mon, 02 Jan 2006 15:04:05 MST",
  RFC1123Z: "Mon, 02 Jan 2006 15:04:05 -0700",
  RFC3339: "2006-01-02T15:04:05Z07:00",
  RFC3339Nano: "2006-01-02T15:04:05.999999999Z07:00",
};

export function parseRfc3339Ns(value: unknown): ArrayBuffer {
  if (typeof value !== "string") throw new TypeError("time.parse_rfc3339_ns: operand must be a string");
  return encodedInteger(goParse(NAMED_LAYOUTS.RFC3339!, value));
}

/** time.parse_ns(layout, value): Go's time.Parse, with OPA's named layouts. */
export function parseNs(layout: unknown, value: unknown): ArrayBuffer {
  if (typeof layout !== "string" || typeof value !== "string") {
    throw new TypeError("time.parse_ns: operands must be strings");
  }
  return encodedInteger(goParse(Object.hasOwn(NAMED_LAYOUTS, layout) ? NAMED_LAYOUTS[layout]! : layout, value));
}

export function nowNs(): ArrayBuffer {
  return encodedInteger(evaluationTimeNs());
}
