// A host builtin that cannot read its operand (a value nested deeper than the
// host's stack) fails the evaluation instead of answering undefined: undefined
// would skip the deny rule that called it, and the gate denies a failed
// evaluation.
import { describe, expect, it } from "vitest";
import { constraintGate } from "../helpers/constraint-gate.ts";

describe("a host builtin that fails on a deeply nested value", () => {
  it("a secret in a structured argument nested thousands of levels deep is denied at every depth", async () => {
    const gate = await constraintGate("version: 1\ntools:\n  post: { effect: allow, constraints: { redact_secrets: [text] } }\n", ["post"]);
    for (const depth of [10, 1000, 2500, 3000, 6000, 20000]) {
      const text = `${"[".repeat(depth)}"deploy key sk-abcdefghijklmnopqrstuvwx done"${"]".repeat(depth)}`;
      const { decision } = gate.evaluate({ surface: "chat", assistant_id: "asst_test", call_id: "c", name: "post", arguments: `{"text":${text}}` });
      expect({ depth, effect: decision.effect }).toEqual({ depth, effect: "deny" });
    }
  });
});
