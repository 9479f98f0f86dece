import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanJson } from "../../src/json/scan-json.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";

// The scanner against the real JSON.parse and against the generator's own
// decoding. The generator knows whether a text has a duplicate key or a lone
// surrogate (JSON.parse cannot say: it silently keeps the last duplicate) and
// what the text means. The second matters because V8's JSON.parse misreads
// keys: once an object with the key "\\" was parsed, a later one-character
// escaped key ("\u0071", "\"") comes back as "\\" (Node 24: a cached map
// transition). Where JSON.parse disagrees with the generator, the only
// accepted difference is that misreading; the scanner must always agree with
// the generator.

/** A generated JSON text and what the generator knows about its meaning. */
interface Sample {
  text: string;
  /** The value the text means (for texts without duplicate keys). */
  value: unknown;
  duplicate: boolean;
  lone: boolean;
}

const space = fc.constantFrom("", "", " ", "\n", "\t", "\r\n ", "  ");

/** Code units: plain ASCII, characters JSON must escape, BMP text, and surrogates (paired or not). */
const codeUnit = fc.oneof(
  { weight: 24, arbitrary: fc.constantFrom("a", "b", "z", "0", " ", "_", "é", "漢") },
  { weight: 8, arbitrary: fc.constantFrom('"', "\\", "/", "\b", "\f", "\n", "\r", "\t", "\u0000", "\u001f") },
  { weight: 8, arbitrary: fc.constantFrom("😀", "𝄞") }, // surrogate pairs
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
);

const decodedString = fc.array(codeUnit, { maxLength: 8 }).map((units) => units.join(""));

const SHORT: Record<string, string> = { '"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Writes each code unit raw where JSON allows it, as a short escape, or as \uXXXX in either case. */
function render(value: string, modes: readonly number[]): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const code = ch.charCodeAt(0);
    const mode = modes[i] ?? 0;
    const mustEscape = ch === '"' || ch === "\\" || code < 0x20;
    if (mode === 0 && !mustEscape) out += ch;
    else if (mode === 1 && SHORT[ch] !== undefined) out += SHORT[ch];
    else {
      const hex = code.toString(16).padStart(4, "0");
      out += `\\u${mode === 2 ? hex.toUpperCase() : hex}`;
    }
  }
  return `${out}"`;
}

const stringToken = (decoded: fc.Arbitrary<string>): fc.Arbitrary<{ value: string; text: string }> =>
  decoded.chain((value) =>
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: value.length, maxLength: value.length }).map((modes) => ({ value, text: render(value, modes) })),
  );

const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.integer().map(String),
  fc
    .tuple(
      fc.constantFrom("", "-"),
      fc.oneof(fc.constant("0"), fc.stringMatching(/^[1-9][0-9]{0,25}$/)),
      fc.oneof(fc.constant(""), fc.stringMatching(/^\.[0-9]{1,20}$/)),
      fc.oneof(fc.constant(""), fc.stringMatching(/^[eE][+-]?[0-9]{1,4}$/)),
    )
    .map((parts) => parts.join("")),
);

const scalar: fc.Arbitrary<Sample> = fc.oneof(
  stringToken(decodedString).map(({ value, text }) => ({ text, value, duplicate: false, lone: !value.isWellFormed() })),
  numberText.map((text) => ({ text, value: Number(text), duplicate: false, lone: false })),
  fc.constantFrom("true", "false", "null").map((text) => ({ text, value: { true: true, false: false, null: null }[text], duplicate: false, lone: false })),
);

/** Keys drawn from a small pool so that duplicates, spelled differently, are common. */
const key = stringToken(
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom("a", "b", "__proto__", "é", "😀", "1", "10") }, { weight: 1, arbitrary: fc.constant("\ud800") }, { weight: 3, arbitrary: decodedString }),
);

const { value: sample } = fc.letrec<{ value: Sample }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, container(tie("value"))),
}));

