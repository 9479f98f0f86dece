import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { SqliteApprovalStore } from "../../src/approval/store/sqlite-approval-store.ts";
import { approvalStoreContract, sampleApproval } from "./approval-store-contract.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-approvals-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

approvalStoreContract("SQLite", () => SqliteApprovalStore.open(path.join(dir, `store-${++n}.db`)));

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
