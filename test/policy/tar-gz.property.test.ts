// readTarGz (src/policy/tar-gz.ts) reads policy bundles instead of the tar
// package, for startup time. Checked against the real thing: archives written
// by tar's own header writer (ustar, PAX for long or non-ASCII names; in
// memory, for many runs) and by tar's create (from disk, fewer runs) read back
// the same files, byte for byte, as tar's own Parser reads them.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync, gunzipSync } from "node:zlib";
import fc from "fast-check";
import { create, Header, Parser, Pax, type ReadEntry } from "tar";
import { afterAll, describe, expect, it } from "vitest";
import { readTarGz, TarFormatError } from "../../src/policy/tar-gz.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";

const work = mkdtempSync(path.join(tmpdir(), "toolgate-tar-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What tar's streaming Parser finds in the archive: regular files by path. */
function parsedByTar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      const chunks: Buffer[] = [];
      entry.on("data", (chunk: Buffer) => chunks.push(chunk));
      entry.on("end", () => {
        if (entry.type === "File") files.set(entry.path.replace(/^\.?\//, ""), Buffer.concat(chunks));
      });
    },
  });
  parser.end(archive);
  return files;
}

const segment = fc.stringMatching(/^[a-zA-Z0-9_.é€-]{1,60}$/).filter((s) => s !== "." && s !== "..");
const filePath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"));
const archiveFiles = fc.uniqueArray(fc.record({ name: filePath, body: fc.uint8Array({ maxLength: 1500 }) }), {
  minLength: 1,
  maxLength: 4,
  selector: (f) => f.name.split("/")[0],
});

/** An archive as tar's WriteEntry lays it out: a PAX header where the ustar one cannot hold the path, then header and padded body. */
function packInMemory(files: Array<{ name: string; body: Uint8Array }>): Buffer {
  const blocks: Buffer[] = [];
  const pad = (n: number): Buffer => Buffer.alloc((512 - (n % 512)) % 512);
  for (const f of files) {
    const fields = { path: f.name, mode: 0o644, uid: 0, gid: 0, size: f.body.length, mtime: new Date(0), type: "File" as const, uname: "", gname: "" };
    const header = new Header(fields);
    if (header.encode()) blocks.push(new Pax(fields).encode());
    blocks.push(header.block!, Buffer.from(f.body), pad(f.body.length));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const sameFiles = (archive: Buffer, files: Array<{ name: string; body: Uint8Array }>): void => {
  const ours = readTarGz(archive);
  const theirs = parsedByTar(gunzipSync(archive));
  expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
  for (const [name, body] of theirs) expect(ours.get(name)?.equals(body)).toBe(true);
  for (const f of files) expect(ours.get(f.name)?.equals(Buffer.from(f.body))).toBe(true);
};

let run = 0;
function writeArchive(files: Array<{ name: string; body: Uint8Array }>): Buffer {
  const dir = path.join(work, `r${run++}`);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f.name)), { recursive: true });
    writeFileSync(path.join(dir, f.name), f.body);
  }
  const out = `${dir}.tar.gz`;
  create({ gzip: true, file: out, cwd: dir, sync: true, portable: true }, files.map((f) => f.name));
  const archive = readFileSync(out);
  rmSync(dir, { recursive: true, force: true });
  rmSync(out);
  return archive;
}

describe("readTarGz", () => {
  it(
    "reads what tar's header writer lays out exactly as tar's Parser reads it",
    () => {
      fc.assert(
        fc.property(archiveFiles, (files) => sameFiles(packInMemory(files), files)),
        { numRuns: fuzzRuns(10_000) },
      );
    },
    fuzzTimeout(),
  );

  it(
    "reads what tar's create writes from disk exactly as tar's Parser reads it",
    () => {
      fc.assert(
        fc.property(archiveFiles, (files) => sameFiles(writeArchive(files), files)),
        { numRuns: fuzzRuns(300) },
      );
    },
    fuzzTimeout(),
  );

  it("refuses what is not a whole, intact archive", () => {
    const archive = gunzipSync(writeArchive([{ name: "policy.wasm", body: new Uint8Array(700) }]));
    expect(() => readTarGz(Buffer.from("not gzip"))).toThrow(TarFormatError);
    expect(() => readTarGz(gzipSync(archive.subarray(0, 600)))).toThrow(/truncated/);
    expect(() => readTarGz(gzipSync(archive.subarray(0, 1024)))).toThrow(/truncated/);
    const tampered = Buffer.from(archive);
    tampered[0] = tampered[0]! ^ 1;
    expect(() => readTarGz(gzipSync(tampered))).toThrow(/checksum/);
    const badSize = Buffer.from(archive);
    badSize.write("9", 124);
    expect(() => readTarGz(gzipSync(badSize))).toThrow(TarFormatError);
  });
});
