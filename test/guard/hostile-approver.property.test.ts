import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbackApprover } from "../../src/approval/callback.ts";
import { Gate } from "../../src/gate/gate.ts";
import { ToolGuard, type CallOutcome } from "../../src/guard/tool-guard.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { buildSeedBundle, seedTools } from "../helpers/seed-bundle.ts";

// The seed policy asks a human for send_email_blast over 100 recipients. Whatever
// the approver answers, the guard must not throw, must tell the model a reason
// code (never null), and may run the tool only on a well-formed approval.

/**
 * A generated answer and what the test knows, by construction, it is. The
 * value is made inside the property: fast-check itself probes generated values
 * (for a clone method), which a Proxy that throws would break.
 */
interface Answer {
  /** Makes the value the approver returns (or throws, with `throws`). */
  make: () => unknown;
  kind: "approved" | "approved_with_arguments" | "rejected" | "malformed";
  throws?: boolean;
}

const BLAST = { template: "t", recipient_count: 500, subject: "s" };

const text = fc.oneof(fc.string(), fc.constant("x".repeat(300_000)), fc.constant("\ud800"));
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const wellFormed: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ approver: optional(text), note: optional(text) }, { requiredKeys: [] }).map((f) => ({ make: () => ({ status: "approved", ...f }), kind: "approved" as const })),
  fc.record({ approver: optional(text), note: optional(text) }, { requiredKeys: [] }).map((f) => ({ make: () => ({ status: "rejected", ...f }), kind: "rejected" as const })),
  fc
    .oneof(
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.record({ template: fc.string(), recipient_count: fc.integer({ min: 0, max: 1000 }), subject: fc.string() }),
    )
    .map((args) => ({ make: () => ({ status: "approved", arguments: structuredClone(args) }), kind: "approved_with_arguments" as const })),
);

const throwing = (message: string) => {
  throw new Error(message);
};
const proxyThatThrows = (target: object) =>
  new Proxy(target, {
    get: () => throwing("get"),
    has: () => throwing("has"),
    ownKeys: () => throwing("ownKeys"),
    getOwnPropertyDescriptor: () => throwing("descriptor"),
    getPrototypeOf: () => throwing("prototype"),
  });
const circular = (): Record<string, unknown> => {
  const o: Record<string, unknown> = { template: "t" };
  o.self = o;
  return o;
};

/** Makers of values JSON cannot hold, or whose reading runs hostile code. */
const hostileValue: fc.Arbitrary<() => unknown> = fc.oneof(
  fc
    .anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true, withDate: true })
    .map((v) => () => v),
  fc.bigInt().map((v) => () => v),
  fc.constantFrom<unknown>(Symbol("s"), () => 1, Number.NaN, Number.POSITIVE_INFINITY, undefined).map((v) => () => v),
  fc.constantFrom(
    () => proxyThatThrows({}),
    () => proxyThatThrows({ status: "approved" }),
    () => circular(),
    () => ({ get status(): string { return throwing("getter"); } }),
    () => ({ then: () => throwing("then") }),
    () => {
      const p = Proxy.revocable({ status: "approved" }, {});
      p.revoke();
      return p.proxy;
    },
  ),
);

/** Keeps the makers whose value passes `test` (a test that throws on the value counts as true: it is hostile). */
const hostileWhere = (test: (value: unknown) => boolean) =>
  hostileValue.filter((make) => {
    try {
      return test(make());
    } catch {
      return true;
    }
  });

/** Whether a value is a JSON object as the test defines it independently: plain data, JSON-encodable, no loss. */
function isJsonObject(value: unknown): boolean {
  try {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
    if (![Object.prototype, null].includes(Object.getPrototypeOf(value))) return false;
    return JSON.stringify(JSON.parse(JSON.stringify(value))) === JSON.stringify(value) && deepJsonData(value);
  } catch {
    return false;
  }
}

function deepJsonData(value: unknown): boolean {
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v === "string" || typeof v === "boolean") continue;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return false;
      continue;
    }
    if (typeof v !== "object") return false;
    const proto = Object.getPrototypeOf(v);
    if (Array.isArray(v)) {
      if (proto !== Array.prototype || Object.keys(v).length !== v.length) return false;
    } else if (proto !== Object.prototype && proto !== null) return false;
    for (const k of Reflect.ownKeys(v as object)) {
      if (typeof k === "symbol") return false;
      const d = Object.getOwnPropertyDescriptor(v, k);
      if (d === undefined || d.get !== undefined || d.set !== undefined) return false;
      if (!(Array.isArray(v) && k === "length")) stack.push(d.value);
    }
  }
  return true;
}

