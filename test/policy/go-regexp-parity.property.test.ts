// regex.replace and regex.split on a pattern that is not the framework's run on
// RE2JS with Go's replace and split rules (src/policy/builtins/go-regexp.ts).
// This compares them with Go's own regexp (ReplaceAllString, Split(s, -1)),
// run by tools/goregexp (the standard library of the Go the pinned opa is
// built with), on generated patterns, texts and templates: the same answer,
// or a pattern both reject. It also shows the point of the engine: a pattern
// V8 would backtrack on for minutes answers at once.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORK_LINE_PATTERNS, FRAMEWORK_PATTERNS } from "../../src/policy/builtins/framework-patterns.generated.ts";
import { regexReplace, regexSplit } from "../../src/policy/builtins/regex.ts";
import { combinedSecretPattern, readSecretRules } from "../../src/policy/secret-rules.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { GoOracle } from "../helpers/go-oracle.ts";

const oracle = new GoOracle("goregexp");

interface Case {
  pattern: string;
  text: string;
  template: string;
}
interface GoResult {
  error?: string;
  replace: string;
  split: string[];
}

async function goRegexp(cases: readonly Case[]): Promise<{ go: string; results: GoResult[] }> {
  return oracle.ask(cases);
}

function hostResult(c: Case): GoResult | { error: true } {
  try {
    return { replace: regexReplace(c.text, c.pattern, c.template) as string, split: regexSplit(c.pattern, c.text) as string[] };
  } catch {
    return { error: true };
  }
}

/** The cases whose host answer is not Go's (patterns shown through `shown`, long ones being unreadable in a diff). */
function mismatches(cases: readonly Case[], go: readonly GoResult[], shown: (pattern: string) => string = (p) => p) {
  return cases.flatMap((c, i) => {
    const host = hostResult(c);
    const want = go[i]!.error !== undefined ? { error: true } : { replace: go[i]!.replace, split: go[i]!.split };
    return JSON.stringify(host) === JSON.stringify(want) ? [] : [{ ...c, pattern: shown(c.pattern), host, go: go[i] }];
  });
}

const atom = fc.constantFrom(
  "a", "b", "é", "😀", ".", "\\.", "[a-c]", "[^a]", "[^\\n]", "\\d", "\\s", "\\S", "\\w", "\\W", "\\b", "\\B", "^", "$", "\\A", "\\z",
  "\\pL", "\\p{Greek}", "\\PL", "[[:alpha:]]", "[[:^space:]]", "\\Q.*\\E", "\\x{e9}", "\\n", "[\\d_]", "", "(?i)a", "(?s).", "(?m)^", "(?m)$", "(?U)a*",
  // Accepted by one engine only, or by neither: both must reject alike.
  "(?=a)", "\\1", "a{1001}", "[z-a]", "(?<n>a)", "\\C", "\\p{Nope}",
);
const pattern: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
  re: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { arbitrary: atom, weight: 4 },
    { arbitrary: fc.tuple(tie("re"), tie("re")).map(([x, y]) => x + y), weight: 3 },
    { arbitrary: fc.tuple(tie("re"), tie("re")).map(([x, y]) => `${x}|${y}`), weight: 1 },
    { arbitrary: fc.tuple(tie("re"), fc.constantFrom("*", "+", "?", "{2}", "{1,3}", "{0,}", "*?", "+?", "??")).map(([x, q]) => `(?:${x})${q}`), weight: 2 },
    { arbitrary: fc.tuple(fc.constantFrom("(", "(?:", "(?P<n>", "(?i:", "(?P<m>"), tie("re")).map(([open, x]) => `${open}${x})`), weight: 2 },
  ),
})).re;
const text = fc.array(fc.constantFrom("a", "b", "c", "é", "É", "😀", "\n", "\r", " ", "\t", "1", "_", "A", ".", "\u00a0", "α"), { maxLength: 14 }).map((cs) => cs.join(""));
const template = fc
  .array(fc.constantFrom("$1", "${1}", "$2", "$n", "${n}", "${m}", "$$", "$", "$x", "$1a", "-", "${", "$0", "$01", "é", "$é", "${1", "$&", "$'", "$`"), { maxLength: 4 })
  .map((ps) => ps.join(""));

