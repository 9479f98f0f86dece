import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalText } from "../../src/json/canonical-text.ts";
import { scanJson } from "../../src/json/scan-json.ts";
import { buildInputDocument } from "../../src/gate/input-document.ts";
import { parseArguments, DEFAULT_ARGUMENT_LIMITS } from "../../src/gate/parse-arguments.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";

// The gate uses the raw argument text as the input document's arguments when the
// scanner says it is canonical: it must then be exactly what canonicalText writes.

/** Keys that stress the rules: digits first (JavaScript orders those itself), __proto__, escapes, surrogates, "". */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("", "0", "1", "10", "-1", "__proto__", "a", "b", "A", "é", "\u2028", "😀", "\ud800", "\\", '"', "a\u0000"),
);
const scalar = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("\\ud800", "\ud800", "\udfff😀", "\u007f", "\u2028", "/", "</script>"),
  fc.double({ noNaN: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e21, 1e-7, 5e-324, 1.5, 100, true, false, null),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, scalar, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.array(fc.tuple(key, tie("value")), { maxLength: 5 }).map((entries) => {
    const object: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
    return object;
  }),
}));

/** Texts of a value: JSON.stringify's, canonical, with whitespace, with escapes, with other number spellings. */
const text = fc.oneof(
  value.map((v) => JSON.stringify(v) ?? "null"),
  value.map((v) => canonicalText(v) ?? JSON.stringify(v) ?? "null"),
  value.map((v) => JSON.stringify(v, null, 1) ?? "null"),
  fc.tuple(value, fc.constantFrom("\\u0061", "\\/", "\\n", "\\u00e9", "\\ud83d\\ude00")).map(([v, escape]) => `{"k${escape}":${canonicalText(v) ?? "null"}}`),
  fc.tuple(fc.constantFrom("1.0", "1e2", "-0", "0.10", "1E2", "100", "1e400", "-0.0"), value).map(([n, v]) => `{"a":${n},"b":${canonicalText(v) ?? "null"}}`),
);

describe("scanJson's canonical flag", () => {
  it(
    "is set only for a text that is exactly canonicalText of the value read",
    () => {
      fc.assert(
        fc.property(text, (t) => {
          for (const options of [
            { noteCanonical: true },
            { noteCanonical: true, exactNumbers: true },
            { noteCanonical: true, loneSurrogates: "replace" as const, duplicateKeys: "last" as const },
          ]) {
            const scanned = scanJson(t, options);
            if (scanned.ok && scanned.canonical) expect(canonicalText(scanned.value)).toBe(t);
          }
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );

  it(
    "is set for the canonical text of any value canonicalText writes (the shortcut is taken)",
    () => {
      fc.assert(
        fc.property(value, (v) => {
          const t = canonicalText(v);
          if (t === undefined) return;
          const scanned = scanJson(t, { noteCanonical: true });
          expect(scanned.ok).toBe(true);
          // Not shown canonical only for a text with an escape or an object whose first key is "" (a miss, never a wrong text).
          if (scanned.ok && !scanned.canonical) expect(t.includes("\\") || t.includes('{"":')).toBe(true);
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );

  it(
    "gives the input document the same text with and without the raw-text shortcut",
    () => {
      const call = { surface: "chat" as const, assistant_id: "a", call_id: "c", name: "t", arguments: "" };
      fc.assert(
        fc.property(
          text.filter((t) => t.startsWith("{")),
          (raw) => {
            const parsed = parseArguments(raw, DEFAULT_ARGUMENT_LIMITS);
            if (!parsed.ok) return;
            const encoded = buildInputDocument({ ...call, arguments: raw }, parsed.value);
            const spliced = buildInputDocument({ ...call, arguments: raw }, parsed.value, undefined, undefined, undefined, parsed.canonical);
            expect(spliced.json).toBe(encoded.json);
            expect(spliced.canonical).toBe(encoded.canonical);
            expect(spliced.argumentsJson).toBe(encoded.argumentsJson);
          },
        ),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );
});
