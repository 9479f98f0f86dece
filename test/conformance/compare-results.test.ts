import { describe, expect, it } from "vitest";
import { compareResultSets } from "./compare-results.ts";
import { changes, type Expectations } from "./expectations.ts";

describe("compareResultSets (OPA's e2e assertResultSet)", () => {
  it("compares binding objects as a set, ignoring their order and key order", () => {
    expect(compareResultSets([{ x: 1, y: "a" }, { x: 2, y: "b" }], [{ y: "b", x: 2 }, { x: 1, y: "a" }], false)).toBe("same");
  });

  it("treats 1 and 1.0 as the same number, and different values as different", () => {
    expect(compareResultSets([{ x: 1 }], [{ x: 1.0 }], false)).toBe("same");
    expect(compareResultSets([{ x: 1 }], [{ x: "1" }], false)).toBe("different");
    expect(compareResultSets([], [{}], false)).toBe("different");
  });

  it("sorts a binding's array only with sort_bindings, and names an order-only difference", () => {
    expect(compareResultSets([{ x: ["b", "a"] }], [{ x: ["a", "b"] }], true)).toBe("same");
    expect(compareResultSets([{ x: ["b", "a"] }], [{ x: ["a", "b"] }], false)).toBe("order-only");
    expect(compareResultSets([{ x: { s: [2, 1] } }], [{ x: { s: [1, 2] } }], true)).toBe("order-only");
    expect(compareResultSets([{ x: ["a"] }], [{ x: ["a", "b"] }], true)).toBe("different");
  });
});

describe("changes against the expectations file", () => {
  const expectations: Expectations = {
    opa: "test",
    counts: { pass: 1, refused: 1, threw: 0, wrong: 1, skipped: 0 },
    cases: { r: { category: "refused", reason: "builtin not provided: x" }, w: { category: "wrong", reason: "differs" } },
  };

  it("calls a move towards pass progress and a move away from it a regression", () => {
    const found = changes(expectations, [
      { id: "p", category: "threw", reason: "boom" },
      { id: "r", category: "pass", reason: "" },
      { id: "w", category: "refused", reason: "builtin not provided: y" },
    ]);
    expect(found.map((f) => [f.id, f.from, f.to, f.progress])).toEqual([
      ["p", "pass", "threw", false],
      ["r", "refused", "pass", true],
      ["w", "wrong", "refused", true],
    ]);
  });

  it("finds no change when every case keeps its category", () => {
    expect(changes(expectations, [{ id: "p", category: "pass", reason: "" }, { id: "r", category: "refused", reason: "other words" }])).toEqual([]);
  });
});
