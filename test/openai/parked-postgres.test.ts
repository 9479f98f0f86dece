import { fork } from "node:child_process";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openApprovalStore } from "../../src/approval/store/open-approval-store.ts";
import { call, start } from "../../src/dev/openai-server/index.ts";
import { Gate } from "../../src/gate/gate.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import { respondWithGate } from "../../src/openai/responses.ts";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.ts";
import { buildSeedBundle } from "../helpers/seed-bundle.ts";
import { seedTools } from "./harness.ts";
import { chatDriver, responsesDriver } from "./park-drivers.ts";
import { BLAST, parkSuite } from "./park-scenarios.ts";

let server: PostgresServer;
let n = 0;
const pg = { beforeAll: async () => void (server ??= await startPostgres()), afterAll: () => {} };
beforeAll(pg.beforeAll, 60_000);
afterAll(() => server?.stop());

parkSuite("Responses on PostgreSQL", responsesDriver(false), () => server.createDatabase(`responses_${++n}`), pg);
parkSuite("Chat Completions on PostgreSQL", chatDriver, () => server.createDatabase(`chat_${++n}`), pg);

test("app instances in separate processes resuming the same approved runs on one PostgreSQL store: each run resumes once, each blast runs once", async () => {
  const runs = 12;
  const openai = await start({
    script: { responses: [...Array.from({ length: runs }, (_, i) => ({ calls: [call("send_email_blast", BLAST, `call_${i}`)] })), ...Array.from({ length: runs }, () => ({ text: "Done." }))] },
  });
  const bundle = await buildSeedBundle();
  const url = server.createDatabase("race");
  const store = await openApprovalStore(url);
  const gate = await Gate.open(bundle, { tools: await seedTools() });
  try {
    const client = new OpenAI({ apiKey: "test", baseURL: `${openai.url}/v1`, maxRetries: 0 });
    const guard = new ToolGuard({ gate, tools: {}, assistantId: "asst_zzz", approvalStore: store });
    const ids: string[] = [];
    for (let i = 0; i < runs; i++) {
      const run = await respondWithGate(client, guard, { model: "gpt-4.1", input: `blast ${i}` });
      ids.push(run.parked!.approvalIds[0]!);
    }
    for (const id of ids) await store.decide(id, { status: "approved", by: "ann" });

    const worker = path.join(import.meta.dirname, "resume-race-worker.ts");
    const reports = await Promise.all(
      Array.from({ length: 4 }, (_, k) =>
        new Promise<{ resumed: string[]; ran: string[] }>((resolve, reject) => {
          const order = k % 2 === 0 ? ids : ids.toReversed();
          const child = fork(worker, [bundle, url, openai.url, ...order], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
          child.on("message", (m) => resolve(m as { resumed: string[]; ran: string[] }));
          child.on("error", reject);
          child.on("exit", (code) => (code === 0 ? undefined : reject(new Error(`worker exited ${code}`))));
        }),
      ),
    );
    const resumed = reports.flatMap((r) => r.resumed);
    const ran = reports.flatMap((r) => r.ran);
    expect(resumed.toSorted()).toEqual(ids.toSorted());
    expect(ran.toSorted()).toEqual(Array.from({ length: runs }, (_, i) => `call_${i}`).toSorted());
    // The model was answered once per run: no continuation was sent twice.
    for (let i = 0; i < runs; i++) expect(openai.toolOutputs.filter((o) => o.callId === `call_${i}`)).toHaveLength(1);
    expect(openai.turnsConsumed("responses")).toBe(2 * runs);
  } finally {
    await store.close();
    await gate.close();
    await openai.close();
  }
}, 120_000);
