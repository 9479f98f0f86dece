// Secrets in the arguments of a tool with redact_secrets never reach the log
// file, whatever the gate decided: denied before the policy (schema), denied by
// the policy, allowed, sanitized, sent for approval, and the approval outcome,
// on the in-process Gate and on the GatePool's workers. Checked on the bytes of
// the log file.
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditRecorder } from "../../src/audit/audit-recorder.ts";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import type { DecisionRecord } from "../../src/audit/decision-record.ts";
import { readLog } from "../../src/audit/read-log.ts";
import { verifyLog } from "../../src/audit/verify-log.ts";
import type { Decider } from "../../src/gate/decider.ts";
import { Gate } from "../../src/gate/gate.ts";
import { GatePool } from "../../src/gate/gate-pool.ts";
import { GateReason } from "../../src/gate/reason-codes.ts";
import type { ToolCall, ToolDeclaration } from "../../src/gate/tool-call.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { Replayer } from "../../src/replay/replay.ts";
import { collect } from "./helpers.ts";

const SECRETS = {
  github: "ghp_Gb3CXlMaXZjljENUhJduRHHJEYXg4JdpmrcX",
  aws: "AKIA90RIC7PHKQDLMTT7",
  stripe: "sk_live_lrWi0B26R08qzjI6GKFSufrd",
  slack: "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
  openai: "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",
  password: "s3cr3t-Pa55word",
  google: "AIzaeNBTxaQWk8JzFalHlsZfYcMMDktXP-tKsf2",
} as const;

const CONFIG = `version: 1
tools:
  post_message: { effect: allow, constraints: { redact_secrets: [text] } }
  send_blast: { effect: allow, constraints: { approval_over: { count: 10 }, redact_secrets: [subject] } }
  close_account: { effect: deny, reason: Accounts are closed by people., constraints: { redact_secrets: [note] } }
  plain_tool: { effect: allow }
`;

// A custom deny whose message repeats the argument: reason messages are redacted too.
const RULES = `package toolgate.rules

deny contains {"code": "channel_holds_key", "message": sprintf("channel %s holds a key", [input.arguments.channel])} if {
	input.tool.name == "post_message"
	contains(input.arguments.channel, "AKIA")
}
`;

const object = (properties: Record<string, unknown>, required: string[]) => ({ type: "object", properties, required, additionalProperties: false });
const TOOLS: ToolDeclaration[] = [
  { type: "function", function: { name: "post_message", parameters: object({ channel: { type: "string" }, text: { type: "string" } }, ["channel", "text"]) } },
  { type: "function", function: { name: "send_blast", parameters: object({ count: { type: "integer" }, subject: { type: "string" }, body: { type: "string" } }, ["count", "subject"]) } },
  { type: "function", function: { name: "close_account", parameters: object({ id: { type: "string" }, note: { type: "string" } }, ["id"]) } },
  { type: "function", function: { name: "plain_tool", parameters: object({ value: { type: "string" } }, ["value"]) } },
] as ToolDeclaration[];

let dir: string;
let bundlePath: string;
let engine: PolicyEngine;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "toolgate-secrets-log-"));
  const regoDir = path.join(dir, "rego");
  await mkdir(regoDir);
  await writeFile(path.join(regoDir, "toolgate.yaml"), CONFIG);
  await writeFile(path.join(regoDir, "rules.rego"), RULES);
  bundlePath = (await compileBundle({ regoDir, out: path.join(dir, "bundle.tar.gz") })).path;
  engine = await PolicyEngine.open(bundlePath);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let seq = 0;
function call(name: string, args: Record<string, unknown> | string): ToolCall {
  seq += 1;
  return {
    surface: "chat", assistant_id: "asst_1", call_id: `call_${seq}`, name,
    arguments: typeof args === "string" ? args : JSON.stringify(args),
    context: { note: `ctx ${SECRETS.google}` },
  };
}

/** Every kind of record the gate writes, each carrying secrets; returns the effects and reason codes it saw. */
async function session(decider: Decider): Promise<string[]> {
  const calls: ToolCall[] = [
    // denied before the policy: schema violations (an undeclared field, a missing one, a wrong type)
    call("post_message", { channel: "#ops", text: "hi", token: SECRETS.github }),
    call("post_message", { channel: `#ops ${SECRETS.aws}` }),
    call("send_blast", { count: `${SECRETS.stripe}`, subject: "s" }),
    // denied by the policy: by the config, and by a custom rule whose message repeats the secret
    call("close_account", { id: "1", note: `key ${SECRETS.slack}` }),
    call("post_message", { channel: `#ops ${SECRETS.aws}`, text: "hello" }),
    // allowed, with a secret outside the redacted field
    call("post_message", { channel: `#ops-${SECRETS.openai}`, text: "hello" }),
    // sanitized
    call("post_message", { channel: "#ops", text: `db postgres://app:${SECRETS.password}@db.internal/x and ${SECRETS.github}` }),
    // sent for approval (the secret in a field the policy does not redact)
    call("send_blast", { count: 500, subject: `token ${SECRETS.stripe}`, body: `also ${SECRETS.aws}` }),
  ];
  const seen: string[] = [];
  for (const c of calls) {
    const decision = await decider.decide(c);
    seen.push(`${decision.effect}:${decision.reasons.map((r) => r.code).join(",")}`);
    if (decision.effect === "require_approval") {
      await decider.recordApproval(c, decision, { status: "rejected", approver: "ops", note: `saw ${SECRETS.openai}` });
    }
  }
  return seen;
}

