import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import { chainRecord, GENESIS_HASH, recordHash, type DecisionRecord } from "../../src/audit/decision-record.ts";
import { readLog } from "../../src/audit/read-log.ts";
import { verifyLog } from "../../src/audit/verify-log.ts";
import { collect, sampleEntry, useTempDir } from "./helpers.ts";

const tempDir = useTempDir();

/** Three records (the second a deny) as the writer leaves them; returns the path and the lines. */
async function threeRecords(): Promise<{ path: string; lines: string[] }> {
  const path = join(await tempDir(), "decisions.jsonl");
  const log = await DecisionLog.open({ path, durability: "none" });
  await log.append(sampleEntry(1));
  await log.append(sampleEntry(2, { effect: "deny" }));
  await log.append(sampleEntry(3));
  await log.close();
  return { path, lines: (await readFile(path, "utf8")).split("\n").slice(0, -1) };
}

async function writeBytes(path: string, lines: string[], trailingNewline = true): Promise<void> {
  await writeFile(path, lines.join("\n") + (trailingNewline ? "\n" : ""));
}

describe("records that JSON parsers read differently", () => {
  // JSON.parse keeps the last of two equal keys, other parsers the first: the edit below
  // still hashes right for JSON.parse, yet a first-wins reader sees "allow".
  const ambiguous: [string, (line: string) => string][] = [
    ["a duplicated key", (line) => line.replace('"effect":"deny"', '"effect":"allow","effect":"deny"')],
    ["a duplicated key spelled with an escape", (line) => line.replace('"effect":"deny"', '"\\u0065ffect":"allow","effect":"deny"')],
    ["a number not written as JSON.stringify writes it", (line) => line.replace('"seq":2', '"seq":2.0')],
  ];

  it.each(ambiguous)("verify reports %s as an ambiguous break, naming the line", async (_name, edit) => {
    const { path, lines } = await threeRecords();
    const edited = edit(lines[1] as string);
    expect(edited).not.toBe(lines[1]);
    const asJsonParseSees = JSON.parse(edited) as DecisionRecord;
    expect(recordHash(asJsonParseSees)).toBe(asJsonParseSees.hash); // the old, lenient check passed it
    await writeBytes(path, [lines[0] as string, edited, lines[2] as string]);

    const result = await verifyLog(path);
    expect(result).toMatchObject({ ok: false, count: 1, break: { kind: "ambiguous", file: path, line: 2 } });
    await expect(collect(readLog(path))).rejects.toMatchObject({ code: "audit_log_corrupt", message: expect.stringContaining(":2:") });
  });

  it("verify reports a hash-valid record holding a lone surrogate as ambiguous", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const record = chainRecord({ ...sampleEntry(1), tool: "refund\ud800" }, 1, GENESIS_HASH);
    const line = JSON.stringify(record);
    expect(line).toContain("\\ud800");
    await writeBytes(path, [line]);
    expect(await verifyLog(path)).toMatchObject({ ok: false, break: { kind: "ambiguous", line: 1 } });
  });

  it("open refuses to extend a log whose last record is ambiguous", async () => {
    const { path, lines } = await threeRecords();
    await writeBytes(path, [lines[0] as string, (lines[1] as string).replace('"effect":"deny"', '"effect":"allow","effect":"deny"')]);
    await expect(DecisionLog.open({ path })).rejects.toMatchObject({ code: "audit_log_corrupt" });
  });

  it("the writer stores lone surrogates from a model as U+FFFD, so its log stays readable", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path, durability: "none" });
    const entry = sampleEntry(1);
    const hostile = {
      ...entry,
      tool: "refund\ud800",
      input: { ...entry.input, arguments: { ["k\udc00"]: "v\ud83d", ok: "😀", "\\ud800": "an escaped backslash, not a surrogate" } },
    };
    await log.append(hostile);
    await log.close();

    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 1 });
    const [record] = await collect(readLog(path));
    expect(record?.tool).toBe("refund\ufffd");
    expect(record?.input.arguments).toEqual({ "k\ufffd": "v\ufffd", ok: "😀", "\\ud800": "an escaped backslash, not a surrogate" });
    const reopened = await DecisionLog.open({ path });
    expect(reopened.head.seq).toBe(1);
    await reopened.close();
  });
});

