import { gunzipSync } from "node:zlib";

const BLOCK = 512;
/** The largest output chunk gunzip is asked for at once; a bigger archive takes several. */
const MAX_CHUNK = 16 * 1024 * 1024;

/** A .tar.gz that cannot be read as one; readBundle turns it into a BundleLoadError. */
export class TarFormatError extends Error {
  readonly code = "TAR_FORMAT";
}

function text(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return Buffer.from(end === -1 ? field : field.subarray(0, end)).toString("utf8");
}

function octal(block: Uint8Array, start: number, length: number, what: string): number {
  const raw = text(block, start, length).trim();
  if (!/^[0-7]+$/.test(raw)) throw new TarFormatError(`a tar header's ${what} is not an octal number (${JSON.stringify(raw)})`);
  return Number.parseInt(raw, 8);
}

function checksumOk(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === octal(block, 148, 8, "checksum");
}

/** The `path` record of a PAX extended header ("<len> path=<value>\n" records), if any. */
function paxPath(data: Uint8Array): string | undefined {
  let at = 0;
  let found: string | undefined;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) throw new TarFormatError("a PAX header record has no length");
    const length = Number(Buffer.from(data.subarray(at, space)).toString("ascii"));
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > data.length) throw new TarFormatError("a PAX header record has a bad length");
    const record = Buffer.from(data.subarray(space + 1, at + length - 1)).toString("utf8");
    const eq = record.indexOf("=");
    if (eq !== -1 && record.slice(0, eq) === "path") found = record.slice(eq + 1);
    at += length;
  }
  return found;
}

/**
 * gzip's trailer states the uncompressed size (mod 2^32): inflating into one
 * buffer of that size, instead of zlib's default 16 KiB chunks and a final
 * concatenation, halves a cold start's gunzip. Only a size hint: a wrong one
 * costs more chunks, never a different result.
 */
function outputChunkSize(compressed: Uint8Array): number {
  if (compressed.length < 18) return 16 * 1024;
  const stated = new DataView(compressed.buffer, compressed.byteOffset, compressed.byteLength).getUint32(compressed.length - 4, true);
  return Math.min(Math.max(stated + 1, 16 * 1024), MAX_CHUNK);
}

/**
 * The regular files of a gzip-compressed tar archive (ustar, with PAX and GNU
 * long names), by path without a leading "/" or "./". Reads the whole archive
 * in memory: a policy bundle is small, and this costs far less at startup than
 * a streaming tar library. Anything malformed throws TarFormatError.
 */
export function readTarGz(compressed: Uint8Array): Map<string, Buffer> {
  let archive: Buffer;
  try {
    archive = gunzipSync(compressed, { chunkSize: outputChunkSize(compressed) });
  } catch (err) {
    throw new TarFormatError(`not gzip data: ${(err as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  let nextPath: string | undefined;
  let at = 0;
  for (;;) {
    if (at + BLOCK > archive.length) throw new TarFormatError("the archive ends inside a header (truncated)");
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) return files;
    if (!checksumOk(header)) throw new TarFormatError(`a tar header at byte ${at} has a bad checksum`);
    const size = octal(header, 124, 12, "size");
    const type = String.fromCharCode(header[156]!);
    const start = at + BLOCK;
    if (start + size > archive.length) throw new TarFormatError("the archive ends inside a file (truncated)");
    const data = archive.subarray(start, start + size);
    at = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      nextPath = paxPath(data) ?? nextPath;
      continue;
    }
    if (type === "L") {
      nextPath = text(data, 0, data.length);
      continue;
    }
    const name = text(header, 0, 100);
    const prefix = text(header, 257, 6) === "ustar" ? text(header, 345, 155) : "";
    const path = nextPath ?? (prefix ? `${prefix}/${name}` : name);
    nextPath = undefined;
    if (type === "0" || type === "\0" || type === "7") files.set(path.replace(/^\.?\//, ""), Buffer.from(data));
  }
}
