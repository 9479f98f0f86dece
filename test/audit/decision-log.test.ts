import { spawn } from "node:child_process";
import { appendFile, open, readdir, readFile, stat, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DecisionLog, type Durability } from "../../src/audit/decision-log.ts";
import { GENESIS_HASH, type DecisionEntry, type DecisionRecord } from "../../src/audit/decision-record.ts";
import { readLog } from "../../src/audit/read-log.ts";
import { verifyLog } from "../../src/audit/verify-log.ts";
import { collect, readLinesOf, sampleEntry, useTempDir } from "./helpers.ts";

const tempDir = useTempDir();

async function records(path: string): Promise<DecisionRecord[]> {
  return collect(readLog(path));
}

describe("DecisionLog", () => {
  it.each<Durability>(["fsync", "group", "none"])("appends a readable, verifiable chain (%s)", async (durability) => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path, durability });
    expect(log.recovered).toBeUndefined();
    const first = await log.append(sampleEntry(1));
    expect(first.record.seq).toBe(1);
    expect(first.record.prev_hash).toBe(GENESIS_HASH);
    expect(first.file).toBe(path);
    const second = await log.append(sampleEntry(2));
    expect(second.record.prev_hash).toBe(first.record.hash);
    await log.close();

    const written = await records(path);
    expect(written.map((r) => r.seq)).toEqual([1, 2]);
    expect(written[1]).toEqual(second.record);
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 2, lastHash: second.record.hash });
  });

  it.each<Durability>(["fsync", "group", "none"])("orders concurrent appends by call order (%s)", async (durability) => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path, durability });
    const appended = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(sampleEntry(i))));
    await log.close();
    expect(appended.map((a) => a.record.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect((await records(path)).map((r) => r.call_id)).toEqual(appended.map((a) => a.record.call_id));
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 200 });
  });

  it("holds a group-commit window and still resolves every append", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path, durability: "group", groupCommitMs: 5 });
    const appended = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(sampleEntry(i))));
    await log.close();
    expect(appended.at(-1)?.record.seq).toBe(50);
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 50 });
  });

  it("group: runs two fdatasyncs at once, and one failing rejects every record not yet acknowledged, the other sync's too", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const probe = await open(path, "a");
    const proto = Object.getPrototypeOf(probe) as { datasync: FileHandle["datasync"] };
    await probe.close();
    const original = proto.datasync;
    let calls = 0;
    const delayed = (ms: number, fail: boolean): Promise<void> =>
      new Promise((resolve, reject) => setTimeout(() => (fail ? reject(Object.assign(new Error("EIO: i/o error"), { code: "EIO" })) : resolve()), ms));
    const log = await DecisionLog.open({ path, durability: "group" });
    // The first batch's sync fails after 50 ms; the second's, started meanwhile, would succeed after 150 ms.
    proto.datasync = function (this: FileHandle) {
      calls += 1;
      return calls === 1 ? delayed(50, true) : calls === 2 ? delayed(150, false) : original.call(this);
    };
    try {
      // Two turns of the event loop, two batches: the second's sync starts while the first's runs.
      // Half through append (a promise each), half through write (one per batch): all are rejected.
      const add = (i: number) => (i % 2 === 0 ? log.append(sampleEntry(i + 1)) : log.write(sampleEntry(i + 1)));
      const first = Array.from({ length: 5 }, (_, i) => add(i));
      await new Promise((resolve) => setTimeout(resolve, 10));
      const second = Array.from({ length: 5 }, (_, i) => add(i + 5));
      const settled = await Promise.allSettled([...first, ...second]);
      expect(calls).toBe(2);
      expect(settled.map((s) => s.status)).toEqual(Array(10).fill("rejected"));
      expect(settled[0]).toMatchObject({ reason: { code: "audit_write_failed" } });
      await expect(log.append(sampleEntry(11))).rejects.toMatchObject({ code: "audit_write_failed" });
      await log.close();
    } finally {
      proto.datasync = original;
    }
  });

  it.each<Durability>(["fsync", "group", "none"])("write: concurrent callers resolve once their records are written, in call order (%s)", async (durability) => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path, durability });
    const written = Array.from({ length: 100 }, (_, i) => log.write(sampleEntry(i)));
    // Records queued together share a promise: "none" and "group" write (and sync) the burst at the
    // end of the turn; "fsync" gives each record its own write, sync and promise.
    expect(new Set(written).size).toBe({ fsync: 100, group: 1, none: 1 }[durability]);
    await Promise.all(written);
    expect(log.stats.records).toBe(100);
    await log.close();
    expect((await records(path)).map((r) => r.call_id)).toEqual(Array.from({ length: 100 }, (_, i) => `call_${i}`));
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 100 });
  });

  it("write: refuses what JSON cannot hold without consuming a seq, and a closed log", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path, durability: "group" });
    const base = sampleEntry(1);
    await expect(log.write({ ...base, input: { ...base.input, arguments: { n: 1n } } })).rejects.toMatchObject({ code: "audit_record_invalid" });
    await log.write(base);
    expect(log.head.seq).toBe(1);
    await log.close();
    await expect(log.write(sampleEntry(2))).rejects.toMatchObject({ code: "audit_log_closed" });
  });

  it("resumes the chain when reopened", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log1 = await DecisionLog.open({ path });
    const last = await log1.append(sampleEntry(1));
    await log1.close();

    const log2 = await DecisionLog.open({ path });
    expect(log2.head).toEqual({ seq: 1, hash: last.record.hash });
    const next = await log2.append(sampleEntry(2));
    await log2.close();
    expect(next.record).toMatchObject({ seq: 2, prev_hash: last.record.hash });
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 2 });
  });

  it("rotates by size and the next file continues the chain", async () => {
    const dir = await tempDir();
    const path = join(dir, "decisions.jsonl");
    const lineBytes = Buffer.byteLength(`${JSON.stringify((await probeRecord(dir)).record)}\n`);
    const log = await DecisionLog.open({ path, maxBytes: lineBytes * 3 + 10 });
    const appended = [];
    for (let i = 1; i <= 10; i++) appended.push(await log.append(sampleEntry(i)));
    // Concurrent appends take the batched path, which must split at the same limit.
    appended.push(...(await Promise.all([11, 12, 13, 14, 15].map((i) => log.append(sampleEntry(i))))));
    await log.close();

    expect((await readdir(dir)).filter((f) => f.startsWith("decisions.jsonl")).sort()).toEqual([
      "decisions.jsonl",
      "decisions.jsonl.1",
      "decisions.jsonl.2",
      "decisions.jsonl.3",
      "decisions.jsonl.4",
    ]);
    for (const f of ["decisions.jsonl.1", "decisions.jsonl.2", "decisions.jsonl.3"]) {
      expect((await stat(join(dir, f))).size).toBeLessThanOrEqual(lineBytes * 3 + 10);
    }
    const firstOfSecondFile = JSON.parse((await readLinesOf(join(dir, "decisions.jsonl.2")))[0] as string) as DecisionRecord;
    expect(firstOfSecondFile).toMatchObject({ seq: 4, prev_hash: appended[2]?.record.hash });
    expect(appended[3]?.file).toBe(path); // reported as the current file name at the time of writing
    expect((await records(path)).map((r) => r.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 15 });

    // Reopening after rotation resumes from the current file.
    const reopened = await DecisionLog.open({ path, maxBytes: lineBytes * 3 + 10 });
    expect(reopened.head.seq).toBe(15);
    await reopened.close();
  });

  it("resumes from the newest rotated file when the current file is missing", async () => {
    const dir = await tempDir();
    const path = join(dir, "decisions.jsonl");
    const log = await DecisionLog.open({ path });
    const last = await log.append(sampleEntry(1));
    await log.close();
    // What a crash between rotation's rename and the new file's creation leaves behind.
    await writeFile(`${path}.1`, await readFile(path));
    await writeFile(path, "");

    const resumed = await DecisionLog.open({ path });
    expect(resumed.head).toEqual({ seq: 1, hash: last.record.hash });
    await resumed.append(sampleEntry(2));
    await resumed.close();
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 2 });
  });

  it("truncates a torn final line on open and reports it", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path });
    await log.append(sampleEntry(1));
    await log.close();
    const sizeBefore = (await stat(path)).size;
    await appendFile(path, '{"seq":2,"decision_id":"dec_2","timest');

    const reopened = await DecisionLog.open({ path });
    expect(reopened.recovered).toEqual({ file: path, offset: sizeBefore, bytes: 38 });
    expect((await stat(path)).size).toBe(sizeBefore);
    expect((await reopened.append(sampleEntry(2))).record.seq).toBe(2);
    await reopened.close();
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 2 });
  });

  it("refuses to extend a log whose last complete record is damaged", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path });
    await log.append(sampleEntry(1));
    await log.close();
    await writeFile(path, (await readFile(path, "utf8")).replace('"refund_order"', '"refund_ordeR"'));
    await expect(DecisionLog.open({ path })).rejects.toMatchObject({ code: "audit_log_corrupt" });
  });

  it("rejects unserializable records without consuming a seq, and appends after close", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path });
    const bad = { ...sampleEntry(1), metrics: { timer_eval_us: 1n } } as unknown as DecisionEntry;
    await expect(log.append(bad)).rejects.toMatchObject({ code: "audit_record_invalid" });
    expect((await log.append(sampleEntry(1))).record.seq).toBe(1);
    await log.close();
    await expect(log.append(sampleEntry(2))).rejects.toMatchObject({ code: "audit_log_closed" });
  });

  it("allows one writer per log, and takes over the lock of a dead one", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path });
    await expect(DecisionLog.open({ path })).rejects.toMatchObject({ code: "audit_log_busy" });
    await log.close();
    await writeFile(`${path}.lock`, "999999999\n"); // no such process
    const next = await DecisionLog.open({ path });
    expect(await readFile(`${path}.lock`, "utf8")).toBe(`${process.pid}\n`);
    await next.close();
  });

  it("validates its options", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    await expect(DecisionLog.open({ path, maxBytes: 0 })).rejects.toMatchObject({ code: "audit_config_invalid" });
    await expect(DecisionLog.open({ path, durability: "sometimes" as Durability })).rejects.toMatchObject({
      code: "audit_config_invalid",
    });
  });
});

