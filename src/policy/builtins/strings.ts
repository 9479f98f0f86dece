// Host implementations of replace (not native in OPA's WASM target) and sprintf.
import { goSprintf, numberOperand, type GoOperand } from "./go-fmt.ts";
import { regoString } from "./go-value.ts";
import { parseRegoText, type RegoValue } from "./rego-text.ts";

export function replace(s: unknown, old: unknown, replacement: unknown): string {
  if (typeof s !== "string" || typeof old !== "string" || typeof replacement !== "string") {
    throw new TypeError("replace: operands must be strings");
  }
  return s.replaceAll(old, replacement);
}

/**
 * sprintf as OPA's Go builtin: operands as Rego values, so a number keeps
 * the digits it was written with (1.0 is a float, 123456789123456789123 an
 * exact big integer) and a set prints as a set.
 */
export const sprintf = Object.assign(
  (format: RegoValue, values: RegoValue): string => {
    if (format.kind !== "string" || values.kind !== "array") throw new TypeError("sprintf: operands must be a string and an array");
    const operands = values.items.map((v): GoOperand =>
      v.kind === "number" ? numberOperand(v.text) : { type: "string", value: v.kind === "string" ? v.value : regoString(v) },
    );
    return goSprintf(format.value, operands);
  },
  { readsRegoValues: true as const },
);

function stringsOf(name: string, value: unknown): string[] | undefined {
  if (typeof value === "string") return undefined;
  if (Array.isArray(value) && value.every((x) => typeof x === "string")) return value as string[];
  throw new TypeError(`${name}: operands must be a string, or an array or set of strings`);
}

/**
 * strings.any_prefix_match / any_suffix_match as OPA's Go builtins: whether
 * any of the search strings starts (ends) with any of the base strings. Sets
 * arrive as arrays, which is the same question. A prefix of UTF-16 text is a
 * prefix of its UTF-8 bytes (both are whole characters), so comparing code
 * units answers as Go's strings.HasPrefix. The bases go into a trie and each
 * search string walks it once: linear in the operands, where comparing every
 * pair (as Go does) is quadratic in what a model can put in a list.
 */
function anyAffixMatch(name: string, suffix: boolean): (search: unknown, base: unknown) => boolean {
  return (search, base) => {
    const searches = stringsOf(name, search) ?? [search as string];
    const bases = stringsOf(name, base) ?? [base as string];
    if (searches.length === 0 || bases.length === 0) return false;
    const root = new AffixNode();
    for (const b of bases) {
      let node = root;
      for (let i = 0; i < b.length; i++) node = node.child(b.charCodeAt(suffix ? b.length - 1 - i : i));
      node.ends = true;
    }
    return searches.some((s) => {
      let node: AffixNode | undefined = root;
      for (let i = 0; node !== undefined; i++) {
        if (node.ends) return true;
        if (i === s.length) return false;
        node = node.next?.get(s.charCodeAt(suffix ? s.length - 1 - i : i));
      }
      return false;
    });
  };
}

/** A trie node: a base string ends here, and the nodes one code unit on. */
class AffixNode {
  ends = false;
  next: Map<number, AffixNode> | undefined;

  child(unit: number): AffixNode {
    this.next ??= new Map();
    let node = this.next.get(unit);
    if (node === undefined) {
      node = new AffixNode();
      this.next.set(unit, node);
    }
    return node;
  }
}

export const anyPrefixMatch = anyAffixMatch("strings.any_prefix_match", false);
export const anySuffixMatch = anyAffixMatch("strings.any_suffix_match", true);

