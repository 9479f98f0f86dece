import { describe, expect, it } from "vitest";
import { didYouMean } from "../../src/policy/did-you-mean.ts";

const CONSTRAINTS = ["max_amount", "amount_field", "allowed_values", "date_range_max_days", "allowed_domains", "allowed_hosts", "redact_secrets"];

describe("didYouMean (unknown toolgate.yaml keys)", () => {
  it.each([
    ["efect", ["effect", "reason", "constraints"], "effect"],
    ["constraint", ["effect", "reason", "constraints"], "constraints"],
    ["max_ammount", CONSTRAINTS, "max_amount"],
    ["allowed_domain", CONSTRAINTS, "allowed_domains"],
    ["alowed_hosts", CONSTRAINTS, "allowed_hosts"],
    ["Effect", ["effect"], "effect"],
  ])("%s -> %s", (typed, known, expected) => {
    expect(didYouMean(typed, known)).toBe(expected);
  });

  it("suggests nothing for a key unlike any known one", () => {
    expect(didYouMean("timeout", CONSTRAINTS)).toBeUndefined();
    expect(didYouMean("x".repeat(100), CONSTRAINTS)).toBeUndefined();
  });
});
