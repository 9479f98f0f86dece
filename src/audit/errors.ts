import { ToolgateError } from "../errors.ts";

/** No log file (current or rotated) exists at the given path. */
export class AuditLogNotFoundError extends ToolgateError {
  constructor(path: string) {
    super("audit_log_not_found", `no decision log at ${path} (the path given to DecisionLog.open; for the CLI: --log FILE or TOOLGATE_AUDIT_LOG)`);
  }
}

/** A complete line of the log is not a decision record, so the chain cannot be trusted or extended. */
export class AuditLogCorruptError extends ToolgateError {
  /** `line` is omitted when the damage was found by reading backwards from the end. */
  constructor(file: string, detail: string, line?: number) {
    super(
      "audit_log_corrupt",
      `${file}${line === undefined ? "" : `:${line}`}: ${detail}; run \`policy audit verify\` on the log and move the damaged files aside before writing to it again`,
      { exitCode: 1 },
    );
  }
}

/** The writer was configured with values it cannot honour. */
export class AuditConfigError extends ToolgateError {
  constructor(message: string) {
    super("audit_config_invalid", message);
  }
}

/** The record handed to `append` cannot be stored as JSON. */
export class AuditRecordError extends ToolgateError {
  constructor(message: string, cause?: unknown) {
    super("audit_record_invalid", message, { cause });
  }
}

/** `append` after `close()`. */
export class AuditLogClosedError extends ToolgateError {
  constructor(path: string) {
    super("audit_log_closed", `the decision log ${path} is closed; open it again with DecisionLog.open()`);
  }
}

/**
 * Writing or syncing failed. The in-memory chain head may now be ahead of the
 * disk, so the writer refuses every later append until it is reopened (which
 * resumes from what actually reached the disk).
 */
export class AuditWriteError extends ToolgateError {
  constructor(path: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("audit_write_failed", `could not write the decision log ${path}: ${why}; reopen the log once the cause is fixed`, {
      cause,
    });
  }
}

/** Another live writer holds the log; two writers would fork the chain. */
export class AuditLogBusyError extends ToolgateError {
  constructor(path: string, pid: number) {
    super(
      "audit_log_busy",
      `the decision log ${path} is already open for writing by process ${pid}; give each writer its own log file, or close the other writer (lock: ${path}.lock)`,
    );
  }
}
