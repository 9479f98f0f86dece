import type { DecisionRecord } from "./decision-record.ts";
import { isLineProblem, parseRecordLine, wholeRecord } from "./decision-record.ts";
import { AuditLogCorruptError, AuditLogNotFoundError } from "./errors.ts";
import { listLogFiles, readLines, totalBytes } from "./log-files.ts";

/** Record fields the reader can filter on, by the name the CLI uses. */
export const FILTER_FIELDS = {
  assistant: (r: DecisionRecord) => r.assistant_id,
  tool: (r: DecisionRecord) => r.tool,
  effect: (r: DecisionRecord) => r.result.effect,
  thread: (r: DecisionRecord) => r.thread_id,
  run: (r: DecisionRecord) => r.run_id,
  revision: (r: DecisionRecord) => r.revision,
  /** A hosted MCP tool's server label. */
  server: (r: DecisionRecord) => r.mcp_server_label,
} as const;

export type FilterKey = keyof typeof FILTER_FIELDS;

export interface ReadLogOptions {
  /** Per key, the accepted values: a record matches when every given key has one of its values. */
  filter?: { [K in FilterKey]?: readonly string[] };
  /** Inclusive lower bound on `timestamp`. */
  since?: Date;
  /** Exclusive upper bound on `timestamp`. */
  until?: Date;
  /** Only the last N matching records (held in a ring of N, so memory stays bounded). */
  last?: number;
  /** Called as bytes are read, with the total size of all files. */
  onProgress?: (bytesRead: number, bytesTotal: number) => void;
}

/**
 * Streams the records of a log and its rotated files in chain order. A torn
 * final line (a crash mid-write, never acknowledged to the appender) is
 * skipped, unless its hash checks (then only its newline is missing and it is
 * read); any other unparsable or ambiguous line (a duplicate key: which value
 * would we report?) is an error, since `verify` should look.
 * The reader does not check hashes: that is `verifyLog`'s job.
 */
export async function* readLog(path: string, options: ReadLogOptions = {}): AsyncGenerator<DecisionRecord> {
  const files = await listLogFiles(path);
  if (files.length === 0) throw new AuditLogNotFoundError(path);
  const matches = recordMatcher(options);
  const last = options.last;
  if (last !== undefined && last <= 0) return;

  const total = options.onProgress ? await totalBytes(files) : 0;
  let read = 0;
  const onBytes = options.onProgress && ((n: number) => options.onProgress?.((read += n), total));

  const ring: DecisionRecord[] = [];
  let ringStart = 0;
  for (const file of files) {
    for await (const { text, line, terminated } of readLines(file, onBytes)) {
      if (!terminated && file === files.at(-1) && wholeRecord(text) === undefined) break;
      const record = parseRecordLine(text);
      if (isLineProblem(record)) throw new AuditLogCorruptError(file, `not a decision record (${record.kind}): ${record.detail}`, line);
      if (!matches(record)) continue;
      if (last === undefined) {
        yield record;
      } else if (ring.length < last) {
        ring.push(record);
      } else {
        ring[ringStart] = record;
        ringStart = (ringStart + 1) % last;
      }
    }
  }
  for (let i = 0; i < ring.length; i++) yield ring[(ringStart + i) % ring.length] as DecisionRecord;
}

function recordMatcher(options: ReadLogOptions): (record: DecisionRecord) => boolean {
  const checks: ((r: DecisionRecord) => boolean)[] = [];
  for (const [key, values] of Object.entries(options.filter ?? {}) as [FilterKey, readonly string[] | undefined][]) {
    if (values === undefined || values.length === 0) continue;
    const field = FILTER_FIELDS[key];
    checks.push((r) => {
      const value = field(r);
      return value !== undefined && values.includes(value);
    });
  }
  const since = options.since?.getTime();
  const until = options.until?.getTime();
  if (since !== undefined || until !== undefined) {
    checks.push((r) => {
      const t = Date.parse(r.timestamp);
      return (since === undefined || t >= since) && (until === undefined || t < until);
    });
  }
  return (r) => checks.every((check) => check(r));
}
