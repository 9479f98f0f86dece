import { GENESIS_HASH, isLineProblem, parseRecordLine, recordHash, wholeRecord } from "./decision-record.ts";
import { AuditLogNotFoundError } from "./errors.ts";
import { listLogFiles, readLines, totalBytes } from "./log-files.ts";

/** `ambiguous`: JSON that parsers read differently (duplicate key, lone surrogate, non-canonical number). */
export type BreakKind = "unparsable" | "ambiguous" | "bad_hash" | "seq_gap" | "prev_hash_mismatch";

/** The first record at which the chain does not hold. */
export interface ChainBreak {
  kind: BreakKind;
  file: string;
  /** 1-based line within `file`. */
  line: number;
  /** The record's seq, when the line parsed far enough to have one. */
  seq?: number;
  message: string;
}

export type VerifyResult =
  | {
      ok: true;
      /** Records checked. */
      count: number;
      files: string[];
      /** Hash of the last record: pin it elsewhere to detect later truncation of the tail. */
      lastHash: string;
      /** Unterminated bytes at the end of the current file: a write torn by a crash, not a record. */
      tornTail?: { file: string; line: number };
    }
  | { ok: false; count: number; files: string[]; break: ChainBreak };

export interface VerifyOptions {
  onProgress?: (bytesRead: number, bytesTotal: number) => void;
}

/**
 * Checks the whole chain, across rotated files, streaming. Per record, in this
 * order: it parses, strictly (a duplicate key, a lone surrogate or a
 * non-canonical number is an `ambiguous` break: parsers disagree on what such a
 * record says, yet its hash would check for each of them); its hash matches its content (catches edits); its seq is
 * the previous seq + 1 (catches deletion and reordering, and names the gap);
 * its prev_hash is the previous record's hash (catches splicing records from
 * elsewhere). Stops at the first break.
 *
 * What a hash chain without an external anchor cannot catch: removing records
 * from the end. Compare `lastHash` with a value kept elsewhere for that.
 */
export async function verifyLog(path: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const files = await listLogFiles(path);
  if (files.length === 0) throw new AuditLogNotFoundError(path);
  const total = options.onProgress ? await totalBytes(files) : 0;
  let read = 0;
  const onBytes = options.onProgress && ((n: number) => options.onProgress?.((read += n), total));

  let count = 0;
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  const broken = (b: ChainBreak): VerifyResult => ({ ok: false, count, files, break: b });

  for (const file of files) {
    for await (const { text, line, terminated } of readLines(file, onBytes)) {
      // An unterminated last line whose hash checks lost only its newline: it is a record.
      if (!terminated && file === files.at(-1) && wholeRecord(text) === undefined) {
        return { ok: true, count, files, lastHash: prevHash, tornTail: { file, line } };
      }
      const record = parseRecordLine(text);
      if (isLineProblem(record)) {
        return broken({ kind: record.kind, file, line, message: `line is not a decision record: ${record.detail}` });
      }
      const at = { file, line, seq: record.seq };
      if (recordHash(record) !== record.hash) {
        return broken({ kind: "bad_hash", ...at, message: `seq ${record.seq}: hash does not match the record's content (edited?)` });
      }
      if (record.seq !== prevSeq + 1) {
        const what = record.seq > prevSeq + 1 ? `records ${prevSeq + 1}..${record.seq - 1} missing` : "out of order or duplicated";
        return broken({ kind: "seq_gap", ...at, message: `expected seq ${prevSeq + 1}, found ${record.seq} (${what})` });
      }
      if (record.prev_hash !== prevHash) {
        return broken({
          kind: "prev_hash_mismatch",
          ...at,
          message: `seq ${record.seq}: prev_hash ${record.prev_hash.slice(0, 12)}… is not the hash of the record before it (${prevHash.slice(0, 12)}…)`,
        });
      }
      count += 1;
      prevSeq = record.seq;
      prevHash = record.hash;
    }
  }
  return { ok: true, count, files, lastHash: prevHash };
}
