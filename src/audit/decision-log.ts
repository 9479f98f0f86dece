import { writeSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GENESIS_HASH, isLineProblem, parseRecordLine, recordHash, wholeRecord, type DecisionEntry, type DecisionRecord } from "./decision-record.ts";
import {
  AuditConfigError,
  AuditLogBusyError,
  AuditLogClosedError,
  AuditLogCorruptError,
  AuditRecordError,
  AuditWriteError,
} from "./errors.ts";
import { listLogFiles, rotationNumber } from "./log-files.ts";
import { encodeRecord } from "./record-encoder.ts";
import { parseOwnJson } from "../json/parse-own-json.ts";

/**
 * When `append` resolves:
 * - "fsync": after the record's own write + fdatasync;
 * - "group": after an fdatasync that covers the record, shared with the records
 *   appended during the same window (higher throughput, same guarantee);
 * - "none": after the write reached the OS (lost on power failure, not on a crash of this process).
 */
export type Durability = "fsync" | "group" | "none";

export interface DecisionLogOptions {
  path: string;
  /** Default "group". */
  durability?: Durability;
  /** Rotate before a record would make the current file larger than this. Default: never rotate. */
  maxBytes?: number;
  /**
   * "group" only: how long a batch waits for more records before its fsync.
   * Default 0: a batch is whatever queued while the previous write + fsync ran,
   * which already groups under load without taxing a lone caller (see test/bench/audit-append.ts).
   * A window only pays where fsync is slow and callers arrive close together.
   */
  groupCommitMs?: number;
}

export interface AppendedRecord {
  /** The record as written (read back from its line on first use). */
  readonly record: DecisionRecord;
  /** The file the record was written to (rotation may have started a new one). */
  readonly file: string;
}

class WrittenRecord implements AppendedRecord {
  readonly file: string;
  readonly #line: Buffer;
  #record: DecisionRecord | undefined;

  constructor(file: string, line: Buffer) {
    this.file = file;
    this.#line = line;
  }

  get record(): DecisionRecord {
    this.#record ??= parseOwnJson(this.#line.toString("utf8")) as DecisionRecord;
    return this.#record;
  }
}

/** What `open` found and repaired: the bytes of a write a crash tore off the end of the log. */
export interface TornTail {
  file: string;
  /** Offset the file was truncated to. */
  offset: number;
  bytes: number;
}

/** The callers of `write` whose records went into one batch: one promise for all of them. */
class SharedAck {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;
  /** Records of this group not yet acknowledged. */
  unacknowledged = 0;

  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** A record queued for writing, with who waits for it: an `append` caller of its own, or a `write` group. */
interface Pending {
  line: Buffer;
  resolve: ((appended: AppendedRecord) => void) | undefined;
  reject: ((err: unknown) => void) | undefined;
  shared: SharedAck | undefined;
}

interface ChainHead {
  seq: number;
  hash: string;
}

const DEFAULT_GROUP_COMMIT_MS = 0;

/**
 * "group": how many fdatasyncs may run at once. With one, the callers of the
 * next batch wait for the running sync before theirs starts, and the process
 * idles while every caller waits; a second sync, started as soon as its batch
 * is written, overlaps with the first (each record still resolves only after a
 * sync that started after its write).
 */
const SYNCS_IN_FLIGHT = 2;

/**
 * Append-only, hash-chained JSONL decision log with one writer per file.
 * Chain fields are assigned synchronously in `append`, so concurrent callers
 * are ordered by call order; a single pump writes the queue in that order.
 */
export class DecisionLog {
  readonly path: string;
  readonly durability: Durability;
  /** Set when `open` truncated a torn final line left by a crash. */
  readonly recovered: TornTail | undefined;

  readonly #maxBytes: number;
  readonly #groupCommitMs: number;
  #file: FileHandle;
  #size: number;
  #head: ChainHead;
  #queue: Pending[] = [];
  /** When the first record now queued was queued ("group" with groupCommitMs). */
  #queuedSince = 0;
  /** The group `write` callers join until the queue is taken for a batch. */
  #shared: SharedAck | undefined;
  #pumping = false;
  /** While pumping: what close() waits for, made only when asked (most pumps run unobserved). */
  #idle: Promise<void> | undefined;
  #markIdle: (() => void) | undefined;
  #failure: AuditWriteError | undefined;
  /** "group": fdatasyncs running, each with the batch it makes durable. */
  readonly #syncing = new Map<Promise<void>, Pending[]>();
  #closed = false;
  #records = 0;
  #writes = 0;
  #syncs = 0;

