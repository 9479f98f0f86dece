// OPA's Go ordering and text of values (ast.Compare, ast.Value.String()),
// for builtins that must answer as Go does and for sorting set results.
import { compareCodePoints } from "../../json/code-point-order.ts";
import { GO_PRINTABLE_RANGES } from "./go-printable.ts";
import type { RegoValue } from "./rego-text.ts";

const KIND_ORDER: Record<RegoValue["kind"], number> = {
  null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5, set: 6,
};

/** A number's exact value as sign, significant digits and decimal exponent (value = 0.digits * 10^exp). */
export function decimal(text: string): { negative: boolean; digits: string; exp: number } {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) throw new Error(`not a number: ${text}`);
  const raw = m[2]! + (m[3] ?? "");
  const lead = raw.length - raw.replace(/^0+/, "").length;
  // A loop, not /0+$/: that regex retries from every zero of an inner run (quadratic on "1000…0001").
  let end = raw.length;
  while (end > lead && raw.charCodeAt(end - 1) === 0x30) end -= 1;
  const digits = raw.slice(lead, end);
  const exp = m[2]!.length - lead + Number(m[4] ?? 0);
  return { negative: m[1] === "-" && digits !== "", digits, exp: digits === "" ? 0 : exp };
}

export function compareNumberText(a: string, b: string): number {
  const x = decimal(a);
  const y = decimal(b);
  const sign = (d: typeof x): number => (d.digits === "" ? 0 : d.negative ? -1 : 1);
  if (sign(x) !== sign(y)) return sign(x) - sign(y);
  if (sign(x) === 0) return 0;
  let c = x.exp !== y.exp ? x.exp - y.exp : x.digits < y.digits ? -1 : x.digits > y.digits ? 1 : 0;
  if (x.exp === y.exp && c === 0) c = 0;
  return x.negative ? -Math.sign(c) : Math.sign(c);
}

/** Go compares strings by bytes of UTF-8, which is code point order (not JS's UTF-16 unit order). */
export function compareStrings(a: string, b: string): number {
  return Math.sign(compareCodePoints(a, b));
}

function compareLists(a: RegoValue[], b: RegoValue[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareRego(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return Math.sign(a.length - b.length);
}

// Each set's items and object's entries sorted once, not on every comparison: sorting a
// set of sets compared (and so sorted) each child again per comparison. Values are
// never changed once built, so a sorted copy stays right.
const sortedSets = new WeakMap<RegoValue[], RegoValue[]>();
const sortedObjects = new WeakMap<Array<[RegoValue, RegoValue]>, Array<[RegoValue, RegoValue]>>();

function sortedItems(items: RegoValue[]): RegoValue[] {
  let sorted = sortedSets.get(items);
  if (sorted === undefined) {
    sorted = [...items].sort(compareRego);
    sortedSets.set(items, sorted);
  }
  return sorted;
}

function sortedEntries(entries: Array<[RegoValue, RegoValue]>): Array<[RegoValue, RegoValue]> {
  let sorted = sortedObjects.get(entries);
  if (sorted === undefined) {
    sorted = [...entries].sort((p, q) => compareRego(p[0], q[0]));
    sortedObjects.set(entries, sorted);
  }
  return sorted;
}

/** ast.Compare: null < booleans < numbers < strings < arrays < objects < sets. */
export function compareRego(a: RegoValue, b: RegoValue): number {
  if (a.kind !== b.kind) return Math.sign(KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  switch (a.kind) {
    case "null": return 0;
    case "boolean": return Number(a.value) - Number((b as typeof a).value);
    case "number": return compareNumberText(a.text, (b as typeof a).text);
    case "string": return compareStrings(a.value, (b as typeof a).value);
    case "array": return compareLists(a.items, (b as typeof a).items);
    case "set": return compareLists(sortedItems(a.items), sortedItems((b as typeof a).items));
    case "object": {
      const x = sortedEntries(a.entries);
      const y = sortedEntries((b as typeof a).entries);
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareRego(x[i]![0], y[i]![0]) || compareRego(x[i]![1], y[i]![1]);
        if (c !== 0) return c;
      }
      return Math.sign(x.length - y.length);
    }
  }
}

/** unicode.IsPrint of the Go that built the pinned opa (its Unicode version, not JS's). */
function isGoPrintable(cp: number): boolean {
  let lo = 0;
  let hi = GO_PRINTABLE_RANGES.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < GO_PRINTABLE_RANGES[2 * mid]!) hi = mid - 1;
    else if (cp > GO_PRINTABLE_RANGES[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Go's strconv.Quote: printable runes as they are, others escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (isGoPrintable(cp)) out += ch;
    else if (cp === 7) out += "\\a";
    else if (cp === 8) out += "\\b";
    else if (cp === 12) out += "\\f";
    else if (cp === 10) out += "\\n";
    else if (cp === 13) out += "\\r";
    else if (cp === 9) out += "\\t";
    else if (cp === 11) out += "\\v";
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\ufffd";
    else if (cp < 0x80) out += "\\x" + cp.toString(16).padStart(2, "0");
    else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out + '"';
}

/** ast.Value.String(): Rego syntax, object keys and set elements in sorted order. */
export function regoString(v: RegoValue): string {
  switch (v.kind) {
    case "null": return "null";
    case "boolean": return String(v.value);
    case "number": return v.text;
    case "string": return goQuote(v.value);
    case "array": return `[${v.items.map(regoString).join(", ")}]`;
    case "set": return v.items.length === 0 ? "set()" : `{${sortedItems(v.items).map(regoString).join(", ")}}`;
    case "object":
      return `{${sortedEntries(v.entries).map(([k, x]) => `${regoString(k)}: ${regoString(x)}`).join(", ")}}`;
  }
}
