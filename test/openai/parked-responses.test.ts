import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, expect, test } from "vitest";
import { openApprovalStore } from "../../src/approval/store/open-approval-store.ts";
import { call, start } from "../../src/dev/openai-server/index.ts";
import { Gate } from "../../src/gate/gate.ts";
import { ToolGuard } from "../../src/guard/tool-guard.ts";
import { respondWithGate } from "../../src/openai/responses.ts";
import { buildSeedBundle } from "../helpers/seed-bundle.ts";
import { seedTools } from "./harness.ts";
import { responsesDriver } from "./park-drivers.ts";
import { BLAST, parkSuite } from "./park-scenarios.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-parked-responses-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sqliteFile = () => `sqlite:${path.join(dir, `approvals-${++n}.db`)}`;

parkSuite("Responses on SQLite", responsesDriver(false), sqliteFile);
parkSuite("Responses, streaming, on SQLite", responsesDriver(true), sqliteFile);

test("parked here, resumed by other processes on the same SQLite file: each run resumes once, each blast runs once", async () => {
  const runs = 4;
  const openai = await start({
    script: { responses: [...Array.from({ length: runs }, (_, i) => ({ calls: [call("send_email_blast", BLAST, `call_${i}`)] })), ...Array.from({ length: runs }, () => ({ text: "Done." }))] },
  });
  const bundle = await buildSeedBundle();
  const location = sqliteFile();
  const store = await openApprovalStore(location);
  const gate = await Gate.open(bundle, { tools: await seedTools() });
  try {
    const client = new OpenAI({ apiKey: "test", baseURL: `${openai.url}/v1`, maxRetries: 0 });
    const guard = new ToolGuard({ gate, tools: {}, assistantId: "asst_zzz", approvalStore: store });
    const ids: string[] = [];
    for (let i = 0; i < runs; i++) ids.push((await respondWithGate(client, guard, { model: "gpt-4.1", input: `blast ${i}` })).parked!.approvalIds[0]!);
    for (const id of ids) await store.decide(id, { status: "approved", by: "ann" });
    await store.close();
    const worker = path.join(import.meta.dirname, "resume-race-worker.ts");
    const reports = await Promise.all(
      [ids, ids.toReversed()].map(
        (order) =>
          new Promise<{ resumed: string[]; ran: string[] }>((resolve, reject) => {
            const child = fork(worker, [bundle, location, openai.url, ...order], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
            child.on("message", (m) => resolve(m as { resumed: string[]; ran: string[] }));
            child.on("error", reject);
            child.on("exit", (code) => (code === 0 ? undefined : reject(new Error(`worker exited ${code}`))));
          }),
      ),
    );
    expect(reports.flatMap((r) => r.resumed).toSorted()).toEqual(ids.toSorted());
    expect(reports.flatMap((r) => r.ran).toSorted()).toEqual(Array.from({ length: runs }, (_, i) => `call_${i}`));
    for (let i = 0; i < runs; i++) expect(openai.toolOutputs.filter((o) => o.callId === `call_${i}`)).toHaveLength(1);
  } finally {
    await store.close();
    await gate.close();
    await openai.close();
  }
}, 120_000);