  private constructor(
    options: Required<Omit<DecisionLogOptions, "maxBytes">> & { maxBytes: number },
    file: FileHandle,
    size: number,
    head: ChainHead,
    recovered: TornTail | undefined,
  ) {
    this.path = options.path;
    this.durability = options.durability;
    this.#maxBytes = options.maxBytes;
    this.#groupCommitMs = options.groupCommitMs;
    this.#file = file;
    this.#size = size;
    this.#head = head;
    this.recovered = recovered;
  }

  /**
   * Opens (or creates) the log and resumes its chain from the last record on
   * disk. A torn final line is truncated away and reported in `recovered`; a
   * damaged complete last record is an error, because extending a chain whose
   * head cannot be trusted would hide the damage.
   */
  static async open(options: DecisionLogOptions): Promise<DecisionLog> {
    const durability = options.durability ?? "group";
    if (!["fsync", "group", "none"].includes(durability)) {
      throw new AuditConfigError(`durability must be "fsync", "group" or "none", got ${JSON.stringify(durability)}`);
    }
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    if (!(maxBytes > 0)) throw new AuditConfigError(`maxBytes must be a positive number of bytes, got ${maxBytes}`);
    const groupCommitMs = options.groupCommitMs ?? DEFAULT_GROUP_COMMIT_MS;
    if (!(groupCommitMs >= 0)) throw new AuditConfigError(`groupCommitMs must be >= 0, got ${groupCommitMs}`);

    await mkdir(dirname(options.path), { recursive: true });
    const lock = await acquireLock(options.path);
    let file: FileHandle | undefined;
    try {
      const existed = await exists(options.path);
      // "a+": O_APPEND guarantees every write lands at the end even if the offset bookkeeping were wrong.
      file = await open(options.path, "a+");
      if (!existed && durability !== "none") await syncDirectory(options.path);
      const tail = await readLastRecord(file, options.path, true);
      let head: ChainHead | undefined = tail.record && { seq: tail.record.seq, hash: tail.record.hash };
      if (head === undefined) {
        // An empty current file: the chain continues from the newest rotated file, if any
        // (e.g. a crash between rotation's rename and the first write to the new file).
        const rotated = (await listLogFiles(options.path)).filter((f) => f !== options.path).at(-1);
        if (rotated !== undefined) {
          const previous = await open(rotated, "r");
          try {
            const last = (await readLastRecord(previous, rotated, false)).record;
            if (last !== undefined) head = { seq: last.seq, hash: last.hash };
          } finally {
            await previous.close();
          }
        }
      }
      return new DecisionLog(
        { path: options.path, durability, maxBytes, groupCommitMs },
        file,
        tail.size,
        head ?? { seq: 0, hash: GENESIS_HASH },
        tail.torn,
      );
    } catch (err) {
      await file?.close();
      await rm(lock, { force: true });
      throw err;
    }
  }

