// Host implementations of regex.replace (not native in OPA's WASM target) and
// regex.split (replacing the SDK's).
// Patterns are RE2 in Rego; the common subset means the same in JS. Compiled
// patterns are cached because a policy applies the same few on every call.
const cache = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, "gu");
    if (cache.size > 256) cache.clear();
    cache.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

export function regexReplace(s: unknown, pattern: unknown, value: unknown): string {
  if (typeof s !== "string" || typeof pattern !== "string" || typeof value !== "string") {
    throw new TypeError("regex.replace: operands must be strings");
  }
  return replaceAll(s, pattern, value);
}

/** From this length on, the last replace is remembered (comparing a text costs far less than a pass of a pattern over it). */
const REMEMBER_FROM = 512;
let last: { s: string; pattern: string; value: string; result: string } | undefined;

/**
 * regex.replace's answer (every match of pattern, as JavaScript reads it with
 * the u flag, replaced by value). The last long text's answer is remembered:
 * the policy's redact_secrets and the decision log's redaction
 * (src/gate/secret-redactor.ts) replace the same text with the same pattern
 * one after the other. Throws (SyntaxError) for a pattern JavaScript rejects.
 */
export function replaceAll(s: string, pattern: string, value: string): string {
  const long = s.length >= REMEMBER_FROM;
  if (long && last !== undefined && last.pattern === pattern && last.value === value && last.s === s) return last.result;
  const result = s.replace(compile(pattern), value);
  if (long) last = { s, pattern, value, result };
  return result;
}

/** Go's FindAllStringIndex(s, -1): successive matches, an empty match right after a match skipped. */
function allMatches(re: RegExp, s: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let prevEnd = -1;
  let pos = 0;
  while (pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      pos += pos < s.length ? String.fromCodePoint(s.codePointAt(pos)!).length : 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push([start, end]);
  }
  return out;
}

/**
 * regex.split as OPA's Go builtin (regexp.Split(s, -1)); replaces the SDK's
 * String.prototype.split, which also returns what capture groups matched.
 */
export function regexSplit(pattern: unknown, s: unknown): string[] {
  if (typeof pattern !== "string" || typeof s !== "string") throw new TypeError("regex.split: operands must be strings");
  const re = compile(pattern);
  if (pattern.length > 0 && s.length === 0) return [""];
  const parts: string[] = [];
  let begin = 0;
  let end = 0;
  for (const [start, stop] of allMatches(re, s)) {
    end = start;
    if (stop !== 0) parts.push(s.slice(begin, end));
    begin = stop;
  }
  if (end !== s.length) parts.push(s.slice(begin));
  return parts;
}
