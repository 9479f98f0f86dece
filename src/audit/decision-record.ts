import { createHash } from "node:crypto";
import { canonicalJson } from "../canonical-json.ts";
import { scanJson } from "../json/scan-json.ts";
import type { ApprovalOutcome, ApprovalStatus } from "../gate/approval-outcome.ts";
import type { ApprovalHint, Decision, Effect, Reason } from "../gate/decision.ts";
import type { InputDocument } from "../gate/input-document.ts";
import type { GateReason } from "../gate/reason-codes.ts";
import type { Surface } from "../gate/tool-call.ts";

/** OPA decision-log `path` of every toolgate record: the entrypoint that decided. */
export const DECISION_PATH = "toolgate/decision";

/** `prev_hash` of the first record of a chain. */
export const GENESIS_HASH = "0".repeat(64);

/** What a human approver did with a `require_approval` decision, as the log keeps it (no replacement arguments). */
export interface LoggedApproval {
  outcome: ApprovalStatus;
  approver?: string;
  note?: string;
}

/** The gate's code for a deny whose sanitized arguments broke the tool schema (checked against GateReason by the compiler). */
const SANITIZED_ARGUMENTS_INVALID: (typeof GateReason)["sanitizedArgumentsInvalid"] = "sanitized_arguments_invalid";

/** An approval outcome as the log keeps it. */
export function approvalRecord(approval: ApprovalOutcome): LoggedApproval {
  return {
    outcome: approval.status,
    ...(approval.approver === undefined ? {} : { approver: approval.approver }),
    ...(approval.note === undefined ? {} : { note: approval.note }),
  };
}

/** OPA's `result`: the decision document as the gate applied it. */
export interface DecisionResult {
  effect: Effect;
  reasons: Reason[];
  /** Effective arguments (sanitized ones for `sanitize`). */
  arguments: Record<string, unknown>;
  approval?: ApprovalHint;
}

/** OPA-style timers; `timer_eval_us` is the gate's end-to-end decision time. */
export interface DecisionMetrics {
  timer_eval_us: number;
  [name: string]: number;
}

/** A decision record as the gate hands it to the log: everything but the chain fields. */
export interface DecisionEntry {
  decision_id: string;
  /** RFC 3339 with milliseconds, UTC. */
  timestamp: string;
  path: typeof DECISION_PATH;
  /** The input document with secrets removed (see `redactInput`). */
  input: InputDocument;
  result: DecisionResult;
  revision: string;
  metrics: DecisionMetrics;
  surface: Surface;
  assistant_id: string;
  thread_id?: string;
  run_id?: string;
  call_id: string;
  tool: string;
  /** For a hosted MCP tool: its server's label (`input.tool.server_label`); `tool` is then the MCP tool's name. */
  mcp_server_label?: string;
  approval?: LoggedApproval;
  /**
   * Secrets were redacted from this record's strings (input arguments and
   * context, result arguments, reason messages, approval hints and note)
   * because its tool has redact_secrets: replay sees the redacted input.
   */
  secrets_redacted?: true;
}

/** One line of the log. */
export interface DecisionRecord extends DecisionEntry {
  /** 1 for the first record of a chain, +1 per record, across rotated files. */
  seq: number;
  prev_hash: string;
  /** sha256 hex of `prev_hash + canonicalJson(record without hash)`. */
  hash: string;
}

/**
 * True when the gate denied because the policy's sanitized arguments broke the
 * tool schema: the policy said the raw arguments must not travel further, but
 * its rewrite is unusable, so neither set is fit for the log.
 */
export function argumentsWithheld(decision: { effect: string; reasons?: readonly Reason[] }): boolean {
  return decision.effect === "deny" && (decision.reasons ?? []).some((r) => r.code === SANITIZED_ARGUMENTS_INVALID);
}

/**
 * The input as it may be logged: for `sanitize`, the policy said the raw
 * arguments must not travel further, so they are replaced by the sanitized
 * ones; for a deny because the sanitized arguments were invalid, the raw
 * arguments (which hold what the policy wanted removed) are withheld: `{}`.
 */
export function redactInput(
  input: InputDocument,
  decision: Pick<Decision, "effect" | "arguments"> & { reasons?: readonly Reason[] },
): InputDocument {
  // A sanitize decision, or an approval that also redacted secrets, carries the
  // redacted arguments: log those, never the originals.
  if (decision.effect === "sanitize" || decision.effect === "require_approval") {
    return { ...input, arguments: decision.arguments };
  }
  if (argumentsWithheld(decision)) return { ...input, arguments: {} };
  return input;
}

/**
 * Builds the entry for one gate decision. Redaction is applied here too, so a
 * caller that forgets `redactInput` still cannot leak sanitized-away secrets.
 */