const malformed: fc.Arbitrary<Answer> = fc.oneof(
  // Anything at all, as the whole answer (an object holding a status key is left to the classes below).
  hostileWhere((v) => !(v !== null && typeof v === "object" && "status" in v)).map((make) => ({ make, kind: "malformed" as const })),
  hostileWhere((s) => s !== "approved" && s !== "rejected").map((status) => ({ make: () => ({ status: status() }), kind: "malformed" as const })),
  fc.constantFrom("APPROVED", "approve", "yes", "approved ", "").map((status) => ({ make: () => ({ status }), kind: "malformed" as const })),
  hostileWhere((a) => a !== undefined && typeof a !== "string").map((approver) => ({ make: () => ({ status: "approved", approver: approver() }), kind: "malformed" as const })),
  hostileWhere((n) => n !== undefined && typeof n !== "string").map((note) => ({ make: () => ({ status: "approved", note: note() }), kind: "malformed" as const })),
  hostileWhere((a) => a !== undefined && !isJsonObject(a)).map((args) => ({ make: () => ({ status: "approved", arguments: args() }), kind: "malformed" as const })),
  hostileWhere((a) => a !== undefined && !isJsonObject({ a })).map((bad) => ({
    make: () => ({ status: "approved", arguments: { ...BLAST, recipient_count: 1, nested: { bad: bad() } } }),
    kind: "malformed" as const,
  })),
);

const thrown: fc.Arbitrary<Answer> = hostileValue.map((make) => ({ make, kind: "malformed" as const, throws: true }));

describe("ToolGuard with a hostile approver", () => {
  let gate: Gate;
  beforeAll(async () => {
    // Each decision an hour after the last: the seed's email_blasts rate limit (4 an hour) never binds here.
    let now = Date.UTC(2026, 0, 1);
    gate = await Gate.open(await buildSeedBundle(), { tools: await seedTools(), clock: () => (now += 3_600_001) });
  }, 120_000);
  afterAll(async () => {
    await gate?.close();
  });

  it(
    "never throws, always gives the model reason codes, and runs the tool only on a well-formed approval",
    async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: wellFormed }, { weight: 3, arbitrary: malformed }, { weight: 1, arbitrary: thrown }), async (answer) => {
          const ran: Record<string, unknown>[] = [];
          const guard = new ToolGuard({
            gate,
            tools: { send_email_blast: (args) => (ran.push(args), "sent") },
            approver: callbackApprover(() => {
              const value = answer.make();
              if (answer.throws) throw value;
              return value as never;
            }),
            assistantId: "asst_zzz",
          });
          n += 1;
          const outcome: CallOutcome = await guard.handle({
            surface: "chat",
            assistant_id: "asst_zzz",
            call_id: `call_${n}`,
            name: "send_email_blast",
            arguments: JSON.stringify(BLAST),
          });
          expect(outcome.decision.effect).toBe("require_approval");
          if (outcome.status === "ran") {
            expect(["approved", "approved_with_arguments"]).toContain(answer.kind);
            expect(ran).toHaveLength(1);
            return;
          }
          expect(ran).toHaveLength(0);
          const told = JSON.parse(outcome.output) as { status: string; reasons: unknown[] };
          expect(told.reasons.length).toBeGreaterThan(0);
          for (const reason of told.reasons) expect(typeof reason).toBe("string");
          if (answer.kind === "approved") expect.fail(`a plain approval did not run: ${outcome.output}`);
          if (answer.kind === "rejected") expect(told.reasons).toEqual(["approval_rejected"]);
          if (answer.kind === "malformed") {
            expect(outcome.status).toBe("denied");
            expect(told.reasons).toEqual(["approval_failed"]);
            expect(outcome.approval?.status).toBe("failed");
            expect(typeof outcome.approval?.note).toBe("string");
          }
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );

  it("runs the tool with a copy of the approver's arguments, re-checked by the policy", async () => {
    const approved = { template: "t", recipient_count: 50, subject: "s" };
    const ran: Record<string, unknown>[] = [];
    const guard = new ToolGuard({
      gate,
      tools: { send_email_blast: (args) => (ran.push(args), "sent") },
      approver: callbackApprover(() => ({ status: "approved", approver: "ann", arguments: approved })),
      assistantId: "asst_zzz",
    });
    const outcome = await guard.handle({ surface: "chat", assistant_id: "asst_zzz", call_id: "call_copy", name: "send_email_blast", arguments: JSON.stringify(BLAST) });
    expect(outcome.status).toBe("ran");
    expect(outcome.recheck?.effect).toBe("allow");
    expect(ran).toEqual([approved]);
    expect(ran[0]).not.toBe(approved);
  });

  it("an unknown status is an approval_failed deny, not reasons [null]", async () => {
    const guard = new ToolGuard({ gate, tools: { send_email_blast: () => "sent" }, approver: callbackApprover(() => ({ status: "maybe" }) as never), assistantId: "asst_zzz" });
    const outcome = await guard.handle({ surface: "chat", assistant_id: "asst_zzz", call_id: "call_maybe", name: "send_email_blast", arguments: JSON.stringify(BLAST) });
    expect(outcome.status).toBe("denied");
    expect(JSON.parse(outcome.output)).toMatchObject({ status: "denied", reasons: ["approval_failed"] });
    expect(outcome.approval).toMatchObject({ status: "failed", note: expect.stringContaining('"maybe"') });
  });
});
