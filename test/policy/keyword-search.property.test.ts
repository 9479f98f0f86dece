// KeywordSearch (src/policy/keyword-search.ts) lets regex.replace skip the
// secret rules' combined pattern on a text that holds none of their keywords.
// It must answer exactly as searching the lowered text for every keyword with
// String.prototype.includes, and skipping must never change a redaction:
// checked on texts built from keywords, their neighbours and any characters,
// and on generated secrets of every format embedded in text.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeywordSearch } from "../../src/policy/keyword-search.ts";
import { combinedSecretPattern, readSecretRules } from "../../src/policy/secret-rules.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { embedded } from "../helpers/secret-samples.ts";

const rules = readSecretRules()!;
const keywords = rules.rules.flatMap((r) => r.keywords);

/** Pieces texts are made of: keywords, keywords cut short, upper-cased or with a letter changed, and any strings. */
const piece = fc.oneof(
  fc.constantFrom(...keywords),
  fc.constantFrom(...keywords).map((k) => k.toUpperCase()),
  fc.constantFrom(...keywords).chain((k) => fc.nat(k.length).map((n) => k.slice(0, n))),
  fc.constantFrom(...keywords).chain((k) => fc.tuple(fc.nat(k.length - 1), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })).map(([i, c]) => k.slice(0, i) + c + k.slice(i + 1))),
  fc.constantFrom("İ", "K", "ſ", "\u0307", "é", "😀", "\ud800", " ", "_", "-", ".", "/", ":"),
  fc.string({ unit: "binary", maxLength: 8 }),
);
const text = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(""));

describe("KeywordSearch", () => {
  it(
    "finds a keyword in a lowered text exactly when includes does, for any keyword list",
    () => {
      const words = fc.uniqueArray(fc.oneof(fc.constantFrom(...keywords), fc.string({ unit: "binary", minLength: 1, maxLength: 4 })), { minLength: 1, maxLength: 12 });
      fc.assert(
        fc.property(words, text, fc.nat(), fc.constantFrom("none", "start", "end"), (list, t, n, where) => {
          // A keyword at either end of the text too, where a search loop's bounds matter.
          const k = list[n % list.length]!;
          const lowered = (where === "start" ? k + t : where === "end" ? t + k : t).toLowerCase();
          expect(new KeywordSearch(list).foundIn(lowered)).toBe(list.some((k) => lowered.includes(k)));
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );

  it(
    "never skips a text the secret rules' combined pattern matches",
    () => {
      const search = new KeywordSearch(keywords);
      const pattern = new RegExp(combinedSecretPattern(rules).pattern, "u");
      fc.assert(
        fc.property(fc.oneof(text, embedded.map((e) => e.text)), (t) => {
          if (pattern.test(t)) expect(search.foundIn(t.toLowerCase())).toBe(true);
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );
});