export function toDecisionEntry(
  input: InputDocument,
  decision: Decision,
  options?: { approval?: LoggedApproval; secretsRedacted?: boolean; now?: Date },
): DecisionEntry {
  const result: DecisionResult = {
    effect: decision.effect,
    reasons: decision.reasons,
    arguments: argumentsWithheld(decision) ? {} : decision.arguments,
  };
  if (decision.approval !== undefined) result.approval = decision.approval;
  const entry: DecisionEntry = {
    decision_id: decision.decision_id,
    timestamp: options?.now === undefined ? timestampNow() : options.now.toISOString(),
    path: DECISION_PATH,
    input: redactInput(input, decision),
    result,
    revision: decision.revision,
    metrics: { timer_eval_us: decision.duration_us },
    surface: input.surface,
    assistant_id: input.assistant_id,
    call_id: input.call_id,
    tool: input.tool.name,
  };
  if (input.thread_id !== undefined) entry.thread_id = input.thread_id;
  if (input.run_id !== undefined) entry.run_id = input.run_id;
  if (input.tool.type === "mcp") entry.mcp_server_label = input.tool.server_label;
  if (options?.approval !== undefined) entry.approval = options.approval;
  if (options?.secretsRedacted) entry.secrets_redacted = true;
  return entry;
}

let lastMs = Number.NaN;
let lastTimestamp = "";

/** The current time in RFC 3339 with milliseconds: formatted once per millisecond, however many records share it. */
function timestampNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastTimestamp = new Date(ms).toISOString();
  }
  return lastTimestamp;
}

/** The chain hash of a record: covers every field except `hash` itself. */
export function recordHash(record: Omit<DecisionRecord, "hash"> | DecisionRecord): string {
  const { hash: _ignored, ...rest } = record as DecisionRecord;
  return createHash("sha256").update(rest.prev_hash).update(canonicalJson(rest)).digest("hex");
}

/** Adds the chain fields to an entry that is already plain JSON data. */
export function chainRecord(entry: DecisionEntry, seq: number, prevHash: string): DecisionRecord {
  const unhashed = { ...entry, seq, prev_hash: prevHash };
  return { ...unhashed, hash: recordHash(unhashed) };
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Why a log line is not a record: `unparsable` (not JSON, or not shaped like a
 * record) or `ambiguous` (JSON that parsers read differently: a duplicate key,
 * a lone surrogate, a number not written as JSON.stringify writes it; the
 * writer never produces these, so the line was made by someone else).
 */
export interface RecordLineProblem {
  kind: "unparsable" | "ambiguous";
  detail: string;
}

/**
 * Parses one log line strictly (src/json/scan-json.ts), checking just enough
 * shape for the reader's filters and the chain checks to be safe. A record's
 * hash covers its canonical form, so a line that one parser reads one way and
 * another parser another way would verify for both: such lines are refused.
 */
export function parseRecordLine(text: string): DecisionRecord | RecordLineProblem {
  const scanned = scanJson(text, { canonicalNumbers: true });
  if (!scanned.ok) {
    return scanned.problem === "syntax"
      ? { kind: "unparsable", detail: `not JSON (${scanned.message})` }
      : { kind: "ambiguous", detail: `read differently by different JSON parsers: ${scanned.message}` };
  }
  const value = scanned.value;
  const shape = (detail: string): RecordLineProblem => ({ kind: "unparsable", detail });
  if (value === null || typeof value !== "object" || Array.isArray(value)) return shape("not a JSON object");
  const r = value as Record<string, unknown>;
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 1) return shape("missing or invalid seq");
  if (typeof r.prev_hash !== "string" || !HEX64.test(r.prev_hash)) return shape("missing or invalid prev_hash");
  if (typeof r.hash !== "string" || !HEX64.test(r.hash)) return shape("missing or invalid hash");
  if (typeof r.timestamp !== "string") return shape("missing timestamp");
  const result = r.result as Record<string, unknown> | null | undefined;
  if (result === null || typeof result !== "object" || typeof result.effect !== "string") return shape("missing result.effect");
  return value as DecisionRecord;
}

/** True for what parseRecordLine refused. */
export function isLineProblem(parsed: DecisionRecord | RecordLineProblem): parsed is RecordLineProblem {
  return typeof (parsed as RecordLineProblem).detail === "string" && (parsed as DecisionRecord).hash === undefined;
}

/**
 * A line without its trailing newline that is nonetheless a whole record:
 * strictly parsed and its hash matches. Only the newline was lost (a write torn
 * exactly before it, an editor that strips the last newline), never content.
 */
export function wholeRecord(text: string): DecisionRecord | undefined {
  const parsed = parseRecordLine(text);
  return !isLineProblem(parsed) && recordHash(parsed) === parsed.hash ? parsed : undefined;
}
