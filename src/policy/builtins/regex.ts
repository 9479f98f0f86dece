// Host implementations of regex.replace (not native in OPA's WASM target) and
// regex.split (replacing the SDK's).
// Patterns are RE2 in Rego. A pattern of the framework's own
// (framework-patterns.generated.ts: each one read for linear time and
// written in the subset that means the same in JavaScript) runs on V8's
// RegExp, fast; any other pattern, the policy author's, runs on RE2JS
// (go-regexp.ts): Go's meaning and time linear in the text, so a pattern like
// `\s+$` cannot be made to backtrack for seconds by what a model writes. A
// framework pattern followed by others ("F|R": the secret rules and a
// policy's secret_patterns) runs F on V8 and R on RE2JS (framework-pattern.ts).
// Compiled patterns are cached because a policy applies the same few on every call.
import { resetEachEvaluation } from "./evaluation-clock.ts";
import { FrameworkAlternation, FrameworkPattern } from "./framework-pattern.ts";
import { FRAMEWORK_LINE_PATTERNS, FRAMEWORK_PATTERNS } from "./framework-patterns.generated.ts";
import { goReplaceAll, goSplit, Re2Pattern, type GoPattern } from "./go-regexp.ts";

const cache = new Map<string, GoPattern>();
const prefilters = new Map<string, Array<(s: string) => boolean>>();

function prefilterOf(pattern: string): ((s: string) => boolean) | undefined {
  const tests = prefilters.get(pattern);
  return tests && ((s) => tests.some((test) => test(s)));
}

function compileNew(pattern: string): GoPattern {
  if (FRAMEWORK_PATTERNS.has(pattern)) return new FrameworkPattern(pattern, prefilterOf(pattern));
  for (const framework of FRAMEWORK_PATTERNS) {
    // A line pattern is linear only on whole lines (compileFor): in F|R it would meet any text.
    if (FRAMEWORK_LINE_PATTERNS.has(framework)) continue;
    if (pattern.length > framework.length && pattern[framework.length] === "|" && pattern.startsWith(framework)) {
      return new FrameworkAlternation(new FrameworkPattern(framework, prefilterOf(framework)), pattern.slice(framework.length + 1));
    }
  }
  return new Re2Pattern(pattern);
}

function compile(pattern: string): GoPattern {
  let compiled = cache.get(pattern);
  if (!compiled) {
    compiled = compileNew(pattern);
    if (cache.size > 256) cache.clear();
    cache.set(pattern, compiled);
  }
  return compiled;
}

const re2Fallbacks = new Map<string, Re2Pattern>();

/**
 * The pattern as it runs on `s`: a framework line pattern is linear on V8 only
 * when every line of the text ends with a newline (as the framework builds its
 * lists); on any other text (a policy passing it its own) it runs on RE2JS.
 */
function compileFor(pattern: string, s: string): GoPattern {
  const compiled = compile(pattern);
  if (!FRAMEWORK_LINE_PATTERNS.has(pattern) || s.endsWith("\n")) return compiled;
  let fallback = re2Fallbacks.get(pattern);
  if (fallback === undefined) {
    fallback = new Re2Pattern(pattern);
    re2Fallbacks.set(pattern, fallback);
  }
  return fallback;
}

/**
 * Declares a necessary condition for a framework `pattern` to match: a text for which
 * `mayMatch` is false holds no match, so replacing in it is skipped. Several
 * declarations for one pattern are combined with "or" (each must be a
 * necessary condition on its own; any one that is makes the combination one).
 */
export function declarePrefilter(pattern: string, mayMatch: (s: string) => boolean): void {
  if (prefilters.size >= 16 && !prefilters.has(pattern)) prefilters.clear();
  const tests = prefilters.get(pattern) ?? [];
  if (!tests.includes(mayMatch)) tests.push(mayMatch);
  prefilters.set(pattern, tests);
  // Compiled patterns that use it (pattern itself, or pattern|...) pick it up when compiled again.
  cache.clear();
}

/** Whether regex.replace and regex.split accept the pattern (the engine it would run on compiles it). */
export function compilesAsPattern(pattern: string): boolean {
  try {
    compile(pattern);
    return true;
  } catch {
    return false;
  }
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
 * regex.replace's answer: every match of pattern replaced by value, as Go's
 * ReplaceAllString does (String.prototype.replace on a framework pattern when
 * it reads the template alike). The last long text's answer is remembered
 * until the next evaluation begins (resetEachEvaluation): the policy's
 * redact_secrets and the decision log's redaction of the same decision
 * (src/gate/secret-redactor.ts) replace the same text with the same pattern.
 * Throws for a pattern RE2 rejects.
 */
export function replaceAll(s: string, pattern: string, value: string): string {
  const long = s.length >= REMEMBER_FROM;
  if (long && last !== undefined && last.pattern === pattern && last.value === value && last.s === s) return last.result;
  const compiled = compileFor(pattern, s);
  let result: string;
  if (compiled instanceof FrameworkPattern && compiled.readsTemplateAsGo(value)) {
    compiled.re.lastIndex = 0;
    result = compiled.mayMatch !== undefined && !compiled.mayMatch(s) ? s : s.replace(compiled.re, value);
  } else {
    result = goReplaceAll(compiled, s, value);
  }
  if (long) last = { s, pattern, value, result };
  return result;
}

// The remembered replace is dropped when an evaluation begins: one evaluation's answer is not carried into the next one's.
resetEachEvaluation(() => {
  last = undefined;
});

/**
 * regex.split as OPA's Go builtin (regexp.Split(s, -1)); replaces the SDK's
 * String.prototype.split, which also returns what capture groups matched.
 */
export function regexSplit(pattern: unknown, s: unknown): string[] {
  if (typeof pattern !== "string" || typeof s !== "string") throw new TypeError("regex.split: operands must be strings");
  return goSplit(compileFor(pattern, s), s);
}
