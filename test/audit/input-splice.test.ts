import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/canonical-json.ts";
import { usageDocumentJson, type BudgetCharge } from "../../src/gate/budget-charges.ts";
import { buildInputDocument } from "../../src/gate/input-document.ts";
import type { ToolCall } from "../../src/gate/tool-call.ts";
import { parseOwnJson } from "../../src/json/parse-own-json.ts";
import type { ResolvedBudget } from "../../src/policy/budget-config.ts";

// The input document built from its parts (so the log splices its text): it
// must hold exactly what the policy read, whatever the app does with its own
// objects afterwards. The property test (record-encoder.property.test.ts)
// checks the bytes; these pin the cases by name.

const call = (context?: Record<string, unknown>): ToolCall => ({
  surface: "chat",
  assistant_id: "asst_1",
  call_id: "call_1",
  name: "refund_order",
  arguments: "{}",
  ...(context === undefined ? {} : { context }),
});

const budget = (name: string, extra: Partial<ResolvedBudget> = {}): ResolvedBudget => ({
  name,
  kind: "sum",
  sum: ["amount"],
  limit: 1000,
  soft_limit: undefined,
  window: "1d",
  windowMs: 86_400_000,
  per: ["assistant"],
  reservationMs: 900_000,
  ...extra,
});

describe("buildInputDocument from parts", () => {
  it("copies the context: the app changing its object after the decision does not change the logged document", () => {
    const context = { tenant: { id: "t1", tags: ["a", "é", "😀"] } };
    const built = buildInputDocument(call(context), { amount: 5 });
    expect(built.canonical).toBe(true);
    context.tenant.id = "t2";
    context.tenant.tags.push("b");
    expect(built.document.context).toEqual({ tenant: { id: "t1", tags: ["a", "é", "😀"] } });
    expect(built.document).toEqual(parseOwnJson(built.json));
  });

  it("reads a context with a lone surrogate back from the text (U+FFFD), not canonical", () => {
    const built = buildInputDocument(call({ note: "x\ud800" }), {});
    expect(built.canonical).toBe(false);
    expect(built.document.context).toEqual({ note: "x\ufffd" });
  });

  it("writes the usage canonically and keeps its value as the policy reads it (-0 as 0, non-finite as null)", () => {
    const charges: BudgetCharge[] = [
      { budget: budget("refunds", { soft_limit: 800 }), key: JSON.stringify(["asst_1"]), amount: -0 },
      { budget: budget("calls", { kind: "count", limit: Number.POSITIVE_INFINITY }), key: JSON.stringify([null]), amount: 1 },
    ];
    const usage = usageDocumentJson(charges, new Map([["refunds", { used: 100, reserved: 50 }], ["calls", { used: 0, reserved: 0 }]]));
    expect(usage?.canonical).toBe(true);
    expect(usage?.json).toBe(canonicalJson(parseOwnJson(usage?.json ?? "")));
    expect(usage?.value).toEqual(parseOwnJson(usage?.json ?? ""));
    expect(Object.is((usage?.value.refunds as Record<string, unknown>).amount, 0)).toBe(true);
    expect((usage?.value.calls as Record<string, unknown>).limit).toBeNull();
    const built = buildInputDocument(call(), { amount: 0 }, undefined, undefined, usage);
    expect(built.canonical).toBe(true);
    expect(built.document.usage).toBe(usage?.value);
    expect(built.json).toBe(canonicalJson(built.document));
  });

  it("keeps a budget named __proto__ as an own member of input.usage", () => {
    const usage = usageDocumentJson([{ budget: budget("__proto__"), key: "[1]", amount: 2 }], "fresh");
    expect(Object.keys(usage?.value ?? {})).toEqual(["__proto__"]);
    expect(usage?.json).toContain('{"__proto__":{"amount":2,');
    expect(usage?.value).toEqual(parseOwnJson(usage?.json ?? ""));
  });
});
