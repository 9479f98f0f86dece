// Host builtins on model-sized text (the gate lets 256 KiB of arguments
// through) answer without stalling the event loop: each case below once took
// time quadratic in its input. No timing is asserted: the answer is, and a
// quadratic case would run for minutes, past the test's timeout.
import { beforeAll, describe, expect, test } from "vitest";
import { decimal } from "../../src/policy/builtins/go-value.ts";
import type { PolicyEngine } from "../../src/policy/engine.ts";
import { toolgateEngine } from "./go-parity.ts";

const LONG = 250_000;

describe("number text with a long inner run of zeros (to_number of a model's string)", () => {
  let engine: PolicyEngine;
  beforeAll(async () => {
    engine = await toolgateEngine(
      'decision := {"subset": object.subset({"a": to_number(input.s), "b": 1}, {"a": to_number(input.t)})}',
    );
  }, 60_000);

  test("decimal reads it exactly: every digit kept, trailing zeros dropped", () => {
    const text = `1${"0".repeat(LONG)}1`;
    expect(decimal(text)).toEqual({ negative: false, digits: text, exp: LONG + 2 });
    expect(decimal(`-000.${"0".repeat(LONG)}25${"0".repeat(LONG)}`)).toEqual({ negative: true, digits: "25", exp: -LONG });
    expect(decimal("0.000")).toEqual({ negative: false, digits: "", exp: 0 });
  });

  test("object.subset compares such numbers as Go does", () => {
    const s = `1${"0".repeat(LONG)}1`;
    const t = `1${"0".repeat(LONG)}2`;
    expect(engine.evaluate({ s, t: s })).toMatchObject({ subset: true });
    expect(engine.evaluate({ s, t })).toMatchObject({ subset: false });
  });
});

describe("sprintf with a huge width or precision in a model-written format", () => {
  let engine: PolicyEngine;
  beforeAll(async () => {
    engine = await toolgateEngine("decision := {\"length\": count(sprintf(input.format, [1.5]))}");
  }, 60_000);

  test("up to a million: printed as Go prints it", () => {
    expect(engine.evaluate({ format: "%.1000000f" })).toEqual({ length: 1_000_002 });
    expect(engine.evaluate({ format: "%1000000f" })).toEqual({ length: 1_000_000 });
  });

  test("past a million the evaluation fails (deny) instead of padding gigabytes", () => {
    for (const format of ["%.400000000f", "%.2000000f", "%2000000f"]) expect(() => engine.evaluate({ format })).toThrow(/sprintf: (precision|width) too large/);
  });
});

describe("Rego text of a large set or object (a host builtin's operand, read by parseRegoText)", () => {
  test("200,000 members read back whole (a spread call once overflowed the stack)", async () => {
    const { parseRegoText } = await import("../../src/policy/builtins/rego-text.ts");
    const members = Array.from({ length: 200_000 }, (_, i) => String(i));
    const set = parseRegoText(`{${members.join(", ")}}`);
    expect(set.kind).toBe("set");
    expect(set.kind === "set" && set.items.length).toBe(200_000);
    const object = parseRegoText(`{${members.map((m) => `"${m}": ${m}`).join(", ")}}`);
    expect(object.kind === "object" && object.entries.length).toBe(200_000);
  });
});
