// The behaviour every ApprovalStore must have, run against each implementation
// (sqlite-approval-store.test.ts, and the PostgreSQL store's test).
import { describe, expect, test } from "vitest";
import type { ApprovalStore, NewApproval } from "../../src/approval/store/approval-store.ts";

export function sampleApproval(overrides: Partial<NewApproval> = {}): NewApproval {
  return {
    binding: "call_1:abc",
    call: { surface: "responses", assistant_id: "asst_support", call_id: "call_1", name: "send_email_blast", arguments: '{"recipient_count":500}' },
    arguments: { recipient_count: 500 },
    reasons: [{ code: "approval_required", message: "more than 100 recipients" }],
    hint: { summary: "Email blast to 500", timeout_seconds: 3600 },
    summary: "Email blast to 500",
    revision: "rev-1",
    expiresAt: new Date(Date.now() + 3_600_000),
    resume: { previous_response_id: "resp_1" },
    ...overrides,
  };
}

export function approvalStoreContract(name: string, open: () => Promise<ApprovalStore>): void {
  describe(`${name}: the ApprovalStore contract`, () => {
    test("create stores everything a later process needs; get and list read it back", async () => {
      const store = await open();
      try {
        const created = await store.create(sampleApproval());
        expect(created).toMatchObject({ state: "pending", binding: "call_1:abc", summary: "Email blast to 500", revision: "rev-1" });
        expect(await store.get(created.id)).toEqual(created);
        expect(created.call.arguments).toBe('{"recipient_count":500}');
        expect(created.resume).toEqual({ previous_response_id: "resp_1" });
        expect((await store.list({ states: ["pending"] })).approvals.map((a) => a.id)).toContain(created.id);
        expect(await store.list({ states: ["approved"] })).toEqual({ approvals: [], unreadable: [] });
        expect(await store.get("no-such-id")).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    test("decide happens once: a second answer is refused with approval_not_pending", async () => {
      const store = await open();
      try {
        const { id } = await store.create(sampleApproval());
        const approved = await store.decide(id, { status: "approved", by: "ana", note: "ok", arguments: { recipient_count: 50 } });
        expect(approved).toMatchObject({ state: "approved", decidedBy: "ana", note: "ok", approvedArguments: { recipient_count: 50 } });
        await expect(store.decide(id, { status: "rejected", by: "bob" })).rejects.toMatchObject({ code: "approval_not_pending" });
        expect((await store.get(id))?.state).toBe("approved");
        await expect(store.decide("no-such-id", { status: "approved" })).rejects.toMatchObject({ code: "approval_not_found" });
      } finally {
        await store.close();
      }
    });

    test("consume returns an approved approval exactly once, a rejected or pending one never", async () => {
      const store = await open();
      try {
        const a = await store.create(sampleApproval());
        const r = await store.create(sampleApproval({ binding: "call_2:def" }));
        const p = await store.create(sampleApproval({ binding: "call_3:ghi" }));
        await store.decide(a.id, { status: "approved" });
        await store.decide(r.id, { status: "rejected" });
        const racers = await Promise.all(Array.from({ length: 8 }, () => store.consume(a.id)));
        expect(racers.filter((x) => x !== undefined)).toHaveLength(1);
        expect(await store.consume(a.id)).toBeUndefined();
        expect(await store.consume(r.id)).toBeUndefined();
        expect(await store.consume(p.id)).toBeUndefined();
        expect((await store.get(a.id))?.consumedAt).toBeTypeOf("string");
      } finally {
        await store.close();
      }
    });

    test("a closed store refuses work (the guard then denies) and closing twice is harmless", async () => {
      const store = await open();
      await store.close();
      await expect(store.create(sampleApproval())).rejects.toThrow();
      await expect(store.consume("any")).rejects.toThrow();
      await store.close();
    });

    test("claimResume hands a decided approval to exactly one run loop; a pending one to none", async () => {
      const store = await open();
      try {
        const pending = await store.create(sampleApproval());
        expect(await store.claimResume(pending.id)).toBeUndefined();
        const rejected = await store.create(sampleApproval({ binding: "call_2:def" }));
        await store.decide(rejected.id, { status: "rejected", by: "bob" });
        const racers = await Promise.all(Array.from({ length: 8 }, () => store.claimResume(rejected.id)));
        expect(racers.filter((x) => x !== undefined)).toMatchObject([{ id: rejected.id, state: "rejected", resumedAt: expect.any(String) }]);
        // Claiming to resume is not consuming: an approved call still runs at most once, through consume.
        await store.decide(pending.id, { status: "approved" });
        expect(await store.claimResume(pending.id)).toMatchObject({ state: "approved" });
        expect(await store.consume(pending.id)).toMatchObject({ id: pending.id });
        expect(await store.claimResume("no-such-id")).toBeUndefined();
        // A pending approval past its expiry is expired by the claim, and claimed.
        const late = await store.create(sampleApproval({ binding: "call_3:ghi", expiresAt: new Date(Date.now() + 60_000) }));
        expect(await store.claimResume(late.id, new Date(Date.now() + 120_000))).toMatchObject({ state: "expired" });
      } finally {
        await store.close();
      }
    });

    test("keeps a caller-given id and the call exactly, U+0000 and all", async () => {
      const store = await open();
      try {
        const text = "a\u0000b \ud83d\ude00 \"quoted\"";
        const args = { text: "a\u0000b 😀", nested: { list: [1, 2.5, null, true] } };
        const call = { surface: "chat" as const, assistant_id: "a", call_id: "call_x", name: "post_message", arguments: JSON.stringify({ text }) };
        const created = await store.create(sampleApproval({ id: "7d3c2a9e-0000-4000-8000-000000000001", call, arguments: args, resume: { nul: "\u0000" } }));
        expect(created.id).toBe("7d3c2a9e-0000-4000-8000-000000000001");
        const read = await store.get(created.id);
        expect(read?.call).toEqual(call);
        expect(read?.arguments).toEqual(args);
        expect(read?.resume).toEqual({ nul: "\u0000" });
      } finally {
        await store.close();
      }
    });

    test("resume data comes back as stored (a string that looks like JSON stays a string); a null hint is no hint", async () => {
      const store = await open();
      try {
        for (const resume of ['{"a":1}', "plain text", "[1]", 7, [{ nested: '"quoted"' }]]) {
          const created = await store.create(sampleApproval({ resume }));
          expect({ resume, got: (await store.get(created.id))?.resume }).toEqual({ resume, got: resume });
          expect((await store.list()).unreadable).toEqual([]);
        }
        // A JavaScript caller's hint: null is read back as no hint, not as an unreadable row.
        const nullHint = await store.create(sampleApproval({ hint: null as unknown as undefined }));
        expect((await store.get(nullHint.id))?.hint).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    test("an approval past its expiry cannot be approved, and expire() marks it", async () => {
      const store = await open();
      try {
        const past = await store.create(sampleApproval({ expiresAt: new Date(Date.now() - 1000) }));
        await expect(store.decide(past.id, { status: "approved" })).rejects.toMatchObject({ code: "approval_not_pending" });
        expect((await store.get(past.id))?.state).toBe("expired");
        const later = await store.create(sampleApproval({ expiresAt: new Date(Date.now() + 60_000) }));
        expect(await store.expire(new Date(Date.now() + 120_000))).toBe(1);
        expect((await store.get(later.id))?.state).toBe("expired");
        expect(await store.consume(later.id)).toBeUndefined();
      } finally {
        await store.close();
      }
    });
  });
}

/** A store whose rows a test can spoil the way another version or a hand edit might (one column of one row), and put back. */
export interface SpoilableStore {
  readonly store: ApprovalStore;
  /** Sets `column` of approval `id` to `value` (as SQL text) and returns a function that restores the old value. */
  spoil(id: string, column: string, value: string): Promise<() => Promise<void>>;
}

/** How a store's row can be spoiled, and the problem the store must name for it. */
export interface Spoiling {
  readonly column: string;
  readonly value: string;
  readonly problem: string;
}

/**
 * One unreadable row never hides the others: list() names it apart; get,
 * decide, consume and claimResume on it throw approval_unreadable and change
 * nothing (once repaired, it is decided, consumed and resumed as usual).
 */
export function unreadableRowContract(name: string, open: () => Promise<SpoilableStore>, spoilings: readonly Spoiling[]): void {
  describe(`${name}: an unreadable row`, () => {
    test.each(spoilings)("$column = $value: listed apart by id, the other rows still listed", async ({ column, value, problem }) => {
      const { store, spoil } = await open();
      try {
        const [a, b, c] = [await store.create(sampleApproval()), await store.create(sampleApproval()), await store.create(sampleApproval())];
        await store.decide(c!.id, { status: "rejected" });
        await spoil(b!.id, column, value);
        const all = await store.list();
        expect(all.approvals.map((x) => x.id).toSorted()).toEqual([a!.id, c!.id].toSorted());
        expect(all.unreadable).toEqual([{ id: b!.id, problem }]);
        const rejected = await store.list({ states: ["rejected"] });
        expect(rejected).toEqual({ approvals: [expect.objectContaining({ id: c!.id })], unreadable: [] });
        const error = await store.get(b!.id).then(() => undefined, (e: unknown) => e);
        expect(error).toMatchObject({ code: "approval_unreadable", approvalId: b!.id, problem });
        expect((error as Error).message).toContain(`Approval ${b!.id} in the store cannot be read (${problem})`);
      } finally {
        await store.close();
      }
    });

    test.each(spoilings)("$column = $value: decide, consume and claimResume fail closed and change nothing", async ({ column, value }) => {
      const { store, spoil } = await open();
      try {
        const pending = await store.create(sampleApproval());
        const approved = await store.create(sampleApproval());
        await store.decide(approved.id, { status: "approved", by: "ana" });
        const restorePending = await spoil(pending.id, column, value);
        const restoreApproved = await spoil(approved.id, column, value);
        await expect(store.decide(pending.id, { status: "approved", by: "mallory" })).rejects.toMatchObject({ code: "approval_unreadable" });
        await expect(store.consume(approved.id)).rejects.toMatchObject({ code: "approval_unreadable" });
        await expect(store.claimResume(approved.id)).rejects.toMatchObject({ code: "approval_unreadable" });
        expect((await store.list({ states: ["pending"] })).unreadable.map((x) => x.id)).toEqual([pending.id]);
        await restorePending();
        await restoreApproved();
        // Nothing was written while they were unreadable: still pending, not consumed, not resumed.
        expect(await store.get(pending.id)).toMatchObject({ state: "pending" });
        expect(await store.get(pending.id)).not.toHaveProperty("decidedBy");
        expect(await store.consume(approved.id)).toMatchObject({ id: approved.id, state: "approved" });
        expect(await store.claimResume(approved.id)).toMatchObject({ id: approved.id, state: "approved" });
      } finally {
        await store.close();
      }
    });
  });
}