describe("keys V8's JSON.parse misreads", () => {
  // After parsing an object with the key "\\", V8's JSON.parse may read a later one-character
  // escaped key such as "\"" as "\\" (state-dependent: not every shape triggers it). The writer
  // reads its JSON round trip back with parseOwnJson, never JSON.parse.
  it("the writer stores a one-character escaped key as given, after JSON.parse has seen the key \\", async () => {
    const path = join(await tempDir(), "decisions.jsonl");
    const log = await DecisionLog.open({ path, durability: "none" });
    const entry = sampleEntry(1);
    JSON.parse(JSON.stringify({ ...entry, input: { ...entry.input, arguments: { "\\": "quote" } } }));
    await log.append({ ...entry, input: { ...entry.input, arguments: { '"': "quote" } } });
    await log.close();
    const [record] = await collect(readLog(path));
    expect(record?.input.arguments).toEqual({ '"': "quote" });
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 1 });
  });
});

describe("a last record missing only its newline", () => {
  it("is a record: verify counts it, the reader yields it, open appends the newline and continues the chain", async () => {
    const { path, lines } = await threeRecords();
    await writeBytes(path, lines, false);
    const size = (await stat(path)).size;

    expect(await verifyLog(path)).toEqual({ ok: true, count: 3, files: [path], lastHash: JSON.parse(lines[2] as string).hash });
    expect((await collect(readLog(path))).map((r) => r.seq)).toEqual([1, 2, 3]);

    const log = await DecisionLog.open({ path });
    expect(log.recovered).toBeUndefined();
    expect(log.head.seq).toBe(3);
    expect((await stat(path)).size).toBe(size + 1);
    expect((await log.append(sampleEntry(4))).record.seq).toBe(4);
    await log.close();
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 4 });
    expect(await readFile(path, "utf8")).toBe(`${lines.join("\n")}\n${(await readFile(path, "utf8")).split("\n")[3]}\n`);
  });

  it("is a record when it is the only line of the file", async () => {
    const { path, lines } = await threeRecords();
    await writeBytes(path, [lines[0] as string], false);
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 1 });
    const log = await DecisionLog.open({ path });
    expect(log.head.seq).toBe(1);
    await log.close();
    expect(await readFile(path, "utf8")).toBe(`${lines[0]}\n`);
  });

  it("is kept when it ends a rotated file the chain resumes from", async () => {
    const { path, lines } = await threeRecords();
    await writeBytes(`${path}.1`, lines, false);
    await writeFile(path, "");
    const log = await DecisionLog.open({ path });
    expect(log.head.seq).toBe(3);
    await log.append(sampleEntry(4));
    await log.close();
    expect(await verifyLog(path)).toMatchObject({ ok: true, count: 4, files: [`${path}.1`, path] });
  });

  it("a genuinely torn last record (hash does not check, or JSON cut short) is still a torn tail, truncated on open", async () => {
    for (const tear of [(l: string) => l.slice(0, -10), (l: string) => l.replace('"call_3"', '"call_X"')]) {
      const { path, lines } = await threeRecords();
      const torn = tear(lines[2] as string);
      await writeBytes(path, [lines[0] as string, lines[1] as string, torn], false);
      expect(await verifyLog(path)).toMatchObject({ ok: true, count: 2, tornTail: { file: path, line: 3 } });
      expect((await collect(readLog(path))).map((r) => r.seq)).toEqual([1, 2]);
      const log = await DecisionLog.open({ path });
      expect(log.recovered).toMatchObject({ file: path, bytes: Buffer.byteLength(torn) });
      expect(log.head.seq).toBe(2);
      await log.close();
      expect(await readFile(path, "utf8")).toBe(`${lines[0]}\n${lines[1]}\n`);
    }
  });
});