describe("regex.replace and regex.split on a policy's own pattern agree with Go's regexp", () => {
  beforeAll(() => oracle.build(), 120_000);

  it("the oracle is the Go the pinned opa was built with", async () => {
    const { oracle: go, opa } = await oracle.goVersions([]);
    expect(go).toBe(opa);
  });

  it("on generated patterns, texts and templates: the same replace and split, or a pattern both reject", async () => {
    const cases: Case[] = [
      { pattern: "a*", text: "baaac", template: "X" },
      { pattern: "", text: "", template: "-" },
      { pattern: "(a)(?P<n>b)", text: "xab😀ab", template: "[$1|$n|${2}|$2x|$$|$-|${3}]" },
      { pattern: "a.b", text: "a\rb a\nb", template: "X" },
      ...fc.sample(fc.record({ pattern, text, template }), fuzzRuns(10_000)),
    ];
    const go = (await goRegexp(cases)).results;
    expect(mismatches(cases, go).slice(0, 5)).toEqual([]);
    // Both outcomes are reached, and replacements that change the text.
    const rejected = go.filter((r) => r.error !== undefined).length;
    expect(rejected).toBeGreaterThan(cases.length / 50);
    expect(go.filter((r, i) => r.error === undefined && r.replace !== cases[i]!.text).length).toBeGreaterThan(cases.length / 4);
  }, fuzzTimeout());

  it("with the secret rules' pattern and a policy's own after it (F|R, F on V8 and R on RE2JS): Go's answers", async () => {
    const secrets = combinedSecretPattern(readSecretRules()!);
    const token = fc.constantFrom("sk-abcdefghijklmnopqrstuvwxyz", "AKIAABCDEFGHIJKLMNOP", "ghp_" + "a".repeat(36), "://user:pw@", "xoxb-123-abc", "pin-1234", "aa", "é😀");
    const secretText = fc.array(fc.oneof(text, token), { maxLength: 6 }).map((ps) => ps.join(" "));
    const custom = fc.oneof(pattern, fc.constantFrom("pin-[0-9]{4}", "(?i)SK-[a-z]+", "a+", "", "(x)y", "(?P<n>a)"));
    const cases: Case[] = fc.sample(
      fc.record({ pattern: custom.map((r) => `${secrets.pattern}|${r}`), text: secretText, template: fc.oneof(fc.constant(secrets.substitution), template) }),
      fuzzRuns(2_000),
    );
    const go = (await goRegexp(cases)).results;
    expect(mismatches(cases, go, (p) => `<secret rules>|${p.slice(secrets.pattern.length + 1)}`).slice(0, 5)).toEqual([]);
    expect(go.filter((r, i) => r.error === undefined && r.replace.includes("[REDACTED]") && !cases[i]!.text.includes("[REDACTED]")).length).toBeGreaterThan(cases.length / 10);
  }, fuzzTimeout());

  it("a framework pattern (on V8) with any template: Go's answers", async () => {
    const frameworkText = fc
      .array(fc.constantFrom("a", "b@x.io", "http://h.example/p", "https://[::1]:8080", "4111 1111 1111 1111", "1234", "é", "😀", "\n", "\n", " ", "[", "]", "p1", "e2", "o3", "٣", "Ab"), { maxLength: 12 })
      .map((ps) => ps.join(""));
    const frameworkTemplate = fc.oneof(template, fc.constantFrom("$1\n", "$1$3$4\n", "x", "", "!", "$1#$3$2", "$79$78", "$1x", "$100", "${1}", "$&"));
    const cases: Case[] = fc.sample(fc.record({ pattern: fc.constantFrom(...FRAMEWORK_PATTERNS), text: frameworkText, template: frameworkTemplate }), fuzzRuns(2_000));
    const go = (await goRegexp(cases)).results;
    expect(mismatches(cases, go, (p) => p.slice(0, 60)).slice(0, 5)).toEqual([]);
    expect(go.filter((r, i) => r.error === undefined && r.replace !== cases[i]!.text).length).toBeGreaterThan(cases.length / 4);
  }, fuzzTimeout());

  it("a framework line pattern on text that is not whole lines (a policy's own use of it) answers as Go, at the argument size limit", async () => {
    const long = "a".repeat(256 * 1024);
    const cases: Case[] = [...FRAMEWORK_LINE_PATTERNS].flatMap((pattern) => [
      { pattern, text: long, template: "$1\n" },
      { pattern, text: `x@example.com\n${long}`, template: "$1\n" },
      { pattern: `${pattern}|zz`, text: long, template: "-" },
    ]);
    const go = (await goRegexp(cases)).results;
    expect(cases.map(hostResult)).toEqual(go.map((r) => ({ replace: r.replace, split: r.split })));
  }, fuzzTimeout());

  it("answers a pattern V8 would backtrack on quadratically, on a text at the argument size limit", () => {
    const spaces = " ".repeat(256 * 1024);
    expect(regexReplace(`${spaces}x${spaces}`, "\\s+$", "")).toBe(`${spaces}x`);
    expect(regexSplit("(?:a+)+b", "a".repeat(256 * 1024))).toEqual(["a".repeat(256 * 1024)]);
  });
});