  /** seq and hash of the last record appended (seq 0 and the genesis hash for an empty chain). */
  get head(): Readonly<ChainHead> {
    return { ...this.#head };
  }

  /** Records made durable (per the mode) since open, and the writes and fdatasyncs that took. */
  get stats(): { records: number; writes: number; syncs: number } {
    return { records: this.#records, writes: this.#writes, syncs: this.#syncs };
  }

  /**
   * Appends a record; resolves once it is durable per the log's durability mode.
   * `inputJson`, when given, must be the canonical JSON text of `entry.input`
   * (src/json/canonical-text.ts): it is spliced into the line as it is; so is
   * `resultArgumentsJson`, given only with it, for `entry.result.arguments`.
   */
  append(entry: DecisionEntry, inputJson?: string, resultArgumentsJson?: string): Promise<AppendedRecord> {
    const line = this.#encode(entry, inputJson, resultArgumentsJson);
    if (!(line instanceof Buffer)) return Promise.reject(line);
    return new Promise((resolve, reject) => this.#enqueue({ line, resolve, reject, shared: undefined }));
  }

  /**
   * `append` for a caller that needs only to know when the record is durable:
   * the records queued together share one promise (per record with "fsync").
   */
  write(entry: DecisionEntry, inputJson?: string, resultArgumentsJson?: string): Promise<void> {
    const line = this.#encode(entry, inputJson, resultArgumentsJson);
    if (!(line instanceof Buffer)) return Promise.reject(line);
    let shared = this.durability === "fsync" ? undefined : this.#shared;
    if (shared === undefined) {
      shared = new SharedAck();
      if (this.durability !== "fsync") this.#shared = shared;
    }
    shared.unacknowledged += 1;
    this.#enqueue({ line, resolve: undefined, reject: undefined, shared });
    return shared.promise;
  }

  /** The record's line with the next chain fields, which it takes; or the error to reject with (nothing taken). */
  #encode(entry: DecisionEntry, inputJson: string | undefined, resultArgumentsJson: string | undefined): Buffer | Error {
    if (this.#closed) return new AuditLogClosedError(this.path);
    if (this.#failure !== undefined) return this.#failure;
    const seq = this.#head.seq + 1;
    try {
      // One walk of the entry makes both the line and the hashed canonical form, from the
      // values a reader will parse back (see encodeRecord: lone surrogates become U+FFFD, one
      // in a tool name the model wrote must not make the log unreadable; bigint and cycles fail here).
      const encoded = encodeRecord(entry, seq, this.#head.hash, inputJson, resultArgumentsJson);
      this.#head = { seq, hash: encoded.hash };
      return encoded.line;
    } catch (err) {
      return new AuditRecordError(`the decision record cannot be stored as JSON: ${String(err)}`, err);
    }
  }

  #enqueue(pending: Pending): void {
    if (this.#queue.length === 0 && this.#groupCommitMs > 0) this.#queuedSince = performance.now();
    this.#queue.push(pending);
    this.#pump();
  }

  /** Waits for every pending append, syncs and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pumping) await (this.#idle ??= new Promise((resolve) => (this.#markIdle = resolve)));
    await this.#settled();
    try {
      if (this.#failure === undefined && this.durability !== "none") await this.#file.datasync();
    } finally {
      await this.#file.close();
      await rm(lockPath(this.path), { force: true });
    }
  }

  /**
   * Starts the pump. "group" waits for the next turn of the event loop, so
   * that everything appended during this turn (a burst of concurrent callers,
   * each deciding in turn) is one fdatasync: a batch per turn rather than a
   * first record synced alone. "none" writes once the microtasks queued before
   * its first record have run: concurrent callers still share a write, and a
   * caller awaiting each decision in turn does not pay an event-loop turn
   * (a poll of the OS) per record.
   */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    if (this.durability === "fsync") void this.#drain();
    else if (this.durability === "none") queueMicrotask(() => void this.#drain());
    else setImmediate(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    try {
      // The loop condition and the `finally` run in one synchronous step after the last
      // await, so an append can never slip in between and find the pump stopped.
      while (this.#queue.length > 0) {
        if (this.#syncing.size >= SYNCS_IN_FLIGHT) {
          await Promise.race(this.#syncing.keys());
          if (this.#failure !== undefined) return;
          continue;
        }
        if (this.durability === "group" && this.#groupCommitMs > 0) {
          const wait = this.#queuedSince + this.#groupCommitMs - performance.now();
          if (wait > 0) await sleep(wait);
        }
        let batch: Pending[];
        if (this.durability === "fsync") batch = this.#queue.splice(0, 1);
        else {
          // Records appended from here on form the next batch, and their `write` callers the next group.
          batch = this.#queue;
          this.#queue = [];
          this.#shared = undefined;
        }
        try {
          // "none" with no rotation due: written and acknowledged right here, without the asynchronous steps.
          if (this.durability === "none" && this.#fitsFile(batch)) {
            this.#writeOut(batch);
            this.#acknowledge(batch);
          } else {
            await this.#write(batch);
          }
        } catch (err) {
          this.#fail(err, [...batch, ...this.#queue.splice(0)]);
          return;
        }
      }
    } finally {
      this.#pumping = false;
      const markIdle = this.#markIdle;
      this.#idle = undefined;
      this.#markIdle = undefined;
      markIdle?.();
    }
  }

  /** Whether #write would write the batch without rotating: all of it fits in the current file (or it is one record into an empty file). */
  #fitsFile(batch: Pending[]): boolean {
    let bytes = this.#size;
    for (const pending of batch) bytes += pending.line.length;
    return bytes <= this.#maxBytes || (batch.length === 1 && this.#size === 0);
  }

  /**
   * Writes a batch with one write + one sync per file it spans, rotating where a
   * record would overflow `maxBytes`. Each record resolves as soon as its own
   * sync is done; if a later step fails, rejecting it again is a no-op.
   */
  async #write(batch: Pending[]): Promise<void> {
    let chunk: Pending[] = [];
    let chunkBytes = 0;
    for (const pending of batch) {
      const used = this.#size + chunkBytes;
      if (used > 0 && used + pending.line.length > this.#maxBytes) {
        await this.#flush(chunk);
        chunk = [];
        chunkBytes = 0;
        await this.#rotate();
      }
      chunk.push(pending);
      chunkBytes += pending.line.length;
    }
    await this.#flush(chunk);
  }

  /**
   * Writes a chunk with one write, then (unless "none") one fdatasync ("group":
   * started, not awaited; see #startSync). The write is synchronous: appending a
   * batch to the page cache takes microseconds, less than handing it to the
   * thread pool and back; only the sync waits off-thread.
   */
  async #flush(chunk: Pending[]): Promise<void> {
    if (chunk.length === 0) return;
    this.#writeOut(chunk);
    if (this.durability === "group") {
      this.#startSync(chunk);
      return;
    }
    // fdatasync suffices: it flushes the file size too, which is all the metadata an append needs.
    if (this.durability !== "none") {
      await this.#file.datasync();
      this.#syncs += 1;
    }
    this.#acknowledge(chunk);
  }

  /** The chunk's lines with one write (as many writeSync calls as a short write needs). */
  #writeOut(chunk: Pending[]): void {
    const data = contiguous(chunk) ?? Buffer.concat(chunk.map((p) => p.line));
    for (let offset = 0; offset < data.length; ) offset += writeSync(this.#file.fd, data, offset, data.length - offset);
    this.#size += data.length;
    this.#writes += 1;
  }

  #acknowledge(chunk: Pending[]): void {
    this.#records += chunk.length;
    for (const p of chunk) {
      if (p.resolve !== undefined) p.resolve(new WrittenRecord(this.path, p.line));
      else if (p.shared !== undefined && --p.shared.unacknowledged === 0) p.shared.resolve();
    }
  }

  /**
   * "group": starts the fdatasync that makes `chunk` durable (written just
   * before) and returns; its records resolve when it completes. A failed sync
   * rejects every record not yet acknowledged (those of the other running sync
   * too: after a failed fdatasync, a later success proves nothing about pages
   * the kernel dropped) and stops the log.
   */
  #startSync(chunk: Pending[]): void {
    const sync: Promise<void> = this.#file.datasync().then(
      () => {
        this.#syncing.delete(sync);
        if (this.#failure !== undefined) return;
        this.#syncs += 1;
        this.#acknowledge(chunk);
      },
      (err: unknown) => {
        this.#syncing.delete(sync);
        if (this.#failure !== undefined) return;
        this.#fail(err, [...chunk, ...this.#queue.splice(0)]);
      },
    );
    this.#syncing.set(sync, chunk);
  }

  /** Resolves once no fdatasync is running. */
  async #settled(): Promise<void> {
    while (this.#syncing.size > 0) await Promise.all(this.#syncing.keys());
  }

  /**
   * Renames the current file to `<path>.<n+1>` and starts a new one; the chain
   * simply continues. Run only from the pump, so no write races the rename.
   */
  async #rotate(): Promise<void> {
    await this.#settled();
    if (this.#failure !== undefined) throw this.#failure;
    if (this.durability !== "none") await this.#file.datasync();
    await this.#file.close();
    const base = basename(this.path);
    const files = await listLogFiles(this.path);
    const newest = Math.max(0, ...files.map((f) => rotationNumber(base, basename(f)) ?? 0));
    await rename(this.path, `${this.path}.${newest + 1}`);
    this.#file = await open(this.path, "a+");
    this.#size = 0;
    if (this.durability !== "none") await syncDirectory(this.path);
  }

  /** Stops the log: `pending` and every record whose sync is still running are rejected (rejecting a resolved one is a no-op). */
  #fail(cause: unknown, pending: Pending[]): void {
    this.#failure = new AuditWriteError(this.path, cause);
    for (const p of [...pending, ...[...this.#syncing.values()].flat()]) (p.reject ?? p.shared?.reject)?.(this.#failure);
  }
}

/** The chunk's lines as one view when they follow each other in one buffer (encodeRecord's slab), else undefined. */
function contiguous(chunk: Pending[]): Buffer | undefined {
  const first = (chunk[0] as Pending).line;
  let end = first.byteOffset + first.length;
  for (let i = 1; i < chunk.length; i++) {
    const line = (chunk[i] as Pending).line;
    if (line.buffer !== first.buffer || line.byteOffset !== end) return undefined;
    end += line.length;
  }
  return chunk.length === 1 ? first : Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
}

function lockPath(path: string): string {
  return `${path}.lock`;
}

/**
 * One writer per log: `<path>.lock` holds the writer's pid. A lock whose
 * process is gone (a crash, SIGKILL) is stale and taken over. Two writers
 * taking over the same stale lock at the same instant could both win; that
 * needs two crashed-and-restarted writers racing on one file, which a
 * deployment that gives each writer its own log never has.
 */
async function acquireLock(path: string): Promise<string> {
  const lock = lockPath(path);
  for (;;) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: "wx" });
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const pid = Number((await readFile(lock, "utf8").catch(() => "")).trim());
    if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) throw new AuditLogBusyError(path, pid);
    await rm(lock, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/** Makes a created or renamed directory entry durable (POSIX; Windows cannot open directories). */
async function syncDirectory(path: string): Promise<void> {
  if (process.platform === "win32") return;
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

const TAIL_CHUNK = 64 * 1024;

/**
 * Finds the last complete record of a file by reading backwards from its end,
 * so opening a large log costs one small read. Bytes after the last newline
 * that are a record whose hash checks lost only their newline: it is appended
 * (when `repair` is set) and the record kept. Other bytes there are a torn
 * write: truncated when `repair` is set, an error otherwise (a rotated file was
 * synced whole before it was renamed, so it cannot have one).
 */
async function readLastRecord(
  file: FileHandle,
  path: string,
  repair: boolean,
): Promise<{ record: DecisionRecord | undefined; size: number; torn: TornTail | undefined }> {
  let size = (await file.stat()).size;
  let torn: TornTail | undefined;
  let tail = Buffer.alloc(0);
  let end = size;
  // Accumulate chunks from the end until the buffer holds the last newline and the one before it.
  const lineBounds = (): { last: number; prev: number } => {
    const last = tail.lastIndexOf(0x0a);
    return { last, prev: last > 0 ? tail.lastIndexOf(0x0a, last - 1) : -1 };
  };
  let bounds = lineBounds();
  while (end > 0 && (bounds.last === -1 || bounds.prev === -1)) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const chunk = Buffer.alloc(end - start);
    await file.read(chunk, 0, chunk.length, start);
    tail = Buffer.concat([chunk, tail]);
    end = start;
    bounds = lineBounds();
  }
  const tailStart = size - tail.length;
  const completeEnd = tailStart + bounds.last + 1; // bytes [0, completeEnd) are whole lines
  if (completeEnd < size) {
    // A record whose hash checks lost only its newline (torn exactly before it): keep it, finish its line.
    const whole = wholeRecord(tail.subarray(bounds.last + 1).toString("utf8"));
    if (whole !== undefined) {
      if (repair) {
        await file.write("\n");
        await file.datasync();
        size += 1;
      }
      return { record: whole, size, torn };
    }
    if (!repair) throw new AuditLogCorruptError(path, "unterminated final line in a rotated file");
    torn = { file: path, offset: completeEnd, bytes: size - completeEnd };
    await file.truncate(completeEnd);
    await file.datasync();
    size = completeEnd;
  }
  if (bounds.last === -1) return { record: undefined, size, torn };
  const text = tail.subarray(bounds.prev + 1, bounds.last).toString("utf8");
  const parsed = parseRecordLine(text);
  if (isLineProblem(parsed) || recordHash(parsed) !== parsed.hash) {
    const why = isLineProblem(parsed) ? `${parsed.kind}: ${parsed.detail}` : "its hash does not match its content";
    throw new AuditLogCorruptError(path, `the last record is damaged (${why})`);
  }
  return { record: parsed, size, torn };
}