async function probeRecord(dir: string) {
  const log = await DecisionLog.open({ path: join(dir, "probe.jsonl"), durability: "none" });
  const appended = await log.append(sampleEntry(10));
  await log.close();
  return appended;
}

describe("crash safety", () => {
  it.each<[Durability, number, "append" | "write"]>([
    ["fsync", 1, "append"],
    ["group", 8, "append"],
    ["fsync", 4, "write"],
    ["group", 64, "write"],
  ])(
    "every record acknowledged before SIGKILL is in the log (%s, %i writers, %s)",
    async (durability, concurrency, method) => {
      const path = join(await tempDir(), "decisions.jsonl");
      const child = spawn(process.execPath, [join(import.meta.dirname, "fixtures/append-until-killed.ts"), path, durability, String(concurrency), method], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      const acknowledged = await new Promise<string[]>((resolve, reject) => {
        child.on("error", reject);
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          out += chunk;
          if (out.split("\n").length > 300 && !child.killed) child.kill("SIGKILL");
        });
        child.on("close", (code, signal) => {
          if (signal !== "SIGKILL") reject(new Error(`child ended with ${code ?? signal}`));
          // Only whole lines: the kill may cut the last print short.
          resolve(out.split("\n").slice(0, -1));
        });
      });
      expect(acknowledged.length).toBeGreaterThanOrEqual(300);

      const before = await verifyLog(path);
      expect(before.ok).toBe(true);
      const present = new Set((await records(path)).map((r) => r.call_id));
      expect(acknowledged.filter((callId) => !present.has(callId))).toEqual([]);

      // A new writer resumes after everything that reached the disk.
      const log = await DecisionLog.open({ path, durability });
      expect(log.head.seq).toBe(present.size);
      await log.append(sampleEntry(0));
      await log.close();
      expect(await verifyLog(path)).toMatchObject({ ok: true, count: present.size + 1 });
    },
    20_000,
  );
});
