import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { respondWithGate, resumeResponse } from "../../src/openai/responses.ts";
import { parkSuite, type ParkDriver } from "./park-scenarios.ts";

const dir = mkdtempSync(path.join(tmpdir(), "toolgate-parked-responses-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sqliteFile = () => `sqlite:${path.join(dir, `approvals-${++n}.db`)}`;

function responsesDriver(stream: boolean): ParkDriver {
  return {
    script: "responses",
    async start(client, guard) {
      const run = await respondWithGate(client, guard, { model: "gpt-4.1", input: "Tell every customer about the maintenance" }, { stream });
      return { text: run.response.output_text, ...(run.parked ? { parked: run.parked.approvalIds } : {}) };
    },
    async resume(client, guard, approvalId, now) {
      const resumed = await resumeResponse(client, guard, approvalId, now ? { now } : {});
      return resumed.status === "resumed" ? { status: resumed.status, text: resumed.response.output_text } : { status: resumed.status };
    },
  };
}

parkSuite("Responses on SQLite", responsesDriver(false), sqliteFile);
parkSuite("Responses, streaming, on SQLite", responsesDriver(true), sqliteFile);
