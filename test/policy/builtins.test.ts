import { describe, expect, it } from "vitest";
import { REFUSED_BUILTINS, beginEvaluation, hostBuiltinNames, loadHostBuiltins, providedBuiltinNames } from "../../src/policy/builtins/index.ts";

const hostBuiltins = await loadHostBuiltins(hostBuiltinNames);

const decode = (value: unknown): string => new TextDecoder().decode(value as ArrayBuffer);
const call = (name: string, ...args: unknown[]): unknown => (hostBuiltins[name] as (...a: unknown[]) => unknown)(...args);

describe("host builtins", () => {
  it("time.parse_ns returns exact nanoseconds for a Go date layout", () => {
    expect(decode(call("time.parse_ns", "2006-01-02", "2026-01-01"))).toBe("1767225600000000000");
    expect(decode(call("time.parse_ns", "2006-01-02T15:04:05Z07:00", "2026-03-31T10:20:30+02:00"))).toBe(
      "1774945230000000000",
    );
  });

  it("time.parse_rfc3339_ns keeps nanosecond precision beyond 2^53", () => {
    expect(decode(call("time.parse_rfc3339_ns", "2026-01-01T00:00:00.123456789Z"))).toBe("1767225600123456789");
  });

  it("a value that does not parse is undefined, as in OPA's Go evaluator", () => {
    expect(call("time.parse_ns", "2006-01-02", "2026-02-30")).toBeUndefined();
    expect(call("time.parse_ns", "2006-01-02", "not a date")).toBeUndefined();
    expect(call("time.parse_rfc3339_ns", 42)).toBeUndefined();
  });

  it("regex.replace and replace replace every match", () => {
    expect(call("regex.replace", "a sk-123 b sk-456", "sk-[0-9]+", "[REDACTED]")).toBe("a [REDACTED] b [REDACTED]");
    expect(call("replace", "a.b.c", ".", "-")).toBe("a-b-c");
  });

  it("the runtime's builtin list includes the SDK's and ours", () => {
    const names = providedBuiltinNames();
    for (const name of ["sprintf", "regex.split", "time.parse_ns", "regex.replace"]) {
      expect(names.has(name)).toBe(true);
    }
    for (const name of Object.keys(REFUSED_BUILTINS)) expect(names.has(name)).toBe(false);
  });

  it("time.now_ns keeps one value until the next evaluation begins", () => {
    beginEvaluation();
    const first = decode(call("time.now_ns"));
    const until = Date.now() + 3;
    while (Date.now() < until) {
      // let the clock move on
    }
    expect(decode(call("time.now_ns"))).toBe(first);
    beginEvaluation();
    expect(BigInt(decode(call("time.now_ns")))).toBeGreaterThan(BigInt(first));
  });
});
