import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainRecord, GENESIS_HASH, toDecisionEntry } from "../../src/audit/decision-record.ts";
import { Replayer, replayLog, type ReplayReport } from "../../src/replay/replay.ts";
import type { ToolDeclaration } from "../../src/gate/tool-call.ts";
import type { PolicyEngine } from "../../src/policy/engine.ts";
import { buildEngine, editedRego, REGO_DIR, runSeedSession, seedTools, TOOLS_FILE } from "./fixtures/seed-session.ts";

const MAIN = join(import.meta.dirname, "../../src/cli/main.ts");

let dir: string;
/** The seed cases decided by the shipped policy. */
let log: string;
let baseline: { engine: PolicyEngine; bundle: string };
/** The shipped policy with refund_order max_amount 500 -> 1000 and get_analytics 90 -> 120 days. */
let candidate: { engine: PolicyEngine; bundle: string };
let candidateRego: string;
let tools: ToolDeclaration[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolgate-replay-"));
  baseline = await buildEngine(REGO_DIR, join(dir, "baseline"));
  candidateRego = await editedRego(join(dir, "candidate"), (yaml) =>
    yaml.replace("max_amount: 500 }", "max_amount: 1000 }").replace("date_range_max_days: 90", "date_range_max_days: 120"),
  );
  candidate = await buildEngine(candidateRego, join(dir, "candidate"));
  tools = await seedTools();
  log = join(dir, "decisions.jsonl");
  await runSeedSession(baseline.engine, log);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const changedCalls = (report: ReplayReport) => report.changes.map((c) => c.call_id);

describe("replayLog", () => {
  it("reports exactly the calls a changed threshold changes", async () => {
    const report = await replayLog(log, { engine: candidate.engine });
    expect(changedCalls(report)).toEqual(["refund-over", "analytics-120d"]);
    expect(report.transitions).toEqual({ "deny->allow": 2 });
    expect(report.changes[0]).toMatchObject({
      seq: 6,
      tool: "refund_order",
      assistant_id: "asst_zzz",
      revision: baseline.engine.revision,
      transition: "deny->allow",
      old: { effect: "deny", reasons: [{ code: "max_amount_exceeded" }] },
      new: { effect: "allow", reasons: [] },
    });
    expect(report.candidate).toEqual({ revision: candidate.engine.revision, gate_checks: false });
    expect(report.revisions).toEqual({ [baseline.engine.revision]: 24 });
    expect(report.counts).toEqual({
      records: 24,
      evaluated: 20,
      changed: 2,
      unchanged: 17,
      pre_policy: 4,
      inconclusive: 1,
      skipped: 0,
    });
  });

  it("does not let the policy alone re-judge calls the gate denied before the policy ran", async () => {
    // refund-string-amount ("amount":"100") and hallucinated-field broke the tool schema:
    // the policy alone would see neither problem.
    const report = await replayLog(log, { engine: candidate.engine });
    expect(report.pre_policy_reasons).toEqual({ tool_not_declared: 1, schema_violation: 2, arguments_not_json: 1 });
    expect(changedCalls(report)).not.toContain("refund-string-amount");
  });

  it("re-runs schema denies through the gate's checks when given the tools", async () => {
    const same = await replayLog(log, { engine: baseline.engine, tools });
    // The replay pipeline agrees with the gate that made the log.
    expect(same.counts).toMatchObject({ changed: 0, unchanged: 22, pre_policy: 1, inconclusive: 1 });
    expect(same.pre_policy_reasons).toEqual({ arguments_not_json: 1 });

    // A tool declaration that now allows include_ssn turns that schema deny into a policy decision.
    const widened = tools.map((t) =>
      t.function.name !== "get_customer"
        ? t
        : {
            ...t,
            function: {
              ...t.function,
              parameters: { ...t.function.parameters, properties: { customer_id: { type: "string" }, include_ssn: { type: "boolean" } } },
            },
          },
    );
    const report = await replayLog(log, { engine: candidate.engine, tools: widened });
    expect(changedCalls(report)).toEqual(["refund-over", "analytics-120d", "hallucinated-field"]);
    expect(report.changes[2]).toMatchObject({ old: { reasons: [{ code: "schema_violation" }] }, new: { effect: "allow" } });
    expect(report.candidate.gate_checks).toBe(true);
  });

  it("calls a sanitize record inconclusive when the candidate allows its redacted arguments", async () => {
    const report = await replayLog(log, { engine: baseline.engine });
    expect(report.counts.changed).toBe(0);
    expect(report.inconclusive.map((c) => [c.call_id, c.transition])).toEqual([["slack-secret", "sanitize->allow"]]);
  });

  it("skips records whose arguments were withheld from the log", () => {
    const entry = toDecisionEntry(
      {
        version: 1,
        surface: "chat",
        assistant_id: "asst_zzz",
        call_id: "c1",
        tool: { name: "post_message", type: "function" },
        arguments: { channel: "#ops", text: "sk-abcdefghijklmnopqrstuvwx" },
        constraints: {},
        context: {},
      },
      {
        effect: "deny",
        reasons: [{ code: "sanitized_arguments_invalid", message: "sanitized arguments break the tool schema" }],
        arguments: { channel: "#ops", text: "sk-abcdefghijklmnopqrstuvwx" },
        decision_id: "d1",
        revision: "r0",
        duration_us: 1,
      },
    );
    const replayed = new Replayer(candidate.engine, { tools }).replay(chainRecord(entry, 1, GENESIS_HASH));
    expect(replayed).toEqual({ outcome: "skipped", why: "arguments withheld (sanitized_arguments_invalid)" });
  });

  it("accepts a log written by several revisions and names them", async () => {
    const mixed = join(dir, "mixed", "decisions.jsonl");
    await mkdir(join(dir, "mixed"));
    await runSeedSession(baseline.engine, mixed);
    await runSeedSession(candidate.engine, mixed);
    const report = await replayLog(mixed, { engine: candidate.engine });
    expect(report.revisions).toEqual({ [baseline.engine.revision]: 24, [candidate.engine.revision]: 24 });
    // The old revision's records change; of the candidate's own, only the one its budget stops: replay
    // recomputes usage over the whole log, and the two sessions' refunds for asst_zzz (2 x 500 + 2 x 500.01,
    // now that max_amount is 1000) pass daily_refunds (2000), where each session's gate had a store of its own.
    expect(report.changes.map((c) => [c.seq, c.revision, c.new.reasons.map((r) => r.code)])).toEqual([
      [6, baseline.engine.revision, []],
      [14, baseline.engine.revision, []],
      [30, candidate.engine.revision, ["budget_exceeded"]],
    ]);
  });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function policy(args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], {
      env: { ...process.env, TOOLGATE_AUDIT_LOG: "" },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("policy replay", () => {
  it("exits 1 and lists the changed calls", async () => {
    const run = await policy(["replay", log, "--bundle", candidate.bundle]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`against revision ${candidate.engine.revision}`);
    expect(run.stdout).toContain(`recorded revisions: ${baseline.engine.revision} (24)`);
    expect(run.stdout).toMatch(/2 changed, 17 unchanged, 4 pre-policy .*, 1 inconclusive/);
    expect(run.stdout).toMatch(/deny->allow\s+2\n/);
    const rows = run.stdout.split("changed calls:\n")[1]!.split("\n\n")[0]!.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^SEQ\s+DECISION_ID\s+CALL\s+TOOL\s+ASSISTANT\s+OLD\s+NEW$/);
    expect(rows.slice(1)).toHaveLength(2);
    expect(rows[1]).toMatch(/^\s*6\s+\S+\s+refund-over\s+refund_order\s+asst_zzz\s+deny \(max_amount_exceeded\)\s+-> allow \(-\)$/);
    expect(rows[2]).toMatch(/^\s*14\s+\S+\s+analytics-120d\s+get_analytics\s+asst_zzz\s+deny \(date_range_exceeded\)\s+-> allow \(-\)$/);
  });

  it("exits 0 with --allow-changes, and when nothing changed", async () => {
    expect((await policy(["replay", log, "--bundle", candidate.bundle, "--allow-changes"])).code).toBe(0);
    const same = await policy(["replay", log, "--bundle", baseline.bundle, "--tools", TOOLS_FILE]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("no decision changed");
    expect(same.stdout).toContain(`gate checks: re-run with ${TOOLS_FILE}`);
  });

  it("prints JSON for machines", async () => {
    const run = await policy(["replay", log, "--bundle", candidate.bundle, "--format", "json"]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as ReplayReport & { candidate: { source: string } };
    expect(report.changes.map((c) => c.call_id)).toEqual(["refund-over", "analytics-120d"]);
    expect(report.transitions).toEqual({ "deny->allow": 2 });
    expect(report.candidate).toMatchObject({ revision: candidate.engine.revision, source: candidate.bundle, tools: null });
  });

  it("builds the candidate from --rego, with its tools.json", async () => {
    const run = await policy(["replay", log, "--rego", candidateRego, "--format", "json"]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as ReplayReport;
    expect(report.candidate).toMatchObject({ revision: candidate.engine.revision, gate_checks: true });
    expect(report.changes.map((c) => c.call_id)).toEqual(["refund-over", "analytics-120d"]);
  });

  it("exits 2 on usage errors, a missing log or a missing bundle", async () => {
    expect((await policy(["replay", log, "--bundle", candidate.bundle, "--rego", candidateRego])).code).toBe(2);
    const missing = await policy(["replay", join(dir, "none.jsonl"), "--bundle", candidate.bundle]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no decision log at");
    const noBundle = await policy(["replay", log, "--bundle", join(dir, "none.tar.gz")]);
    expect(noBundle.code).toBe(2);
    expect(noBundle.stderr).toContain("no policy bundle at");
    await writeFile(join(dir, "bad-tools.json"), "{}");
    expect((await policy(["replay", log, "--bundle", candidate.bundle, "--tools", join(dir, "bad-tools.json")])).code).toBe(2);
  });
});
