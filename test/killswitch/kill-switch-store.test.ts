// The kill switch store's contract, on both implementations: the embedded
// SQLite file and a real PostgreSQL server started here.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KillSwitchRequestError, type KillSwitchStore } from "../../src/killswitch/kill-switch.ts";
import { openKillSwitchStore } from "../../src/killswitch/open-kill-switch-store.ts";
import { StoreError } from "../../src/store/errors.ts";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.ts";

let server: PostgresServer;
let dir: string;
let databases = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "toolgate-kill-store-"));
  server = await startPostgres();
}, 120_000);
afterAll(() => {
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const stores: Array<[string, () => string]> = [
  ["sqlite", () => path.join(dir, `kill-${++databases}.db`)],
  ["postgres", () => server.createDatabase(`kill_${++databases}`)],
];

describe.each(stores)("%s", (_kind, location) => {
  async function withStore(work: (store: KillSwitchStore, where: string) => Promise<void>): Promise<void> {
    const where = location();
    const store = await openKillSwitchStore(where);
    try {
      await work(store, where);
    } finally {
      await store.close();
    }
  }

  test("kill, re-kill with a new reason, lift: active switches and the history follow", () =>
    withStore(async (store) => {
      expect(await store.active()).toEqual([]);
      const first = await store.kill({ assistantId: "asst_1", reason: "refund loop", by: "ops@host" });
      expect(first).toMatchObject({ assistant_id: "asst_1", tool: null, reason: "refund loop", killed_by: "ops@host" });
      expect(Date.parse(first.killed_at)).not.toBeNaN();
      await store.kill({ assistantId: "asst_1", tool: "send_email", reason: "spam", by: "ops@host" });
      await store.kill({ assistantId: "asst_1", reason: "still looping", by: "lead@host" });
      expect((await store.active()).map((s) => [s.assistant_id, s.tool, s.reason, s.killed_by])).toEqual([
        ["asst_1", null, "still looping", "lead@host"],
        ["asst_1", "send_email", "spam", "ops@host"],
      ]);

      expect(await store.lift({ assistantId: "asst_1", by: "lead@host", note: "fixed" })).toMatchObject({ tool: null, reason: "still looping" });
      expect(await store.lift({ assistantId: "asst_1", by: "lead@host" })).toBeUndefined();
      expect(await store.lift({ assistantId: "asst_2", tool: "send_email", by: "lead@host" })).toBeUndefined();
      expect((await store.active()).map((s) => s.tool)).toEqual(["send_email"]);

      const history = await store.history();
      expect(history.map((e) => [e.seq, e.action, e.assistant_id, e.tool, e.reason, e.actor])).toEqual([
        [1, "kill", "asst_1", null, "refund loop", "ops@host"],
        [2, "kill", "asst_1", "send_email", "spam", "ops@host"],
        [3, "kill", "asst_1", null, "still looping", "lead@host"],
        [4, "lift", "asst_1", null, "fixed", "lead@host"],
      ]);
    }));

  test("a second connection (another process's view) sees a kill once it is committed", () =>
    withStore(async (store, where) => {
      const other = await openKillSwitchStore(where);
      try {
        await store.kill({ assistantId: "asst_x", reason: "r", by: "me" });
        expect((await other.active()).map((s) => s.assistant_id)).toEqual(["asst_x"]);
        await other.lift({ assistantId: "asst_x", by: "me" });
        expect(await store.active()).toEqual([]);
      } finally {
        await other.close();
      }
    }));

  test("names that could never match a call are refused, nothing is written", () =>
    withStore(async (store) => {
      for (const assistantId of ["", "a\nb", "a\u0000", "\ud800x", "x".repeat(1025)]) {
        await expect(store.kill({ assistantId, reason: "r", by: "me" })).rejects.toThrow(KillSwitchRequestError);
      }
      await expect(store.kill({ assistantId: "a", tool: "", reason: "r", by: "me" })).rejects.toThrow(/tool name/);
      await expect(store.kill({ assistantId: "a", reason: "\udc00", by: "me" })).rejects.toThrow(/reason/);
      await expect(store.lift({ assistantId: "a", by: "" })).rejects.toThrow(/lifts/);
      expect(await store.active()).toEqual([]);
      expect(await store.history()).toEqual([]);
    }));

  test("stored text is kept exactly (no trimming, no case folding)", () =>
    withStore(async (store) => {
      await store.kill({ assistantId: " Asst_1 ", tool: "Send_Email", reason: "line 1\nline 2 ☃", by: "me" });
      expect(await store.active()).toMatchObject([{ assistant_id: " Asst_1 ", tool: "Send_Email", reason: "line 1\nline 2 ☃" }]);
    }));
});

test("a store that cannot be reached is a StoreError, never an empty list", async () => {
  await expect(openKillSwitchStore("postgres://postgres@127.0.0.1:1/none")).rejects.toThrow(StoreError);
  const notADirectory = path.join(dir, "plain-file");
  writeFileSync(notADirectory, "");
  await expect(openKillSwitchStore(path.join(notADirectory, "kill.db"))).rejects.toThrow(StoreError);
});
