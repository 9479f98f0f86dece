// Each host builtin (and each SDK builtin toolgate replaced) answers as OPA's
// Go builtin: the same Rego is evaluated by `opa eval` and by the WASM runtime
// (opa build -t wasm with build/capabilities.json, toolgate's instantiation),
// and every rule must have the same value, or be undefined in both. Cases
// include OPA's conformance cases for these builtins
// (v1/test/cases/testdata/v1/{sprintf,time,regexsplit}) and the differences
// issue #13 found.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REFUSED_BUILTINS } from "../../src/policy/builtins/index.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";
import { evalBoth, probeModule } from "./go-parity.ts";

async function expectSameAsGo(expressions: string[], input?: unknown): Promise<void> {
  const { go, wasm } = await evalBoth(probeModule(expressions), input);
  const rows = expressions.map((e, i) => ({ expression: e, value: wasm[`r${i}`] }));
  expect(rows).toEqual(expressions.map((e, i) => ({ expression: e, value: go[`r${i}`] })));
  // not a comparison of undefined with undefined only
  expect(Object.keys(go).length).toBeGreaterThan(0);
}

const str = (s: string): string => JSON.stringify(s);

describe("host builtins answer as OPA's Go builtins", () => {
  it("sprintf: numbers by their digits, Go's fmt verbs, composite values as Rego text", async () => {
    await expectSameAsGo([
      // conformance cases (sprintf/test-sprintf.yaml)
      'sprintf("%s", [123456789123456789123])',
      'sprintf("%s", [1208925819614629174706175])',
      'sprintf("%f, %3.1f, %.3f", [0.0, 100.0, .0])',
      'sprintf("%f", [1e2])',
      // issue #13 and more of Go's fmt
      'sprintf("%v", [2e308])',
      'sprintf("%v", [["there", 5, 3.14]])',
      'sprintf("%v", [{"b": 1, "a": [1, {2, 1}]}])',
      'sprintf("%v", [{3, 1, "x", set()}])',
      'sprintf("%v %v %v %v %v %v", [1e6, 123456.0, 1e-5, 0.0001, 1.5e300, -0.0])',
      'sprintf("%d %d %s %v", [1.5, 3, 3, true])',
      'sprintf("%.2f %.0f %.0f %.0f %e %E %.3e", [2.675, 0.5, 1.5, 2.5, 123456.789, 0.000123, 1e-300])',
      'sprintf("%x %X %o %b %+d % d %5d %-5d| %05d %q", [255, 255, 8, 5, 3, 3, 42, 42, -42, "a\\"b\\n\\u0001é"])',
      'sprintf("%s %v", [null, "x"])',
      'sprintf("%d", [])',
      'sprintf("%d", [1, "a", 2.5, 99999999999999999999])',
      'sprintf("%", [1])',
      'sprintf("%5s|%-5s|%.2s", ["ab", "ab", "abc"])',
      // widths count characters, not UTF-16 units
      'sprintf("%2s|%3s|%-3v|%4q|%.1s|%2d", ["😀", "é😀", "中", "😀", "😀x", 7])',
      'sprintf("%v %v %v", [input.n, input.a, input.b])',
      'sprintf("%t", [true])',
      'sprintf("%g %G %v", [1e21, 1e-7, 100000000000000000000000])',
      'sprintf("%v", [{"k": {2: 3}, "q\\u00e9\\u0001": "\\u2028", "\\u00ad\\ud83d\\ude00": "<&>"}])',
    ], { n: 1e-7, a: 12345678901234567000, b: [1, 2.5, "x"] });
  });

  it("time.parse_ns: Go's time.Parse layouts (PM, '06, named layouts, day of year, zones) and the int64 range", async () => {
    const cases: Array<[string, string]> = [
      // conformance cases (time/*.yaml)
      ["2006-01-02T15:04:05Z07:00", "2017-06-02T19:00:00-07:00"],
      ["2006-01-02T15:04:05Z07:00", "1677-09-21T00:12:43.145224192-00:00"],
      ["2006-01-02T15:04:05Z07:00", "2262-04-11T23:47:16.854775807-00:00"],
      ["2006-01-02T15:04:05Z07:00", "1677-09-21T00:12:43.145224191-00:00"],
      ["2006-01-02T15:04:05Z07:00", "2262-04-11T23:47:16.854775808-00:00"],
      ["01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700"],
      ["02 Jan 06 15:04 -0700", "02 Jun 17 19:00 -0700"],
      ["RFC822Z", "02 Jun 17 19:00 -0700"],
      // more of Go's layout elements
      ["RFC1123", "Tue, 10 Feb 2026 10:00:00 GMT+3"],
      ["RFC850", "Tuesday, 10-Feb-26 10:00:00 PST"],
      ["UnixDate", "Tue Feb  3 10:00:00 UTC 2026"],
      ["ANSIC", "Tue Feb  3 10:00:00 2026"],
      ["RFC3339Nano", "2026-01-01T00:00:00.123456789+05:30"],
      ["Jan 2 '06", "Mar 5 '68"],
      ["Jan 2 '06", "Mar 5 '69"],
      ["3:04PM", "12:30AM"],
      ["January 2, 2006 3:04:05 pm", "february 3, 2020 12:00:00 am"],
      ["2006-01-02 15:04:05", "2026-01-01 10:00:00,5"],
      ["2006-01-02 15:04:05.000", "2026-01-01 10:00:00.12"],
      ["002 2006", "060 2024"],
      ["__2 2006", " 60 2023"],
      ["2006-01-02", "2026-02-29"],
      ["2006-01-02", "2024-02-29"],
      ["2006-01-02", "0001-01-01"],
      ["2006-01-02", "9999-12-31"],
      ["2006-01-02 MST -0700", "2026-01-01 UTC +0300"],
      ["2006-01-02T15:04:05Z0700", "2026-01-01T00:00:00+2400"],
      ["Monday 2006", "monday 2026"],
      ["2006-01-02", "2026-1-02"],
      ["1/2/2006", "1/2/2026 "],
    ];
    await expectSameAsGo(cases.map(([layout, value]) => `sprintf("%d", [time.parse_ns(${str(layout)}, ${str(value)})])`));
  });

  it("time.parse_rfc3339_ns: refuses (undefined) an instant outside int64 nanoseconds, one nanosecond either side", async () => {
    const values = [
      "1677-09-21T00:12:43.145224192Z", "1677-09-21T00:12:43.145224191Z",
      "2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:16.854775808Z",
      "1677-09-21T00:12:43.145224191-00:00", "2262-04-11T23:47:16.854775808-00:00",
      "2026-01-01T00:00:00.123456789Z", "2026-01-01t00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T24:00:00Z",
      "2026-01-01T00:00:00+24:00", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00.1234567891Z",
    ];
    await expectSameAsGo(values.map((v) => `sprintf("%d", [time.parse_rfc3339_ns(${str(v)})])`));
  });

  it("time.now_ns: one value for the whole evaluation (conformance: consistent value for same evaluation)", async () => {
    await expectSameAsGo([
      "count({time.now_ns() | some _ in numbers.range(1, 2000)})",
      "time.now_ns() == time.now_ns()",
    ]);
  });

  it("regex.split: Go's regexp.Split (no capture groups in the result, empty matches as Go)", async () => {
    const cases: Array<[string, string]> = [
      // conformance cases (regexsplit/*.yaml)
      ["^[a-z]+\\[[0-9]+\\]$", ""], ["^[a-z]+", "foobar baz"], ["[a-z]+$", "foobar baz"], ["^[a-z]+$", "foobar baz"], ["^[a-z ]+$", "foobar baz"],
      // issue #13 and empty matches
      ["(,)", "a,b"], ["x*", "abc"], ["", "abc"], ["a*", "baaac"], [",", ""], ["", ""], [",", ",a,,b,"], ["\\s+", "  a b  "],
      ["(a)|b", "xaybz"], ["é?", "aéb😀c"], ["b*", "abbc"], ["$", "ab"],
    ];
    await expectSameAsGo(cases.map(([pattern, s]) => `regex.split(${str(pattern)}, ${str(s)})`));
  });

  it("numbers.range_step: big integers exact, integer-valued number texts, floats and non-positive steps refused as Go", async () => {
    await expectSameAsGo([
      "numbers.range_step(0, 10, 3)",
      "numbers.range_step(10, 0, 3)",
      "numbers.range_step(-3, 3, 2)",
      "numbers.range_step(5, 5, 1)",
      "numbers.range_step(9007199254740990, 9007199254740999, 2)",
      "numbers.range_step(123456789123456789123, 123456789123456789129, 3)",
      "numbers.range_step(1.0, 1e1, 2.0)",
      "numbers.range_step(0, 10, 1.5e1)",
      "numbers.range_step(0.5, 3, 1)",
      "numbers.range_step(0, 3, 0)",
      "numbers.range_step(0, 3, -1)",
      "numbers.range_step(0, 3, 0.5)",
      "numbers.range_step(input.a, input.b, input.s)",
    ], { a: 1, b: 20, s: 7 });
  });

  it("an object key \"2\" is not the number 2 (data.nested[2]), in both", async () => {
    const { go, wasm } = await evalBoth(probeModule(["input.nested[2]", 'input.nested["2"]', 'input.list["0"]']), {
      nested: { "2": "string key" },
      list: ["zero"],
    });
    expect(wasm).toEqual(go);
    expect(go).toEqual({ r1: "string key" });
  });
});

describe("builtins whose WASM or SDK version differs from Go are refused at build", () => {
  it.each(Object.keys(REFUSED_BUILTINS))("%s: opa build with toolgate's capabilities fails, naming it", (name) => {
    const dir = mkdtempSync(path.join(tmpdir(), "toolgate-refused-"));
    const file = path.join(dir, "p.rego");
    const call = name === "yaml.marshal" || name === "json.marshal" ? `${name}(input.x)` : `${name}(input.s)`;
    writeFileSync(file, `package p\n\nx := ${call}\n`);
    const capabilities = path.resolve(import.meta.dirname, "../../build/capabilities.json");
    let output = "";
    try {
      execFileSync(opaBinary(), ["build", "-t", "wasm", "--capabilities", capabilities, "-e", "p", "-o", path.join(dir, "b.tar.gz"), file], { stdio: "pipe" });
    } catch (err) {
      output = String((err as { stdout?: Buffer }).stdout ?? "") + String((err as { stderr?: Buffer }).stderr ?? "");
    }
    expect(output).toContain(`undefined function ${name}`);
  });
});
