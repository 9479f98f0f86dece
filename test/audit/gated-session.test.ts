import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DecisionRecord } from "../../src/audit/decision-record.ts";
import { readLog, type ReadLogOptions } from "../../src/audit/read-log.ts";
import { verifyLog } from "../../src/audit/verify-log.ts";
import type { Decision } from "../../src/gate/decision.ts";
import { GateReason } from "../../src/gate/reason-codes.ts";
import type { PolicyEngine } from "../../src/policy/engine.ts";
import { collect } from "./helpers.ts";
import { buildEngine, REGO_DIR, runSeedSession, type SeedCase } from "./fixtures/seed-session.ts";

let dir: string;
let log: string;
let engine: PolicyEngine;
let cases: SeedCase[];
let decisions: Map<string, Decision>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolgate-session-"));
  ({ engine } = await buildEngine(REGO_DIR, dir));
  log = join(dir, "decisions.jsonl");
  ({ cases, decisions } = await runSeedSession(engine, log, { durability: "group" }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = (options: ReadLogOptions = {}): Promise<DecisionRecord[]> => collect(readLog(log, options));
const ids = (records: DecisionRecord[]): string[] => records.map((r) => r.call_id);

describe("a gated session with an AuditRecorder", () => {
  it("records every decision, in order, as the gate made it", async () => {
    const records = await read();
    expect(records).toHaveLength(cases.length);
    expect(ids(records)).toEqual(cases.map((c) => c.id));
    for (const record of records) {
      const decision = decisions.get(record.call_id)!;
      expect(record).toMatchObject({
        decision_id: decision.decision_id,
        revision: engine.revision,
        result: { effect: decision.effect, reasons: decision.reasons },
      });
    }
    // The seeds' expectations hold, so the log says what the gate did.
    expect(records.map((r) => r.result.effect)).toEqual(cases.map((c) => c.expect));
    expect(new Set(records.map((r) => r.surface))).toEqual(new Set(["responses", "chat", "assistants", "agents"]));
    expect(records[1]).toMatchObject({ thread_id: "thread_1", run_id: "run_1" });
  });

  it("records the gate's own denies made before the policy ran", async () => {
    const byId = new Map((await read()).map((r) => [r.call_id, r]));
    const gateCode = (id: string) => byId.get(id)!.result.reasons.map((r) => r.code);
    expect(gateCode("unknown-tool")).toEqual([GateReason.toolNotDeclared]);
    expect(gateCode("malformed-json")).toEqual([GateReason.argumentsNotJson]);
    expect(gateCode("hallucinated-field")).toEqual([GateReason.schemaViolation]);
    expect(gateCode("refund-string-amount")).toEqual([GateReason.schemaViolation]);
    // Parsed arguments are kept (replay can re-check them); unparsable ones are not.
    expect(byId.get("hallucinated-field")!.input.arguments).toEqual({ customer_id: "c-1", include_ssn: true });
    expect(byId.get("malformed-json")!.input.arguments).toEqual({});
  });

  it("can be filtered by tool, effect and assistant", async () => {
    expect(ids(await read({ filter: { tool: ["get_customer"] } }))).toEqual(["get-customer", "malformed-json", "hallucinated-field"]);
    expect(ids(await read({ filter: { assistant: ["asst_def456"] } }))).toEqual([
      "delete-customer",
      "refund-admin-large",
      "status-admin-any",
    ]);
    expect(ids(await read({ filter: { effect: ["sanitize", "require_approval"] } }))).toEqual(["email-blast-large", "slack-secret"]);
    expect(ids(await read({ filter: { tool: ["refund_order"], effect: ["deny"] } }))).toEqual([
      "refund-over",
      "refund-support-over",
      "refund-string-amount",
    ]);
    expect(await read({ filter: { effect: ["deny"] } })).toHaveLength(cases.filter((c) => c.expect === "deny").length);
    expect(ids(await read({ filter: { revision: [engine.revision] }, last: 1 }))).toEqual(["hallucinated-field"]);
  });

  it("keeps secrets the policy redacted out of the log", async () => {
    const text = await readFile(log, "utf8");
    expect(text).not.toContain("sk-abcdefghijklmnopqrstuvwx");
    const [slack] = await read({ filter: { effect: ["sanitize"] } });
    expect(slack!.input.arguments).toEqual({ channel: "#ops", text: "deploy key [REDACTED] done" });
  });

  it("verifies", async () => {
    const result = await verifyLog(log);
    expect(result).toMatchObject({ ok: true, count: cases.length });
  });
});
