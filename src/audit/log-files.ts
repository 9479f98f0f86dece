import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * How a log lies on disk: `<path>` is the file being written; rotation renames
 * it to `<path>.<n>` with n = 1, 2, ... so a larger n is newer. Chain order is
 * therefore `<path>.1`, `<path>.2`, ..., `<path>`.
 */
export async function listLogFiles(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const rotated = names
    .map((name) => ({ name, n: rotationNumber(base, name) }))
    .filter((f): f is { name: string; n: number } => f.n !== undefined)
    .sort((a, b) => a.n - b.n)
    .map((f) => join(dir, f.name));
  return names.includes(base) ? [...rotated, path] : rotated;
}

/** The n of `<base>.<n>`, or undefined when `name` is not a rotated file of `base`. */
export function rotationNumber(base: string, name: string): number | undefined {
  if (!name.startsWith(`${base}.`)) return undefined;
  const suffix = name.slice(base.length + 1);
  return /^[1-9][0-9]*$/.test(suffix) ? Number(suffix) : undefined;
}

/** Total size of the files, for progress reporting. */
export async function totalBytes(files: readonly string[]): Promise<number> {
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  return sizes.reduce((a, b) => a + b, 0);
}

export interface LogLine {
  text: string;
  /** 1-based line number within the file. */
  line: number;
  /** False only for trailing bytes with no newline: a write torn by a crash. */
  terminated: boolean;
}

const NEWLINE = 0x0a;

/**
 * Streams the lines of a file without loading it whole. Unlike node:readline it
 * says whether the last line ended with a newline, which is how a torn write is
 * told apart from a complete record. `onBytes` receives each chunk's size.
 */
export async function* readLines(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<LogLine> {
  let pending: Buffer[] = [];
  let line = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    onBytes?.(chunk.length);
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      line += 1;
      // Splitting on the newline byte is safe in UTF-8: it never occurs inside a multi-byte sequence.
      let text: string;
      if (pending.length === 0) {
        text = chunk.toString("utf8", start, nl); // the common case: the line lies within one chunk, no copy
      } else {
        pending.push(chunk.subarray(start, nl));
        text = Buffer.concat(pending).toString("utf8");
        pending = [];
      }
      yield { text, line, terminated: true };
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield { text: Buffer.concat(pending).toString("utf8"), line: line + 1, terminated: false };
}
