import { describe, expect, it } from "vitest";
import { scanJson } from "../../src/json/scan-json.ts";

const problem = (text: string, canonicalNumbers = false) => {
  const scanned = scanJson(text, { canonicalNumbers });
  return scanned.ok ? "ok" : scanned.problem;
};

describe("scanJson", () => {
  it("compares keys decoded: an escaped spelling of a key is the same key", () => {
    expect(problem(String.raw`{"a":1,"\u0061":2}`)).toBe("duplicate_key");
    expect(problem(String.raw`{"__proto__":1,"\u005f_proto__":2}`)).toBe("duplicate_key");
    expect(problem(String.raw`{"😀":1,"\ud83d\ude00":2}`)).toBe("duplicate_key");
    expect(problem(`{"a":{"a":1},"b":[{"a":1},{"a":2}]}`)).toBe("ok"); // equal keys in different objects
    expect(scanJson(`{"a":1,"a":2}`)).toMatchObject({ ok: false, offset: 7, message: expect.stringContaining('"a" appears twice') });
  });

  it("keeps __proto__ as an own key, as JSON.parse does", () => {
    const scanned = scanJson(`{"__proto__":{"polluted":true}}`);
    expect(scanned.ok).toBe(true);
    if (!scanned.ok) return;
    const value = scanned.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses lone surrogates, raw or escaped, and accepts pairs however they are written", () => {
    expect(problem(String.raw`"\ud800"`)).toBe("lone_surrogate");
    expect(problem(String.raw`{"\udc00":1}`)).toBe("lone_surrogate");
    expect(problem(`"${"😀".slice(0, 1)}"`)).toBe("lone_surrogate");
    expect(problem(`["${"😀".slice(0, 1)}","${"😀".slice(1)}"]`)).toBe("lone_surrogate"); // a pair split across two strings
    expect(problem(String.raw`"\ud83d\ude00"`)).toBe("ok");
    expect(problem(String.raw`"\ud83d` + `\ude00"`)).toBe("ok"); // escaped high, raw low
    expect(problem(`"😀"`)).toBe("ok");
  });

  it("with canonicalNumbers, refuses numbers JSON.stringify would write otherwise", () => {
    for (const text of ["1.0", "1e2", "-0", "0.10", "1E+21", "1e400", "12345678901234567890"]) expect(problem(`[${text}]`, true)).toBe("non_canonical_number");
    for (const text of ["0", "-1", "0.1", "1e+21", "1.5e-7", "12345678901234567000"]) expect(problem(`[${text}]`, true)).toBe("ok");
    expect(problem("[1.0]")).toBe("ok");
  });

  it("for JSON this process wrote: replaces lone surrogates and keeps the last of equal keys on request", () => {
    expect(scanJson(String.raw`{"k\ud800":"v\udc00"}`, { loneSurrogates: "replace" })).toStrictEqual({ ok: true, value: { "k\ufffd": "v\ufffd" } });
    expect(problem(String.raw`{"k\ud800":1,"k\udc00":2}`)).toBe("lone_surrogate");
    expect(scanJson(String.raw`{"k\ud800":1,"k\udc00":2}`, { loneSurrogates: "replace", duplicateKeys: "last" })).toStrictEqual({ ok: true, value: { "k\ufffd": 2 } });
    expect(scanJson(`{"a":1,"b":2,"a":3}`, { duplicateKeys: "last" })).toStrictEqual({ ok: true, value: JSON.parse(`{"a":1,"b":2,"a":3}`) });
  });

  it("refuses what is not JSON", () => {
    for (const text of ["", "[", "{", `{"a"}`, `{"a":1,}`, "[1,]", "01", "+1", "1.", ".5", "1e", "tru", "nul", `"a`, `"\\x"`, `"\\u12"`, `"a\u0001"`, "[1] 2", "NaN", "{'a':1}"]) {
      expect(problem(text), text).toBe("syntax");
    }
  });

  it("parses 200,000 levels of nesting without recursion (JSON.stringify of the result would overflow)", () => {
    const depth = 200_000;
    expect(scanJson("[".repeat(depth) + "]".repeat(depth)).ok).toBe(true);
    expect(problem(`${'{"a":'.repeat(depth)}1${"}".repeat(depth - 1)}`)).toBe("syntax");
  });
});