const EXPECTED_EFFECTS = [
  `deny:${GateReason.schemaViolation}`,
  `deny:${GateReason.schemaViolation}`,
  `deny:${GateReason.schemaViolation}`,
  "deny:tool_denied",
  "deny:channel_holds_key",
  "allow:",
  "sanitize:secret_redacted",
  "require_approval:approval_required",
];

async function expectNoSecretIn(logFile: string): Promise<DecisionRecord[]> {
  const bytes = await readFile(logFile);
  for (const [kind, secret] of Object.entries(SECRETS)) {
    expect(bytes.includes(Buffer.from(secret)), `${kind} secret in the log file`).toBe(false);
  }
  expect(bytes.includes(Buffer.from("[REDACTED]"))).toBe(true);
  const verified = await verifyLog(logFile);
  expect(verified.ok).toBe(true);
  return collect(readLog(logFile));
}

describe("secrets of a tool with redact_secrets in the decision log", () => {
  it("never reach the log file from the in-process Gate, whatever the effect", async () => {
    const logFile = path.join(dir, "gate.jsonl");
    const log = await DecisionLog.open({ path: logFile, durability: "none" });
    const gate = new Gate(engine, { tools: TOOLS, recorder: new AuditRecorder(log) });
    expect(await session(gate)).toEqual(EXPECTED_EFFECTS);
    await log.close();
    const records = await expectNoSecretIn(logFile);
    expect(records).toHaveLength(9);
    expect(records.every((r) => r.secrets_redacted === true)).toBe(true);
    // What is kept around a secret is still useful to a reader.
    const sanitized = records[6]!;
    expect(sanitized.input.arguments.text).toBe("db postgres://[REDACTED]@db.internal/x and [REDACTED]");
    expect(records[4]!.result.reasons[0]!.message).toBe("channel #ops [REDACTED] holds a key");
    expect(records[8]!.approval).toEqual({ outcome: "rejected", approver: "ops", note: "saw [REDACTED]" });
  });

  it("never reach the log file from the GatePool's workers either", async () => {
    const logFile = path.join(dir, "pool.jsonl");
    const log = await DecisionLog.open({ path: logFile, durability: "none" });
    const pool = await GatePool.open({ bundlePath, tools: TOOLS, workers: 2, recorder: new AuditRecorder(log) });
    try {
      expect(await session(pool)).toEqual(EXPECTED_EFFECTS);
    } finally {
      await pool.close();
      await log.close();
    }
    const records = await expectNoSecretIn(logFile);
    expect(records.every((r) => r.secrets_redacted === true)).toBe(true);
  });

  it("leaves the records of tools without redact_secrets as they were made", async () => {
    const logFile = path.join(dir, "plain.jsonl");
    const log = await DecisionLog.open({ path: logFile, durability: "none" });
    const gate = new Gate(engine, { tools: TOOLS, recorder: new AuditRecorder(log) });
    await gate.decide(call("plain_tool", { value: "no secret" }));
    await log.close();
    const [record] = await collect(readLog(logFile));
    expect(record!.secrets_redacted).toBeUndefined();
    expect(record!.input.arguments).toEqual({ value: "no secret" });
  });

  it("makes replay call a redacted record the candidate now allows inconclusive, not changed", async () => {
    const logFile = path.join(dir, "gate.jsonl");
    const records = await collect(readLog(logFile));
    const replayer = new Replayer(engine, { tools: TOOLS });
    // Denied because the channel held an AWS key; the log holds [REDACTED], which the rule allows.
    const denied = records[4]!;
    expect(denied.result.effect).toBe("deny");
    expect(replayer.replay(denied)).toMatchObject({ outcome: "inconclusive", decision: { effect: "allow" } });
    // Without the mark the same record would read as a change.
    const { secrets_redacted: _mark, ...unmarked } = denied;
    expect(replayer.replay(unmarked as DecisionRecord).outcome).toBe("changed");
  });
});
