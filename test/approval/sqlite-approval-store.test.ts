import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { SqliteApprovalStore } from "../../src/approval/store/sqlite-approval-store.ts";
import { approvalStoreContract, sampleApproval, unreadableRowContract } from "./approval-store-contract.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-approvals-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

approvalStoreContract("SQLite", () => SqliteApprovalStore.open(path.join(dir, `store-${++n}.db`)));

// SQLite keeps any text in any column: JSON that does not parse, a container of the wrong kind, a time that is not one.
unreadableRowContract(
  "SQLite",
  async () => {
    const file = path.join(dir, `store-${++n}.db`);
    const store = await SqliteApprovalStore.open(file);
    const spoil = async (id: string, column: string, value: string): Promise<() => Promise<void>> => {
      const db = new DatabaseSync(file);
      try {
        const old = (db.prepare(`SELECT ${column} AS v FROM approvals WHERE id = ?`).get(id) as { v: unknown }).v;
        db.prepare(`UPDATE approvals SET ${column} = ? WHERE id = ?`).run(value, id);
        return async () => {
          const again = new DatabaseSync(file);
          again.prepare(`UPDATE approvals SET ${column} = ? WHERE id = ?`).run(old as string, id);
          again.close();
        };
      } finally {
        db.close();
      }
    };
    return { store, spoil };
  },
  [
    { column: "call", value: '{"name": "send', problem: "column call is not JSON" },
    { column: "reasons", value: "{}", problem: "column reasons is not a JSON array" },
    { column: "hint", value: "[]", problem: "column hint is not a JSON object" },
    { column: "expires_at", value: "soon", problem: "column expires_at is not a time" },
  ],
);

test("processes racing to consume one approval on one file: exactly one wins", async () => {
  const file = path.join(dir, "race.db");
  const store = await SqliteApprovalStore.open(file);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const { id } = await store.create(sampleApproval({ binding: `call_${i}:x` }));
    await store.decide(id, { status: "approved" });
    ids.push(id);
  }
  await store.close();
  const script = path.join(import.meta.dirname, "consume-approvals.ts");
  const wins = await Promise.all(
    Array.from({ length: 4 }, () =>
      new Promise<string[]>((resolve, reject) => {
        const child = fork(script, [file, ...ids], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
        child.on("message", (m) => resolve(m as string[]));
        child.on("error", reject);
        child.on("exit", (code) => (code === 0 ? undefined : reject(new Error(`consumer exited ${code}`))));
      }),
    ),
  );
  const all = wins.flat();
  expect(all.sort()).toEqual([...ids].sort());
  expect(new Set(all).size).toBe(ids.length);
}, 60_000);

test("processes opening a new store file at the same moment all open it (the WAL switch waits for the lock)", async () => {
  const script = path.join(import.meta.dirname, "consume-approvals.ts");
  for (let round = 0; round < 3; round++) {
    const file = path.join(dir, `fresh-${round}.db`);
    const opened = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<string[]>((resolve, reject) => {
          const child = fork(script, [file], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
          child.on("message", (m) => resolve(m as string[]));
          child.on("error", reject);
          child.on("exit", (code) => (code === 0 ? undefined : reject(new Error(`opener exited ${code}`))));
        }),
      ),
    );
    expect(opened).toEqual([[], [], [], []]);
  }
}, 60_000);
