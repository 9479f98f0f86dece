import { fork } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openApprovalStore } from "../../src/approval/store/open-approval-store.ts";
import { PostgresApprovalStore } from "../../src/approval/store/postgres-approval-store.ts";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.ts";
import { approvalStoreContract, sampleApproval, unreadableRowContract } from "./approval-store-contract.ts";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => server?.stop());
let n = 0;

approvalStoreContract("PostgreSQL", () => PostgresApprovalStore.open(server.createDatabase(`contract_${++n}`)));

// PostgreSQL checks that json is JSON and a time a time, not their shape: a container of the wrong kind, or infinity.
unreadableRowContract(
  "PostgreSQL",
  async () => {
    const url = server.createDatabase(`unreadable_${++n}`);
    const store = await PostgresApprovalStore.open(url);
    const { Client } = await import("pg");
    const spoil = async (id: string, column: string, value: string): Promise<() => Promise<void>> => {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const old = (await client.query<{ v: string }>(`SELECT ${column}::text AS v FROM toolgate_approvals WHERE id = $1`, [id])).rows[0]!.v;
        await client.query(`UPDATE toolgate_approvals SET ${column} = $1 WHERE id = $2`, [value, id]);
        return async () => {
          const again = new Client({ connectionString: url });
          await again.connect();
          await again.query(`UPDATE toolgate_approvals SET ${column} = $1 WHERE id = $2`, [old, id]);
          await again.end();
        };
      } finally {
        await client.end();
      }
    };
    return { store, spoil };
  },
  [
    { column: "call", value: "[1]", problem: "column call is not a JSON object" },
    { column: "arguments", value: '"x"', problem: "column arguments is not a JSON object" },
    { column: "expires_at", value: "infinity", problem: "column expires_at is not a time" },
  ],
);

test("openApprovalStore opens PostgreSQL for a postgres:// URL; instances on one database share the table", async () => {
  const url = server.createDatabase("factory");
  const [a, b] = await Promise.all([openApprovalStore(url), openApprovalStore(url)]);
  try {
    expect(a).toBeInstanceOf(PostgresApprovalStore);
    const { id } = await a.create(sampleApproval());
    expect((await b.decide(id, { status: "approved", by: "ana" })).state).toBe("approved");
    expect(await a.get(id)).toMatchObject({ state: "approved", decidedBy: "ana" });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test("processes racing to consume approvals on one database: exactly one wins each", async () => {
  const url = server.createDatabase("race");
  const store = await PostgresApprovalStore.open(url);
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) {
    const { id } = await store.create(sampleApproval({ binding: `call_${i}:x` }));
    await store.decide(id, { status: "approved" });
    ids.push(id);
  }
  // Pooled clients of one process race too.
  const local = await Promise.all(ids.slice(0, 10).map((id) => Promise.all([store.consume(id), store.consume(id), store.consume(id)])));
  expect(local.map((r) => r.filter((x) => x !== undefined).length)).toEqual(Array(10).fill(1));
  await store.close();
  const script = path.join(import.meta.dirname, "consume-approvals.ts");
  const rest = ids.slice(10);
  const wins = await Promise.all(
    Array.from({ length: 4 }, (_, k) =>
      new Promise<string[]>((resolve, reject) => {
        // Each process walks the ids in its own order, so they collide on different rows.
        const order = k % 2 === 0 ? rest : rest.toReversed();
        const child = fork(script, [url, ...order], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
        child.on("message", (m) => resolve(m as string[]));
        child.on("error", reject);
        child.on("exit", (code) => (code === 0 ? undefined : reject(new Error(`consumer exited ${code}`))));
      }),
    ),
  );
  const all = wins.flat();
  expect(all.toSorted()).toEqual(rest.toSorted());
  expect(new Set(all).size).toBe(rest.length);
}, 60_000);