function container(value: fc.Arbitrary<unknown>): fc.Arbitrary<Sample> {
  const v = value as fc.Arbitrary<Sample>;
  const array = fc.tuple(fc.array(fc.tuple(space, v, space), { maxLength: 5 }), space).map(([items, pad]) => ({
    text: items.length === 0 ? `[${pad}]` : `[${items.map(([a, s, b]) => a + s.text + b).join(",")}]`,
    value: items.map(([, s]) => s.value),
    duplicate: items.some(([, s]) => s.duplicate),
    lone: items.some(([, s]) => s.lone),
  }));
  const object = fc.tuple(fc.array(fc.tuple(space, key, space, v), { maxLength: 5 }), space).map(([members, pad]) => {
    const keys = members.map(([, k]) => k.value);
    const value: Record<string, unknown> = {};
    for (const [, k, , s] of members) Object.defineProperty(value, k.value, { value: s.value, writable: true, enumerable: true, configurable: true });
    return {
      value,
      text: members.length === 0 ? `{${pad}}` : `{${members.map(([a, k, b, s]) => `${a}${k.text}${b}:${s.text}`).join(",")}}`,
      duplicate: new Set(keys).size !== keys.length || members.some(([, , , s]) => s.duplicate),
      lone: keys.some((k) => !k.isWellFormed()) || members.some(([, , , s]) => s.lone),
    };
  });
  return fc.oneof(array, object);
}

/** A sample wrapped in `depth` arrays or single-key objects: nesting far deeper than a recursive parser's stack. */
const nested = (maxDepth: number) => fc.record({ inner: sample, depth: fc.integer({ min: 0, max: maxDepth }), objects: fc.boolean() });

/** Unwraps `depth` levels iteratively (recursive equality would overflow the stack first); throws on a wrong shape. */
function unwrap(value: unknown, depth: number, objects: boolean): unknown {
  let node = value;
  for (let i = 0; i < depth; i++) {
    const ok = objects
      ? node !== null && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length === 1 && Object.hasOwn(node, "k")
      : Array.isArray(node) && node.length === 1;
    if (!ok) throw new Error(`level ${i} is not a single-${objects ? "key object" : "item array"}`);
    node = objects ? (node as { k: unknown }).k : (node as unknown[])[0];
  }
  return node;
}

function checkDeep({ inner, depth, objects }: { inner: Sample; depth: number; objects: boolean }): void {
  const text = objects ? '{"k":'.repeat(depth) + inner.text + "}".repeat(depth) : "[".repeat(depth) + inner.text + "]".repeat(depth);
  const scanned = scanJson(text);
  if (inner.duplicate || inner.lone) {
    expect(scanned.ok).toBe(false);
    return;
  }
  expect(scanned.ok).toBe(true);
  if (!scanned.ok) return;
  expect(unwrap(scanned.value, depth, objects)).toStrictEqual(inner.value);
  expect(equalBarV8KeyMisreads(unwrap(JSON.parse(text), depth, objects), inner.value)).toBe(true);
}

/**
 * True when `parsed` (JSON.parse's value) equals `meant` except for object keys
 * that JSON.parse misread as "\\" where a one-character key was meant: the V8
 * behaviour described above, and nothing else.
 */
function equalBarV8KeyMisreads(parsed: unknown, meant: unknown): boolean {
  const stack: [unknown, unknown][] = [[parsed, meant]];
  while (stack.length > 0) {
    const [p, m] = stack.pop()!;
    if (p === null || m === null || typeof p !== "object" || typeof m !== "object") {
      if (!Object.is(p, m)) return false;
      continue;
    }
    if (Array.isArray(p) !== Array.isArray(m)) return false;
    const pk = Object.keys(p);
    const mk = Object.keys(m);
    if (pk.length !== mk.length) return false;
    for (let i = 0; i < pk.length; i++) {
      const a = pk[i] as string;
      const b = mk[i] as string;
      if (a !== b && !(a === "\\" && b.length === 1)) return false;
      stack.push([(p as Record<string, unknown>)[a], (m as Record<string, unknown>)[b]]);
    }
  }
  return true;
}

function checkAgainstJsonParse(s: Sample): void {
  const scanned = scanJson(s.text);
  if (s.duplicate || s.lone) {
    expect(scanned.ok).toBe(false);
    if (!scanned.ok) {
      if (!s.lone) expect(scanned.problem).toBe("duplicate_key");
      if (!s.duplicate) expect(scanned.problem).toBe("lone_surrogate");
      if (s.lone && s.duplicate) expect(["duplicate_key", "lone_surrogate"]).toContain(scanned.problem);
    }
    return;
  }
  const parsed: unknown = JSON.parse(s.text);
  expect(scanned.ok).toBe(true);
  if (scanned.ok) {
    expect(scanned.value).toStrictEqual(s.value);
    expect(JSON.stringify(scanned.value)).toBe(JSON.stringify(s.value)); // same key order too
    expect(equalBarV8KeyMisreads(parsed, s.value)).toBe(true);
  }
}

