import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ApprovalState, ApprovalStore } from "../../src/approval/store/approval-store.ts";
import { SqliteApprovalStore } from "../../src/approval/store/sqlite-approval-store.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { sampleApproval } from "./approval-store-contract.ts";

// The store against a model of its contract, on random sequences of operations
// at random times: an approval is decided at most once and never after its
// expiry, consumed at most once and only when approved, claimed for resume at
// most once and only once decided (or expired). The embedded store runs in
// memory here (the same SQL; the race tests cover processes and PostgreSQL).

type Op =
  | { kind: "decide"; i: number; status: "approved" | "rejected"; at: number }
  | { kind: "consume"; i: number; at: number }
  | { kind: "claim"; i: number; at: number }
  | { kind: "expire"; at: number };

const APPROVALS = 3;
const index = fc.integer({ min: 0, max: APPROVALS - 1 });
const at = fc.integer({ min: 0, max: 12 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("decide" as const), i: index, status: fc.constantFrom("approved" as const, "rejected" as const), at }),
  fc.record({ kind: fc.constant("consume" as const), i: index, at }),
  fc.record({ kind: fc.constant("claim" as const), i: index, at }),
  fc.record({ kind: fc.constant("expire" as const), at }),
);

interface Model {
  state: ApprovalState;
  expiresAt: number;
  consumed: boolean;
  resumed: boolean;
}

let store: ApprovalStore;
let run = 0;
beforeAll(async () => {
  store = await SqliteApprovalStore.open(":memory:");
});
afterAll(() => store.close());

it(
  "agrees with the model of pending -> decided once, consumed once, resumed once",
  async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: APPROVALS, maxLength: APPROVALS }), fc.array(op, { maxLength: 12 }), async (expiries, ops) => {
        // Each run lives in its own day, after every earlier run: their rows are settled first.
        const base = Date.UTC(2030, 0, 1) + ++run * 86_400_000;
        const time = (t: number) => new Date(base + t * 1000);
        await store.expire(time(0));
        const ids: string[] = [];
        const model: Model[] = [];
        for (const e of expiries) {
          ids.push((await store.create(sampleApproval({ expiresAt: time(e) }))).id);
          model.push({ state: "pending", expiresAt: e, consumed: false, resumed: false });
        }
        const expireModel = (t: number): number => {
          let n = 0;
          for (const m of model) if (m.state === "pending" && m.expiresAt <= t) (m.state = "expired"), n++;
          return n;
        };
        for (const o of ops) {
          switch (o.kind) {
            case "decide": {
              expireModel(o.at);
              const m = model[o.i]!;
              const decided = store.decide(ids[o.i]!, { status: o.status, by: "p" }, time(o.at));
              if (m.state === "pending") {
                m.state = o.status;
                expect((await decided).state).toBe(o.status);
              } else {
                await expect(decided).rejects.toMatchObject({ code: "approval_not_pending" });
              }
              break;
            }
            case "consume": {
              const m = model[o.i]!;
              const wins = m.state === "approved" && !m.consumed;
              if (wins) m.consumed = true;
              expect((await store.consume(ids[o.i]!, time(o.at)))?.id).toBe(wins ? ids[o.i] : undefined);
              break;
            }
            case "claim": {
              expireModel(o.at);
              const m = model[o.i]!;
              const wins = m.state !== "pending" && !m.resumed;
              if (wins) m.resumed = true;
              const claimed = await store.claimResume(ids[o.i]!, time(o.at));
              expect(claimed?.id).toBe(wins ? ids[o.i] : undefined);
              if (claimed) expect(claimed.state).toBe(m.state);
              break;
            }
            case "expire":
              expect(await store.expire(time(o.at))).toBe(expireModel(o.at));
              break;
          }
        }
        for (const [i, m] of model.entries()) {
          const stored = (await store.get(ids[i]!))!;
          expect([stored.state, stored.consumedAt !== undefined, stored.resumedAt !== undefined]).toEqual([m.state, m.consumed, m.resumed]);
        }
      }),
      { numRuns: fuzzRuns() },
    );
  },
  fuzzTimeout(),
);
