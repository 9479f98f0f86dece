import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import type { DecisionRecord } from "../../src/audit/decision-record.ts";
import { readLinesOf, sampleEntry, useTempDir, writeLinesTo, type SampleOptions } from "./helpers.ts";

const tempDir = useTempDir();
const MAIN = join(import.meta.dirname, "../../src/cli/main.ts");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function policy(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], {
      env: { ...process.env, TOOLGATE_AUDIT_LOG: "", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function writeLog(entries: SampleOptions[]): Promise<string> {
  const path = join(await tempDir(), "decisions.jsonl");
  const log = await DecisionLog.open({ path, durability: "none" });
  for (const [i, options] of entries.entries()) await log.append(sampleEntry(i + 1, options));
  await log.close();
  return path;
}

const entries: SampleOptions[] = [
  { assistant: "asst_a", effect: "allow", now: new Date("2026-05-01T12:00:00Z") },
  { assistant: "asst_b", effect: "deny", now: new Date("2026-05-01T12:01:00Z") },
  { assistant: "asst_a", effect: "deny", tool: "send_email", now: new Date("2026-05-01T12:02:00Z") },
];

describe("policy audit", () => {
  it("prints a table of all records", async () => {
    const run = await policy(["audit", "--log", await writeLog(entries)]);
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^TIME\s+SEQ\s+EFFECT\s+APPROVAL\s+ASSISTANT\s+TOOL\s+CALL\s+REVISION\s+REASONS$/);
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(/^2026-05-01T12:01:00.000Z\s+2\s+deny\s+-\s+asst_b\s+refund_order\s+call_2\s+rev1\s+max_amount_exceeded$/);
  });

  it("filters, limits and prints jsonl", async () => {
    const path = await writeLog(entries);
    const run = await policy(["audit", "--log", path, "--filter", "effect=deny", "--last", "1", "--format", "jsonl"]);
    expect(run.code).toBe(0);
    const records = run.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as DecisionRecord);
    expect(records.map((r) => r.seq)).toEqual([3]);
  });

  it("prints a JSON array, honouring --since/--until and $TOOLGATE_AUDIT_LOG", async () => {
    const path = await writeLog(entries);
    const run = await policy(["audit", "--format", "json", "--since", "2026-05-01T12:01:00Z", "--until", "2026-05-01T12:02:00Z"], {
      TOOLGATE_AUDIT_LOG: path,
    });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as DecisionRecord[]).map((r) => r.seq)).toEqual([2]);
    const none = await policy(["audit", "--log", path, "--format", "json", "--filter", "assistant=nobody"]);
    expect(JSON.parse(none.stdout)).toEqual([]);
  });

  it("rejects bad options and a missing log with exit 2", async () => {
    const bad = await policy(["audit", "--filter", "colour=red"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("key one of assistant, tool, effect, thread, run, revision");
    expect((await policy(["audit", "--since", "yesterday-ish"])).code).toBe(2);
    const missing = await policy(["audit", "--log", join(await tempDir(), "none.jsonl")]);
    expect(missing).toMatchObject({ code: 2, stdout: "" });
    expect(missing.stderr).toContain("no decision log at");
  });

  it("has --help on both commands", async () => {
    const help = await policy(["audit", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--filter <key=value>");
    const verifyHelp = await policy(["audit", "verify", "--help"]);
    expect(verifyHelp.code).toBe(0);
    expect(verifyHelp.stdout).toContain("Usage: policy audit verify");
  });
});

describe("policy audit verify", () => {
  it("exits 0 with the count for an intact log", async () => {
    const run = await policy(["audit", "verify", "--log", await writeLog(entries)]);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^ok: 3 records in 1 file\(s\); last hash [0-9a-f]{64}\n$/);
  });

  it("exits 1 and names the first broken record", async () => {
    const path = await writeLog(entries);
    const lines = await readLinesOf(path);
    lines.splice(1, 1);
    await writeLinesTo(path, lines);
    const run = await policy(["audit", "verify", "--log", path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`broken: ${path}:2 (seq 3): seq_gap: expected seq 2, found 3`);
  });

  it("exits 1 on a record with a duplicated key, which each JSON parser reads its own way", async () => {
    const path = await writeLog(entries);
    const lines = await readLinesOf(path);
    lines[1] = (lines[1] as string).replace('"result":{', '"result":{"effect":"allow",');
    await writeLinesTo(path, lines);
    const run = await policy(["audit", "verify", "--log", path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`broken: ${path}:2: ambiguous:`);
    expect(run.stdout).toContain('the key "effect" appears twice');
  });
});
