// no_card_numbers (framework/toolgate/card_numbers.rego), evaluated through
// the real compiled WASM with toolgate's host builtins, against an independent
// detector written from the spec (card-number-oracle.ts: every character
// read on its own, every window Luhn-checked in a loop). Properties:
// - a text holding a Luhn-valid number of 13-19 digits, written with random
//   Unicode digit forms and separators, with random digits before and after
//   it, inside random text: whenever the oracle finds a card, the gate denies;
// - the same kind of text with no Luhn-valid window (kept honest the other
//   way): never denied;
// - on any generated text the gate and the oracle agree (fewer runs: the two
//   above are the classes; this one mixes them with plain random digits).
import { execFile } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { loadPolicy, type LoadedPolicy } from "@open-policy-agent/opa-wasm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { readBundle } from "../../src/policy/bundle.ts";
import { hostBuiltinNames, loadHostBuiltins } from "../../src/policy/builtins/index.ts";
import { CAPABILITIES_FILE, FRAMEWORK_DIR } from "../../src/policy/compile.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { candidates, findCardNumber, luhnValid } from "./card-number-oracle.ts";

const run = promisify(execFile);
let policy: LoadedPolicy;

beforeAll(async () => {
  const framework = path.join(FRAMEWORK_DIR, "toolgate");
  const files = (await readdir(framework)).filter((f) => f.endsWith(".rego") && !f.endsWith("_test.rego")).map((f) => path.join(framework, f));
  const out = path.join(await mkdtemp(path.join(tmpdir(), "toolgate-cards-")), "bundle.tar.gz");
  await run(opaBinary(), ["build", "-t", "wasm", "-e", "toolgate/constraints/deny", "--capabilities", CAPABILITIES_FILE, "-r", "cards", "-o", out, ...files]);
  const bundle = await readBundle(out);
  policy = await loadPolicy(await WebAssembly.compile(bundle.wasm as Uint8Array<ArrayBuffer>), { initial: 64 }, await loadHostBuiltins(hostBuiltinNames));
  policy.setData({});
}, 60_000);

/** The reason codes the framework's constraints give for one summary checked by no_card_numbers. */
function denyCodes(summary: string): string[] {
  const result = policy.evaluate({ arguments: { summary }, constraints: { no_card_numbers: ["summary"] } }, "toolgate/constraints/deny") as Array<{ result: Array<{ code: string }> }>;
  return result[0]!.result.map((r) => r.code);
}

// Digit forms: the first code point of a run of ten decimal digits (0-9), or
// a table for forms that are not one run.
const RUNS = [0x30, 0xff10, 0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0x1040, 0x1d7ce, 0x1d7ec, 0x104a0, 0x11066, 0x1e950];
const TABLES = [
  ["\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074", "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"], // superscript
  ["\u2080", "\u2081", "\u2082", "\u2083", "\u2084", "\u2085", "\u2086", "\u2087", "\u2088", "\u2089"], // subscript
  ["\u24ea", "\u2460", "\u2461", "\u2462", "\u2463", "\u2464", "\u2465", "\u2466", "\u2467", "\u2468"], // circled
  ["\u24ff", "\u2776", "\u2777", "\u2778", "\u2779", "\u277a", "\u277b", "\u277c", "\u277d", "\u277e"], // dingbat
  ["\ud83c\udd00", "\u2488", "\u2489", "\u248a", "\u248b", "\u248c", "\u248d", "\u248e", "\u248f", "\u2490"], // with full stop
];
const FORMS: Array<(d: number) => string> = [
  ...RUNS.map((first) => (d: number) => String.fromCodePoint(first + d)),
  ...TABLES.map((table) => (d: number) => table[d]!),
];
const SEPARATORS = [" ", "  ", "\t", "\u00a0", ".", "/", "_", "-", "--", " - ", "\u2013", "\u2014", "\u200b", "\u00ad", ",", ":", "(", ")",
  "\n", "\r\n", "\u3000", "\u00b7", "\u0301", "\ud83d\ude00", "*", "#", "'", "\"", "\\", "|", "+", "=", "~"];
const WORDS = ["card", "order", "ref", "Visa", "tel", "café", "Заказ", "注文", "x", "É", "ß"];

const digitString = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max });

/** A Luhn-valid number of 13-19 digits (random body, computed check digit). */
const cardArb = fc.integer({ min: 12, max: 18 }).chain((n) => digitString(n, n)).map((body) => {
  for (let check = 0; check < 10; check++) if (luhnValid([...body, check].join(""))) return [...body, check];
  throw new Error("no check digit");
});

