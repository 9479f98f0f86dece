// Host implementations of regex.replace (not native in OPA's WASM target) and
// regex.split (replacing the SDK's).
// Patterns are RE2 in Rego; the common subset means the same in JS. Compiled
// patterns are cached because a policy applies the same few on every call.
import { resetEachEvaluation } from "./evaluation-clock.ts";

interface Compiled {
  re: RegExp;
  /** False only for a text the pattern cannot match (declarePrefilter). */
  mayMatch: ((s: string) => boolean) | undefined;
}

const cache = new Map<string, Compiled>();
const prefilters = new Map<string, Array<(s: string) => boolean>>();

function compile(pattern: string): Compiled {
  let compiled = cache.get(pattern);
  if (!compiled) {
    const tests = prefilters.get(pattern);
    compiled = { re: new RegExp(pattern, "gu"), mayMatch: tests && ((s) => tests.some((test) => test(s))) };
    if (cache.size > 256) cache.clear();
    cache.set(pattern, compiled);
  }
  compiled.re.lastIndex = 0;
  return compiled;
}

/**
 * Declares a necessary condition for `pattern` to match: a text for which
 * `mayMatch` is false holds no match, so replacing in it is skipped. Several
 * declarations for one pattern are combined with "or" (each must be a
 * necessary condition on its own; any one that is makes the combination one).
 */
export function declarePrefilter(pattern: string, mayMatch: (s: string) => boolean): void {
  if (prefilters.size >= 16 && !prefilters.has(pattern)) prefilters.clear();
  const tests = prefilters.get(pattern) ?? [];
  if (!tests.includes(mayMatch)) tests.push(mayMatch);
  prefilters.set(pattern, tests);
  cache.delete(pattern);
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
 * the u flag, replaced by value). The last long text's answer is remembered
 * until the next evaluation begins (resetEachEvaluation): the policy's
 * redact_secrets and the decision log's redaction of the same decision
 * (src/gate/secret-redactor.ts) replace the same text with the same pattern.
 * Throws (SyntaxError) for a pattern JavaScript rejects.
 */
export function replaceAll(s: string, pattern: string, value: string): string {
  const long = s.length >= REMEMBER_FROM;
  if (long && last !== undefined && last.pattern === pattern && last.value === value && last.s === s) return last.result;
  const { re, mayMatch } = compile(pattern);
  const result = mayMatch !== undefined && !mayMatch(s) ? s : s.replace(re, value);
  if (long) last = { s, pattern, value, result };
  return result;
}

// The remembered replace is dropped when an evaluation begins: one evaluation's answer is not carried into the next one's.
resetEachEvaluation(() => {
  last = undefined;
});

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
  const { re } = compile(pattern);
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
