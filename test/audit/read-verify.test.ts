import { appendFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import { readLog, type ReadLogOptions } from "../../src/audit/read-log.ts";
import { verifyLog } from "../../src/audit/verify-log.ts";
import { collect, readLinesOf, sampleEntry, useTempDir, writeLinesTo, type SampleOptions } from "./helpers.ts";

const tempDir = useTempDir();

/** Writes one record per option set, seq 1..n, and returns the log path. */
async function writeLog(entries: SampleOptions[], maxBytes?: number): Promise<string> {
  const path = join(await tempDir(), "decisions.jsonl");
  const log = await DecisionLog.open({ path, durability: "none", maxBytes });
  for (const [i, options] of entries.entries()) await log.append(sampleEntry(i + 1, options));
  await log.close();
  return path;
}

async function seqs(path: string, options?: ReadLogOptions): Promise<number[]> {
  return (await collect(readLog(path, options))).map((r) => r.seq);
}

const t = (minute: number) => new Date(Date.UTC(2026, 4, 1, 12, minute));

describe("readLog", () => {
  const mixed: SampleOptions[] = [
    { assistant: "asst_a", tool: "refund_order", effect: "allow", now: t(0) },
    { assistant: "asst_b", tool: "refund_order", effect: "deny", now: t(1) },
    { assistant: "asst_a", tool: "send_email", effect: "sanitize", thread: "thread_2", now: t(2) },
    { assistant: "asst_a", tool: "refund_order", effect: "deny", revision: "rev2", now: t(3) },
    { assistant: "asst_b", tool: "send_email", effect: "require_approval", now: t(4) },
  ];

  it("filters by field (AND across keys, OR within a key), time range and last N", async () => {
    const path = await writeLog(mixed);
    expect(await seqs(path)).toEqual([1, 2, 3, 4, 5]);
    expect(await seqs(path, { filter: { assistant: ["asst_a"] } })).toEqual([1, 3, 4]);
    expect(await seqs(path, { filter: { assistant: ["asst_a"], effect: ["deny"] } })).toEqual([4]);
    expect(await seqs(path, { filter: { effect: ["deny", "require_approval"] } })).toEqual([2, 4, 5]);
    expect(await seqs(path, { filter: { tool: ["send_email"] } })).toEqual([3, 5]);
    expect(await seqs(path, { filter: { thread: ["thread_2"] } })).toEqual([3]);
    expect(await seqs(path, { filter: { run: ["run_1"] } })).toEqual([1, 2, 3, 4, 5]);
    expect(await seqs(path, { filter: { revision: ["rev2"] } })).toEqual([4]);
    expect(await seqs(path, { since: t(1), until: t(3) })).toEqual([2, 3]);
    expect(await seqs(path, { last: 2 })).toEqual([4, 5]);
    expect(await seqs(path, { last: 2, filter: { assistant: ["asst_a"] } })).toEqual([3, 4]);
    expect(await seqs(path, { last: 10 })).toEqual([1, 2, 3, 4, 5]);
  });

  it("reads rotated files in chain order and reports progress", async () => {
    const path = await writeLog(mixed.concat(mixed, mixed), 2000);
    const progress: number[] = [];
    expect(await seqs(path, { onProgress: (done, total) => progress.push(done / total) })).toEqual(
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
    expect(progress.at(-1)).toBe(1);
  });

  it("skips a torn final line but refuses an unparsable complete one", async () => {
    const path = await writeLog(mixed);
    await appendFile(path, '{"seq":6,"tor');
    expect(await seqs(path)).toEqual([1, 2, 3, 4, 5]);
    await appendFile(path, "\n");
    await expect(seqs(path)).rejects.toMatchObject({ code: "audit_log_corrupt", message: expect.stringContaining(":6:") });
  });

  it("says where to look when there is no log", async () => {
    await expect(seqs(join(await tempDir(), "missing.jsonl"))).rejects.toMatchObject({ code: "audit_log_not_found" });
  });
});

describe("verifyLog", () => {
  const ten = Array.from({ length: 10 }, (): SampleOptions => ({}));

  it("flipping any single byte of a record fails verification at that record", async () => {
    const path = await writeLog(ten);
    const original = await readLinesOf(path);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 9 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (index, position, mask) => {
          const line = Buffer.from(original[index] as string);
          const at = position % line.length;
          line[at] = (line[at] as number) ^ mask;
          // Bytes, not strings: the flip may produce invalid UTF-8 or a newline, and both must be caught.
          await writeFile(path, Buffer.concat(original.map((l, i) => Buffer.concat([i === index ? line : Buffer.from(l), Buffer.from("\n")]))));
          const result = await verifyLog(path);
          expect(result.ok).toBe(false);
          if (!result.ok) {
            expect(result.break.line).toBe(index + 1);
            expect(result.count).toBe(index);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("names the edited record: bad_hash", async () => {
    const path = await writeLog(ten);
    const lines = await readLinesOf(path);
    lines[4] = (lines[4] as string).replace('"effect":"allow"', '"effect":"deny"');
    await writeLinesTo(path, lines);
    expect(await verifyLog(path)).toMatchObject({ ok: false, count: 4, break: { kind: "bad_hash", file: path, line: 5, seq: 5 } });
  });

  it("detects a deleted middle record", async () => {
    const path = await writeLog(ten);
    const lines = await readLinesOf(path);
    lines.splice(6, 1);
    await writeLinesTo(path, lines);
    expect(await verifyLog(path)).toMatchObject({
      ok: false,
      count: 6,
      break: { kind: "seq_gap", line: 7, seq: 8, message: expect.stringContaining("records 7..7 missing") },
    });
  });

  it("detects two swapped records", async () => {
    const path = await writeLog(ten);
    const lines = await readLinesOf(path);
    [lines[2], lines[3]] = [lines[3] as string, lines[2] as string];
    await writeLinesTo(path, lines);
    expect(await verifyLog(path)).toMatchObject({ ok: false, count: 2, break: { kind: "seq_gap", line: 3, seq: 4 } });
  });

  it("detects a record spliced in from another chain with renumbered seq", async () => {
    const path = await writeLog(ten);
    const other = await readLinesOf(await writeLog(ten.map(() => ({ tool: "other_tool" }))));
    const lines = await readLinesOf(path);
    lines[5] = other[5] as string; // same seq, valid own hash, wrong predecessor
    await writeLinesTo(path, lines);
    expect(await verifyLog(path)).toMatchObject({ ok: false, count: 5, break: { kind: "prev_hash_mismatch", line: 6, seq: 6 } });
  });

  it("checks the chain across rotated files, including a missing file", async () => {
    const path = await writeLog([...ten, ...ten], 2000);
    const ok = await verifyLog(path);
    expect(ok).toMatchObject({ ok: true, count: 20 });
    expect(ok.files.length).toBeGreaterThan(3);
    await rm(`${path}.2`);
    const broken = await verifyLog(path);
    expect(broken).toMatchObject({ ok: false, break: { kind: "seq_gap", file: `${path}.3`, line: 1 } });
  });

  it("reports an unparsable line, and accepts a torn tail as a non-record", async () => {
    const path = await writeLog(ten);
    await appendFile(path, '{"seq":11,"deci');
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 10, tornTail: { file: path, line: 11 } });
    const lines = await readLinesOf(path);
    lines.splice(3, 0, "not json");
    await writeLinesTo(path, lines);
    expect(await verifyLog(path)).toMatchObject({ ok: false, count: 3, break: { kind: "unparsable", line: 4 } });
  });
});
