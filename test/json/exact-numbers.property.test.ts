import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanJson } from "../../src/json/scan-json.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";

/** A JSON number's exact value as a rational of BigInts (numerator, power of ten), read the way an exact decimal library does. */
function exactValue(text: string): { n: bigint; scale: bigint } {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
  const digits = BigInt(`${m[1]}${m[2]}${m[3] ?? ""}`);
  const scale = BigInt(m[4] ?? "0") - BigInt((m[3] ?? "").length);
  return { n: digits, scale };
}

function sameValue(a: string, b: string): boolean {
  const x = exactValue(a);
  const y = exactValue(b);
  if (x.n === 0n || y.n === 0n) return x.n === 0n && y.n === 0n;
  const shift = x.scale - y.scale;
  return shift >= 0n ? x.n * 10n ** shift === y.n : x.n === y.n * 10n ** -shift;
}

const jsonNumber = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant("0"), fc.stringMatching(/^[1-9]\d{0,24}$/)),
    fc.option(fc.stringMatching(/^\d{1,24}$/), { nil: undefined }),
    fc.option(fc.integer({ min: -400, max: 400 }), { nil: undefined }),
  )
  .map(([negative, int, frac, exp]) => `${negative ? "-" : ""}${int}${frac === undefined ? "" : `.${frac}`}${exp === undefined ? "" : `e${exp}`}`);

describe("exact numbers in tool-call arguments", () => {
  it(
    "an accepted number means, to an exact reader, the same value as the double the gate decides on",
    () => {
      fc.assert(
        fc.property(jsonNumber, (text) => {
          const scanned = scanJson(`{"n":${text}}`, { exactNumbers: true });
          if (!scanned.ok) {
            expect(scanned.problem).toBe("inexact_number");
            return;
          }
          const value = (scanned.value as { n: number }).n;
          expect(Number.isFinite(value)).toBe(true);
          expect(sameValue(text, String(value))).toBe(true);
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );

  it(
    "every number JSON.stringify writes is accepted, as the same double",
    () => {
      fc.assert(
        fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
          const scanned = scanJson(`{"n":${JSON.stringify(x)}}`, { exactNumbers: true });
          expect(scanned.ok).toBe(true);
          // JSON.stringify writes -0 as 0.
          expect((scanned as { value: { n: number } }).value.n).toBe(x === 0 ? 0 : x);
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );
});
