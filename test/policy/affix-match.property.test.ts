// strings.any_prefix_match / any_suffix_match walk a trie of the base strings
// (src/policy/builtins/strings.ts); Go compares every pair. The answer must be
// the pairwise one (OPA's definition; test/policy/builtins-families-parity.test.ts
// checks edge cases against opa eval) for any lists.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyPrefixMatch, anySuffixMatch } from "../../src/policy/builtins/strings.ts";
import { fuzzRuns } from "../helpers/fuzz.ts";

const text = fc.array(fc.constantFrom("a", "b", "/", "é", "😀", ""), { maxLength: 6 }).map((cs) => cs.join(""));
const operand = fc.oneof(text, fc.array(text, { maxLength: 6 }));
const list = (v: string | string[]): string[] => (typeof v === "string" ? [v] : v);

describe("strings.any_prefix_match / any_suffix_match", () => {
  it("answer as comparing every pair, for any strings and lists", () => {
    fc.assert(
      fc.property(operand, operand, (search, base) => {
        expect(anyPrefixMatch(search, base)).toBe(list(search).some((s) => list(base).some((b) => s.startsWith(b))));
        expect(anySuffixMatch(search, base)).toBe(list(search).some((s) => list(base).some((b) => s.endsWith(b))));
      }),
      { numRuns: fuzzRuns(10_000) },
    );
  });

  it("answer lists a model can send (16,000 x 16,000 strings) without comparing every pair", () => {
    const paths = Array.from({ length: 16_000 }, (_, i) => `/srv/data/${i}/file`);
    const prefixes = Array.from({ length: 16_000 }, (_, i) => `/srv/data/${i}x/`);
    expect(anyPrefixMatch(paths, prefixes)).toBe(false);
    expect(anyPrefixMatch(paths, [...prefixes, "/srv/data/15999/"])).toBe(true);
    expect(anySuffixMatch(paths, prefixes.map((p) => p.split("").reverse().join("")))).toBe(false);
  });
});
