// The builtin families added for issue #13 (units.*, strings.*, object.subset,
// crypto.hmac.*, digests, hex, base64url) answer as OPA's Go builtins on the
// edge cases beyond OPA's conformance suite: each expression is evaluated by
// `opa eval` and by the WASM runtime and must have the same value, or be
// undefined in both.
import { describe, expect, it } from "vitest";
import { evalBoth, probeModule } from "./go-parity.ts";

async function expectSameAsGo(expressions: string[], input?: unknown): Promise<Record<string, unknown>> {
  const { go, wasm } = await evalBoth(probeModule(expressions), input);
  const rows = expressions.map((e, i) => ({ expression: e, value: wasm[`r${i}`] }));
  expect(rows).toEqual(expressions.map((e, i) => ({ expression: e, value: go[`r${i}`] })));
  expect(Object.keys(go).length).toBeGreaterThan(0);
  return go;
}

const str = (s: string): string => JSON.stringify(s);

describe("builtin families answer as OPA's Go builtins", () => {
  it("units.parse: exact rationals, milli as the float64 0.001, 10 decimals, Go's unit casing", async () => {
    const inputs = [
      "1m", "3m", "1000m", "1.5", "1.", ".5", "-1.5Ki", "1e3", "1E-3m", "1e-30m", "-1e-30m", "1e5e5", "+-1", "1+2", "1e+", "1e",
      "12345678901234567890", "9.999999999995m", "0.00000000005", "0.00000000004999", "1KI", "1kI", "1MI", "1mi", "1mI", "1Mi",
      "1k\u0130", "1M\u0130", "1\u212a", "1\u212ai", "\"2\"G", "1 K", "", "K", "1.2.3", "0e999999", "1e0000001", "2e-999999",
      "1P", "1pi", "1PI", "1EI", "7e18Ei", "0x10", "1_000",
    ];
    await expectSameAsGo(inputs.map((s) => `units.parse(${str(s)})`));
  });

  it("units.parse_bytes: big.Float at 64 bits (1.1kb is 1100, rounding as Go), truncated toward zero", async () => {
    const inputs = [
      "1.1kb", "0.3kb", "2.675KB", "1.0000000000000000001", "123456789012345678901234567890", "1e19", "1.5e-3kb",
      "9007199254740993", "18446744073709551617", "-1.5kib", "-0.5", "0.1e1", "1e-400", "1e300", "12.345678901234567890123mib",
      "3.3333333333333333333333e2", "1E3", "\"10\"GiB", "1K\u0130B", "1\u212aB", "1 KB", "KB", "", "1.", ".5kb", "1e5e5",
      "7.5eib", "1.23456789e-5gb", "999999999999999999999999.5", "1e27", "1e28", "4.4e-15pb",
    ];
    await expectSameAsGo(inputs.map((s) => `units.parse_bytes(${str(s)})`));
  });

  it("strings.any_prefix_match / any_suffix_match: strings, arrays and sets, type errors undefined", async () => {
    await expectSameAsGo([
      'strings.any_prefix_match("/srv/data/x", ["/etc", "/srv/"])',
      'strings.any_prefix_match({"a/b", "c/d"}, {"c"})',
      'strings.any_prefix_match([], "a")',
      'strings.any_prefix_match("a", [])',
      'strings.any_prefix_match("", "")',
      'strings.any_prefix_match("é🙂x", "é🙂")',
      'strings.any_suffix_match("report.pdf", {".pdf", ".doc"})',
      'strings.any_suffix_match(["x.PDF"], [".pdf"])',
      'strings.any_suffix_match("🙂", "\\ude42")',
    ]);
  });

  it("strings.split_n: Go's SplitN semantics, n written as an integer only", async () => {
    await expectSameAsGo([
      'strings.split_n("a,b,c,d", ",", 2)',
      'strings.split_n("a,b,c,d", ",", 0)',
      'strings.split_n("a,b,c,d", ",", -2)',
      'strings.split_n("a,b,c,d", ",", -9)',
      'strings.split_n("a,b,c,d", ",", 9223372036854775807)',
      'strings.split_n("a,b,c,d", ",", -9223372036854775808)',
      'strings.split_n("a,b,c,d", ",", 9223372036854775808)',
      'strings.split_n("a,b", ",", 2.0)',
      'strings.split_n("a,b", ",", 1e2)',
      'strings.split_n("a,b", ",", 1.000)',
      'strings.split_n("a,b", ",", -0)',
      'strings.split_n("a,b", ",", 1.0000000000000000000)',
      'strings.split_n("a,b", ",", 2.5)',
      'strings.split_n("a,b,c", ",", input.n)',
      'strings.split_n("a,b,c", ",", input.m)',
      'strings.split_n("a,b,c", ",", input.k)',
      'strings.split_n("héllo🙂", "", 3)',
      'strings.split_n("héllo🙂", "", -2)',
      'strings.split_n("", ",", 3)',
      'strings.split_n("", "", 3)',
      'strings.split_n(",,", ",", 5)',
      // type errors (undefined in both), from input so the compiler cannot reject them
      'strings.any_prefix_match(input.mixed, "a")',
      'strings.any_prefix_match("a", input.mixed)',
      'strings.any_prefix_match(input.k, "a")',
      'object.subset(input.s, input.s)',
    ], { n: 2.0, m: 2.5, k: 1, mixed: ["a", 1], s: "a" });
  });

  it("strings.count and indexof_n: characters, overlapping matches, empty search", async () => {
    await expectSameAsGo([
      'strings.count("aaaa", "aa")',
      'strings.count("héllo", "")',
      'strings.count("", "")',
      'indexof_n("aaaa", "aa")',
      'indexof_n("🙂a🙂a🙂", "🙂a")',
      'indexof_n("abc", "")',
      'indexof_n("", "a")',
    ]);
  });

  it("object.subset: nested objects, arrays as contiguous runs, sets, Go's array/set counting quirk", async () => {
    await expectSameAsGo([
      'object.subset({"a": {"b": 1, "c": [1, 2, 3]}, "d": {1, 2}}, {"a": {"c": [2, 3]}, "d": {2}})',
      'object.subset({"a": [1, 2, 3]}, {"a": [1, 3]})',
      'object.subset([1, 2, 1, 2, 3], [1, 2, 3])',
      'object.subset([1, 2], [])',
      'object.subset([], [])',
      'object.subset([1, 1], {1, 2})',
      'object.subset([1], set())',
      'object.subset([], set())',
      'object.subset({1.0, 2}, {1})',
      'object.subset({"a": 1.0}, {"a": 1})',
      'object.subset({"a": 1}, {"a": "1"})',
      'object.subset({"a": [1]}, {"a": {1}})',
      'object.subset({1}, [1])',
      'object.subset([[1], {"x": 2}], [{"x": 2}])',
    ]);
  });

  it("crypto.hmac.*, hmac.equal, digests, hex and base64url over UTF-8", async () => {
    await expectSameAsGo([
      'crypto.hmac.md5("message", "key")',
      'crypto.hmac.sha1("mé", "🙂")',
      'crypto.hmac.sha256("", "")',
      'crypto.hmac.sha512("x", "k")',
      'crypto.hmac.equal("abc", "abc")',
      'crypto.hmac.equal("abc", "abd")',
      'crypto.hmac.equal("abc", "abcd")',
      'crypto.hmac.equal("é", "é")',
      'crypto.md5("é")',
      'crypto.sha1("")',
      'crypto.sha256("🙂")',
      'hex.encode("é🙂")',
      'hex.decode("C3A9")',
      'hex.decode("c3a")',
      'hex.decode("zz")',
      'base64url.encode_no_pad("é??>")',
    ]);
  });

  it("hex.decode of bytes that are not UTF-8 fails the evaluation instead of answering differently", async () => {
    await expect(evalBoth(probeModule(['hex.decode("ff")']))).rejects.toThrow(/not UTF-8/);
  });

  it("units.parse of an amount with a thousand-digit result fails the evaluation (bounded work)", async () => {
    await expect(evalBoth(probeModule(['units.parse("1e5000")']))).rejects.toThrow(/too large/);
    await expect(evalBoth(probeModule(['units.parse_bytes("1e5000")']))).rejects.toThrow(/too large/);
  });

  it("units.*: an amount of up to 1,000 digits is answered as Go; a longer one (a model's 250,000 digits) fails the evaluation", async () => {
    const digits = (n: number): string => `1${"0".repeat(n - 2)}1`;
    await expectSameAsGo([`units.parse("${digits(1000)}")`, `units.parse("0.${digits(999)}Ki")`, `units.parse_bytes("${digits(1000)}kb")`]);
    for (const expression of [`units.parse("${digits(1001)}")`, `units.parse_bytes("0.${digits(250_000)}")`]) {
      await expect(evalBoth(probeModule([expression]))).rejects.toThrow(/more than 1000 digits is too large/);
    }
  });
});