/** Digits written each in a random form, with random separators (or none) between them. */
const writtenArb = (digits: number[]) =>
  fc.tuple(
    fc.array(fc.nat({ max: FORMS.length - 1 }), { minLength: digits.length, maxLength: digits.length }),
    fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant("") }, { weight: 2, arbitrary: fc.constantFrom(...SEPARATORS) }), { minLength: digits.length, maxLength: digits.length }),
    fc.nat({ max: 3 }),
  ).map(([forms, seps, mostlyOne]) =>
    digits.map((d, i) => {
      // Half of the texts write every digit the same way, as people do.
      const form = FORMS[mostlyOne < 2 ? forms[0]! : forms[i]!]!;
      return (i > 0 ? seps[i]! : "") + form(d);
    }).join(""));

/** Text around: words, spaces, punctuation, nothing. */
const noiseArb = fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom(...SEPARATORS), fc.string({ maxLength: 4 })), { maxLength: 4 }).map((parts) => parts.join(" "));

const cardTextArb = fc.tuple(noiseArb, digitString(0, 6), cardArb, digitString(0, 6), noiseArb, fc.boolean())
  .chain(([before, prefix, card, suffix, after, spaced]) =>
    writtenArb([...prefix, ...card, ...suffix]).map((written) => (spaced ? `${before} ${written} ${after}` : `${before}${written}${after}`)));

/**
 * Up to 40 digits with no Luhn-valid window of 13-19: each digit after the
 * twelfth avoids the (at most seven) values that would complete a valid
 * window ending at it, starting from a random value.
 */
const noWindowDigitsArb = fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 40, size: "max" }).map((random) => {
  const digits: number[] = [];
  for (const r of random) {
    let d = r;
    for (let tries = 0; tries < 10; tries++, d = (d + 1) % 10) {
      const ends = [13, 14, 15, 16, 17, 18, 19].filter((k) => k <= digits.length + 1);
      if (!ends.some((k) => luhnValid([...digits.slice(digits.length + 1 - k), d].join("")))) break;
    }
    digits.push(d);
  }
  return digits;
});

/** Digit groups in random forms between pieces of text. */
const textArb = (digitsArb: fc.Arbitrary<number[]>) =>
  fc.array(fc.tuple(noiseArb, digitsArb.chain(writtenArb)), { minLength: 1, maxLength: 3 })
    .map((parts) => parts.map(([noise, digits]) => `${noise}${digits}`).join(""));

describe("no_card_numbers against the oracle (WASM, host builtins)", () => {
  it("denies every text in which the oracle finds a card: Unicode digits, separators, digits around", () => {
    let found = 0;
    fc.assert(fc.property(cardTextArb, (text) => {
      if (findCardNumber(text) === undefined) return;
      found += 1;
      expect(denyCodes(text), JSON.stringify(text)).toEqual(["card_number"]);
    }), { numRuns: fuzzRuns(), seed: 4111 });
    // Letters in the noise can split a card, but nearly every text holds one.
    expect(found).toBeGreaterThan(fuzzRuns() * 0.9);
  }, fuzzTimeout());

  it("never denies a text without a Luhn-valid window of 13-19 digits", () => {
    let long = 0;
    // Noise may put digits next to a group and complete a window: the oracle filters those out.
    fc.assert(fc.property(textArb(noWindowDigitsArb).filter((text) => findCardNumber(text) === undefined), (text) => {
      if (candidates(text).some((c) => c.length >= 13)) long += 1;
      expect(denyCodes(text), JSON.stringify(text)).toEqual([]);
    }), { numRuns: fuzzRuns(), seed: 5500 });
    // Most negatives hold a candidate long enough to be checked window by window.
    expect(long).toBeGreaterThan(fuzzRuns() * 0.5);
  }, fuzzTimeout());

  it("agrees with the oracle on any generated text", () => {
    const anyDigits = fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 25 });
    fc.assert(fc.property(fc.oneof(textArb(anyDigits), textArb(noWindowDigitsArb), cardTextArb), (text) => {
      const expected = findCardNumber(text) === undefined ? [] : ["card_number"];
      expect(denyCodes(text), JSON.stringify(text)).toEqual(expected);
    }), { numRuns: fuzzRuns(2_000), seed: 3782 });
  }, fuzzTimeout());
});