/** Go's strings.SplitN(s, sep, n) for n != 0: an empty separator splits into characters (code points). */
function goSplitN(s: string, sep: string, n: number): string[] {
  if (sep === "") {
    const chars = Array.from(s);
    if (n < 0 || n > chars.length) return chars;
    return n === 0 ? [] : [...chars.slice(0, n - 1), chars.slice(n - 1).join("")];
  }
  const out: string[] = [];
  let rest = s;
  while (n < 0 || out.length < n - 1) {
    const m = rest.indexOf(sep);
    if (m < 0) break;
    out.push(rest.slice(0, m));
    rest = rest.slice(m + sep.length);
  }
  out.push(rest);
  return out;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * OPA's util.Atoi64 (how Number.Int reads a number's text): an optional sign,
 * at most 19 characters of digits and one '.' followed only by zeros (2.0 is
 * 2, 2.5 and 1e2 are not integers), within int64.
 */
function goAtoi64(text: string): bigint | undefined {
  const m = /^([+-]?)(\d*)(?:\.(0*))?$/.exec(text);
  const body = text.replace(/^[+-]/, "");
  if (!m || body.length === 0 || body.length > 19) return undefined;
  const n = BigInt((m[1] === "-" ? "-" : "") + (m[2] === "" ? "0" : m[2]!));
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * strings.split_n as OPA 1.22's Go builtin: n >= 0 keeps the first n parts of
 * splitting into at most n+1; n < 0 keeps the last -n parts. n must be written
 * as Go's util.Atoi64 reads integers (2.0 is 2; 2.5 and 1e2 are errors), so
 * the operands are read as Rego text.
 */
export const splitN = Object.assign(
  (sText: string, delimText: string, nText: string): string[] => {
    const s = parseRegoText(sText);
    const delim = parseRegoText(delimText);
    const n = parseRegoText(nText);
    if (s.kind !== "string" || delim.kind !== "string") throw new TypeError("strings.split_n: operands must be strings");
    const count = n.kind === "number" ? goAtoi64(n.text) : undefined;
    if (count === undefined) throw new TypeError("strings.split_n: n must be an integer");
    if (count >= 0n) {
      // A limit beyond the string's length + 1 is no limit (Go clamps it so).
      const limit = count > BigInt(s.value.length + 2) ? -1 : Number(count) + 1;
      const parts = goSplitN(s.value, delim.value, limit);
      return parts.slice(0, Number(count < BigInt(parts.length) ? count : BigInt(parts.length)));
    }
    const parts = goSplitN(s.value, delim.value, -1);
    const start = BigInt(parts.length) + count;
    return parts.slice(start > 0n ? Number(start) : 0);
  },
  { readsRegoText: true as const },
);

/** Go's strings.Count: non-overlapping occurrences; an empty substring counts characters + 1. */
export function stringsCount(s: unknown, substr: unknown): number {
  if (typeof s !== "string" || typeof substr !== "string") throw new TypeError("strings.count: operands must be strings");
  if (substr === "") return Array.from(s).length + 1;
  let count = 0;
  for (let i = s.indexOf(substr); i >= 0; i = s.indexOf(substr, i + substr.length)) count += 1;
  return count;
}

/**
 * indexof_n as OPA's Go builtin: every (overlapping) position of search in s,
 * counted in characters (code points). Knuth-Morris-Pratt keeps it linear.
 */
export function indexOfN(s: unknown, search: unknown): number[] {
  if (typeof s !== "string" || typeof search !== "string") throw new TypeError("indexof_n: operands must be strings");
  if (search === "") throw new TypeError("indexof_n: empty search character");
  const text = Array.from(s);
  const pattern = Array.from(search);
  const fail = new Array<number>(pattern.length).fill(0);
  for (let i = 1, k = 0; i < pattern.length; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = fail[k - 1]!;
    if (pattern[i] === pattern[k]) k += 1;
    fail[i] = k;
  }
  const out: number[] = [];
  for (let i = 0, k = 0; i < text.length; i++) {
    while (k > 0 && text[i] !== pattern[k]) k = fail[k - 1]!;
    if (text[i] === pattern[k]) k += 1;
    if (k === pattern.length) {
      out.push(i - k + 1);
      k = fail[k - 1]!;
    }
  }
  return out;
}