/** True when a parsed value holds a string or key that is not well-formed Unicode. */
function hasLoneSurrogate(value: unknown): boolean {
  const stack = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === "string" && !node.isWellFormed()) return true;
    if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (!k.isWellFormed()) return true;
        stack.push(v);
      }
    }
  }
  return false;
}

const mutation = fc.tuple(fc.nat(), fc.constantFrom("delete", "insert", "truncate"), fc.constantFrom(",", "]", "}", '"', "\\", ":", "0", "-", ".", "e", " ", "{", "["));

function mutate(text: string, [at, kind, ch]: [number, string, string]): string {
  const i = text.length === 0 ? 0 : at % text.length;
  if (kind === "delete") return text.slice(0, i) + text.slice(i + 1);
  if (kind === "insert") return text.slice(0, i) + ch + text.slice(i);
  return text.slice(0, i);
}

describe("scanJson against JSON.parse", () => {
  it(
    "reads unambiguous text as meant (as JSON.parse does, bar its key misreads) and refuses duplicate keys and lone surrogates",
    () => {
      fc.assert(fc.property(fc.tuple(space, fc.oneof(sample, container(sample)), space), ([a, s, b]) => checkAgainstJsonParse({ ...s, text: a + s.text + b })), {
        numRuns: fuzzRuns(),
      });
    },
    fuzzTimeout(),
  );

  it(
    "handles nesting thousands of levels deep without recursion",
    () => {
      fc.assert(fc.property(nested(300), checkDeep), { numRuns: fuzzRuns() });
      fc.assert(fc.property(nested(20_000), checkDeep), { numRuns: fuzzRuns(500) });
    },
    fuzzTimeout(),
  );

  it(
    "refuses whatever JSON.parse refuses, and on damaged text accepts only what JSON.parse reads the same way",
    () => {
      fc.assert(
        fc.property(sample, mutation, (s, m) => {
          const text = mutate(s.text, m);
          const scanned = scanJson(text);
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            expect(scanned.ok).toBe(false);
            return;
          }
          if (scanned.ok) {
            expect(equalBarV8KeyMisreads(parsed, scanned.value)).toBe(true);
          } else {
            expect(["duplicate_key", "lone_surrogate"]).toContain(scanned.problem);
            // A duplicate key may have dropped the string that held it from JSON.parse's value.
            if (scanned.problem === "lone_surrogate") expect(hasLoneSurrogate(parsed) || !text.isWellFormed() || /\\u[dD][89a-fA-F]/.test(text)).toBe(true);
          }
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );

  it(
    "with canonicalNumbers, accepts a number exactly when it is written as JSON.stringify writes its value",
    () => {
      fc.assert(
        fc.property(numberText, (text) => {
          const scanned = scanJson(text, { canonicalNumbers: true });
          const canonical = JSON.stringify(JSON.parse(text)) === text;
          expect(scanned.ok).toBe(canonical);
          if (!scanned.ok) expect(scanned.problem).toBe("non_canonical_number");
        }),
        { numRuns: fuzzRuns() },
      );
      fc.assert(
        fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
          expect(scanJson(`[${JSON.stringify(d)}]`, { canonicalNumbers: true })).toStrictEqual({ ok: true, value: [Object.is(d, -0) ? 0 : d] });
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );
});

describe("keys JSON.parse misreads", () => {
  it("reads an escaped one-character key as meant, also after an object with the key \\ was parsed", () => {
    JSON.parse(String.raw`{"\\":1}`); // on Node 24, JSON.parse reads the next text's key as "\\" from here on
    expect(scanJson(String.raw`{"\u0071":1}`)).toStrictEqual({ ok: true, value: { q: 1 } });
    expect(scanJson(String.raw`{"a":1,"\"":2}`)).toStrictEqual({ ok: true, value: { a: 1, '"': 2 } });
  });
});
