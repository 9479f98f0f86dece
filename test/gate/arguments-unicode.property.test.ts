import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_ARGUMENT_LIMITS, parseArguments } from "../../src/gate/parse-arguments.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";

// A tool reads the arguments and sends its strings on as UTF-8 (a request body,
// a file, a database). Where that changes a string or key
// (a lone surrogate becomes U+FFFD), the policy would have decided on other text
// than the tool uses: the gate must deny those, and only on Unicode grounds there.

/** Text that often holds surrogates, paired or not, including halves left by slicing. */
const text = fc.oneof(
  fc.string({ unit: fc.oneof(fc.constantFrom("a", "é", "😀", "\ud800", "\udfff", "\ud83d", "\ude00"), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))) }),
  fc.tuple(fc.string({ unit: "grapheme" }), fc.nat(), fc.nat()).map(([s, a, b]) => s.slice(Math.min(a, b) % (s.length + 1), Math.max(a, b) % (s.length + 1))),
);

const args = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    text,
    fc.integer(),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(text, tie("value"), { maxKeys: 4 }),
  ),
})).value;

const object = fc.dictionary(text, args, { maxKeys: 5 });

/** Writes a JSON string with every non-ASCII code unit as a \uXXXX escape (how many model APIs send them). */
function escapedJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * True when the tool's UTF-8 round trip changes some string or key of the value. Walks the generated
 * value itself, which is what the text means: V8's JSON.parse can misread escaped one-character keys.
 */
function utf8Changes(value: unknown): boolean {
  const stack: unknown[] = [value];
  const changes = (s: string) => Buffer.from(s, "utf8").toString("utf8") !== s;
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === "string" && changes(node)) return true;
    if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (changes(k)) return true;
        stack.push(v);
      }
    }
  }
  return false;
}

describe("parseArguments and Unicode", () => {
  it(
    "denies with arguments_invalid_unicode exactly when a tool's UTF-8 round trip would change the arguments",
    () => {
      fc.assert(
        fc.property(object, fc.boolean(), (value, escaped) => {
          const raw = escaped ? escapedJson(value) : JSON.stringify(value);
          const parsed = parseArguments(raw, DEFAULT_ARGUMENT_LIMITS);
          const changes = utf8Changes(value);
          if (changes) {
            expect(parsed).toMatchObject({ ok: false, reason: { code: "arguments_invalid_unicode" } });
          } else {
            expect(parsed.ok || parsed.reason.code !== "arguments_invalid_unicode").toBe(true);
          }
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );
});
