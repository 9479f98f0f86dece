// Host builtins read string operands straight from the WASM module's memory
// and write string results into it (src/policy/wasm-instance.ts, the string
// bridge), and a result equal to an operand is that operand's value. Checked
// against OPA's Go evaluator on generated strings of any Unicode (NUL and
// other control characters, quotes and backslashes, multi-byte and astral
// characters): results that are an operand unchanged, new strings, strings
// inside arrays (sprintf's operands), strings from the module's constants, and
// string results fed to further builtins must all come out as Go's.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { evalBoth, probeModule } from "./go-parity.ts";

const special = fc.constantFrom("\u0000", "\u0001", "\n", "\t", '"', "\\", "é", "中", "😀", "\u2028", "\ufffd", "a", "x", "%", " ");
const piece = fc.oneof(special, fc.string({ unit: "binary", maxLength: 6 }));
const text = fc.array(piece, { maxLength: 10 }).map((parts) => parts.join("")).filter((s) => s.isWellFormed());

const expressions = [
  // unchanged (no x): the operand itself; changed: a new string
  '[regex.replace(s, "x", "y") | some s in input.strings]',
  '[replace(s, "a", "é😀") | some s in input.strings]',
  // a result fed to another host builtin and to native ones
  '[count(regex.replace(replace(s, "a", "\\u0000"), "[^\\\\x00]", "")) | some s in input.strings]',
  '[concat("/", [regex.replace(s, "é", "É"), s, regex.replace(s, "\\\\\\\\", "/")]) | some s in input.strings]',
  // sprintf: the format from the module's constants, strings inside an array
  '[sprintf("%s|%q|%v|%v", [s, s, [s, 1, "k"], {s}]) | some s in input.strings]',
  // a constant operand with a string result
  '[regex.replace("c\\u0000é😀x", "x", s) | some s in input.strings]',
  '[strings.count(s, "a") | some s in input.strings]',
];

describe("the string bridge between host builtins and the WASM module", () => {
  it(
    "gives Go's answers for strings of any Unicode, unchanged or rewritten",
    async () => {
      const strings = fc.sample(text, fuzzRuns());
      const module = probeModule(expressions);
      for (let i = 0; i < strings.length; i += 1000) {
        const input = { strings: strings.slice(i, i + 1000) };
        const { go, wasm } = await evalBoth(module, input);
        expect(wasm).toEqual(go);
      }
    },
    fuzzTimeout(),
  );
});
