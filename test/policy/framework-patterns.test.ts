// The framework's patterns run on V8's RegExp, every other pattern on RE2JS
// (src/policy/builtins/regex.ts). The list of framework patterns is generated
// (scripts/generate-framework-patterns.ts); these tests fail when it is stale,
// or when the framework passes regex.replace or regex.split a pattern that is
// not a *_pattern rule (which the generator would miss: it would then run on
// RE2JS, correct but slower, and its V8 review would be skipped).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FRAMEWORK_PATTERNS_FILE, frameworkPatternRules, frameworkPatternsSource } from "../../scripts/generate-framework-patterns.ts";
import { FRAMEWORK_PATTERNS } from "../../src/policy/builtins/framework-patterns.generated.ts";
import { FRAMEWORK_DIR } from "../../src/policy/package-files.ts";

/** The arguments of each call of `name(` in Rego text, split at top-level commas. */
function callArguments(text: string, name: string): string[][] {
  const calls: string[][] = [];
  for (let at = text.indexOf(`${name}(`); at >= 0; at = text.indexOf(`${name}(`, at + 1)) {
    const args: string[] = [];
    let depth = 0;
    let quote: string | undefined;
    let current = "";
    for (let i = at + name.length + 1; i < text.length; i++) {
      const c = text[i]!;
      if (quote !== undefined) {
        if (c === "\\" && quote === '"') current += text[i++];
        else if (c === quote) quote = undefined;
        current += c;
        continue;
      }
      if (c === '"' || c === "`") quote = c;
      if ("([{".includes(c)) depth += 1;
      if (")]}".includes(c)) {
        if (depth === 0) {
          args.push(current.trim());
          break;
        }
        depth -= 1;
      }
      if (c === "," && depth === 0) {
        args.push(current.trim());
        current = "";
        continue;
      }
      current += c;
    }
    calls.push(args);
  }
  return calls;
}

const frameworkSources = (): Array<[string, string]> =>
  readdirSync(path.join(FRAMEWORK_DIR, "toolgate"))
    .filter((f) => f.endsWith(".rego") && !f.endsWith("_test.rego"))
    .map((f) => [f, readFileSync(path.join(FRAMEWORK_DIR, "toolgate", f), "utf8").replace(/#.*$/gm, "")]);

describe("framework patterns", () => {
  it("the generated list is what the framework and the shipped secret rules hold now", () => {
    expect(readFileSync(FRAMEWORK_PATTERNS_FILE, "utf8")).toBe(frameworkPatternsSource());
  });

  it("no framework pattern sets a flag outside a group (in F|R it would reach into R)", () => {
    for (const pattern of FRAMEWORK_PATTERNS) expect(pattern).not.toMatch(/\(\?[A-Za-z-]+\)/);
  });

  it("every regex.replace and regex.split in the framework takes a *_pattern rule the list holds", () => {
    const rules = frameworkPatternRules();
    const seen: string[] = [];
    for (const [file, text] of frameworkSources()) {
      for (const [name, index] of [["regex.replace", 1], ["regex.split", 0]] as const) {
        for (const args of callArguments(text, name)) {
          const pattern = args[index]!;
          seen.push(`${file}: ${pattern}`);
          // The secret pattern is built from data and input; without custom patterns it is the shipped rules' one.
          if (pattern === "_secret_pattern") continue;
          expect(pattern, `${file}: ${name}(${args.join(", ")})`).toMatch(/^_[a-z0-9_]+_pattern$/);
          expect(FRAMEWORK_PATTERNS.has(rules[pattern]!), `${file}: ${pattern}`).toBe(true);
        }
      }
    }
    // The parser found the calls (the framework has at least the card, address, URL and secret ones).
    expect(seen.length).toBeGreaterThanOrEqual(10);
  });
});
