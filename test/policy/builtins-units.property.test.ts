// units.parse and units.parse_bytes answer as OPA's Go builtins on generated
// amounts: digits, points, signs, exponents, quotes and spaces, with every unit
// spelling (and the non-ASCII letters Go lowercases into ASCII), all evaluated
// in one batch by `opa eval` and by the WASM runtime.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { evalBoth } from "./go-parity.ts";

const UNITS = ["", "m", "k", "K", "ki", "Ki", "KI", "kI", "M", "Mi", "mi", "MI", "g", "G", "Gi", "gb", "GB", "GiB", "gib", "t", "T", "Ti", "tb", "p", "P", "Pi", "pb", "e", "E", "Ei", "eb", "EiB", "kb", "KB", "kib", "KiB", "mb", "MB", "mib", "b", "x", "K\u0130", "\u212a", "\u212ai", "\u212aB", "ki\u0307"];

const amount = fc.tuple(
  fc.constantFrom("", "", "", "-", "+", "--"),
  fc.stringMatching(/^\d{0,25}$/),
  fc.constantFrom("", "", ".", "."),
  fc.stringMatching(/^\d{0,12}$/),
  fc.constantFrom("", "", "", "e", "E", "e+", "e-", "E-"),
  fc.stringMatching(/^\d{0,2}$/),
  fc.constantFrom(...UNITS),
  fc.constantFrom("", "", "", "", '"', " "),
).map(([sign, whole, point, fraction, e, exponent, unit, noise]) => {
  const text = `${sign}${whole}${point}${fraction}${e}${exponent}${unit}`;
  return noise === "" ? text : `${noise}${text}`;
});

describe("units.parse / units.parse_bytes answer as Go", () => {
  it("on generated amounts, evaluated by opa eval and the WASM runtime", async () => {
    const xs = fc.sample(amount, fuzzRuns(10_000));
    const module = [
      "package p",
      "",
      "r0 := {i: v | some i, x in input.xs; v := units.parse(x)}",
      "r1 := {i: v | some i, x in input.xs; v := units.parse_bytes(x)}",
      "",
    ].join("\n");
    const { go, wasm } = await evalBoth(module, { xs });
    expect(wasm).toEqual(go);
    // most amounts parse: the comparison is not one of undefined with undefined
    expect(Object.keys(go.r1 as object).length).toBeGreaterThan(xs.length / 4);
  }, fuzzTimeout());
});
