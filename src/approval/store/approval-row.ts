import type { ApprovalHint, Reason } from "../../gate/decision.ts";
import type { ToolCall } from "../../gate/tool-call.ts";
import { UnreadableApprovalError } from "../errors.ts";
import type { ApprovalListing, ApprovalState, StoredApproval, UnreadableApproval } from "./approval-store.ts";

/** One approvals row as both stores return it (JSON columns as text from SQLite, already parsed by pg from PostgreSQL json). */
export interface ApprovalRow {
  id: string;
  binding: string;
  call: string | object;
  arguments: string | object;
  reasons: string | object;
  hint: string | object | null;
  summary: string;
  revision: string;
  created_at: string | Date;
  expires_at: string | Date;
  state: string;
  decided_at: string | Date | null;
  decided_by: string | null;
  note: string | null;
  approved_arguments: string | object | null;
  consumed_at: string | Date | null;
  resumed_at: string | Date | null;
  resume: string | object | null;
}

const STATES: ReadonlySet<string> = new Set(["pending", "approved", "rejected", "expired"]);

type Shape = "object" | "array" | "any";

/** How a store hands back its JSON columns: SQLite as the text written, pg as the parsed value (a JSON string is then a JS string, not text to parse again). */
export type JsonColumns = "text" | "parsed";

/**
 * Reads a row back into an approval, checking what the stores cannot
 * (SQLite keeps any text in a column; PostgreSQL any JSON, and `infinity` as
 * a time). Throws UnreadableApprovalError naming the column, never the row's
 * content (it is the model's text).
 */
export function approvalFromRow(row: ApprovalRow, jsonColumns: JsonColumns): StoredApproval {
  const id = typeof row.id === "string" && row.id !== "" ? row.id : "(no id)";
  const unreadable = (problem: string): never => {
    throw new UnreadableApprovalError(id, problem);
  };
  const json = (name: keyof ApprovalRow, shape: Shape): unknown => {
    const value: unknown = row[name];
    let parsed: unknown;
    if (jsonColumns === "text") {
      if (typeof value !== "string") return unreadable(`column ${name} is not text`);
      try {
        parsed = JSON.parse(value);
      } catch {
        return unreadable(`column ${name} is not JSON`);
      }
    } else {
      parsed = value;
    }
    const isObject = parsed !== null && typeof parsed === "object";
    if (shape === "object" && (!isObject || Array.isArray(parsed))) unreadable(`column ${name} is not a JSON object`);
    if (shape === "array" && !Array.isArray(parsed)) unreadable(`column ${name} is not a JSON array`);
    return parsed;
  };
  const optionalJson = (name: keyof ApprovalRow, shape: Shape): unknown => (row[name] === null ? undefined : json(name, shape));
  const text = (name: keyof ApprovalRow): string => {
    const value: unknown = row[name];
    return typeof value === "string" ? value : unreadable(`column ${name} is not text`);
  };
  const optionalText = (name: keyof ApprovalRow): string | undefined => (row[name] === null ? undefined : text(name));
  const time = (name: keyof ApprovalRow): string => {
    const value: unknown = row[name];
    if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return value;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    return unreadable(`column ${name} is not a time`);
  };
  const optionalTime = (name: keyof ApprovalRow): string | undefined => (row[name] === null ? undefined : time(name));

  if (id === "(no id)") unreadable("no id");
  const state = text("state");
  if (!STATES.has(state)) unreadable("unknown state");
  // A JSON null hint (a JavaScript caller's hint: null) is no hint, as before.
  const hint = (row.hint === null || (jsonColumns === "text" && row.hint === "null") ? undefined : json("hint", "object")) as ApprovalHint | undefined;
  const decidedAt = optionalTime("decided_at");
  const decidedBy = optionalText("decided_by");
  const note = optionalText("note");
  const approvedArguments = optionalJson("approved_arguments", "object") as Record<string, unknown> | undefined;
  const consumedAt = optionalTime("consumed_at");
  const resumedAt = optionalTime("resumed_at");
  const resume = optionalJson("resume", "any");
  return {
    id,
    binding: text("binding"),
    call: json("call", "object") as ToolCall,
    arguments: json("arguments", "object") as Record<string, unknown>,
    reasons: json("reasons", "array") as Reason[],
    hint,
    summary: text("summary"),
    revision: text("revision"),
    createdAt: time("created_at"),
    expiresAt: time("expires_at"),
    state: state as ApprovalState,
    ...(decidedAt === undefined ? {} : { decidedAt }),
    ...(decidedBy === undefined ? {} : { decidedBy }),
    ...(note === undefined ? {} : { note }),
    ...(approvedArguments === undefined ? {} : { approvedArguments }),
    ...(consumedAt === undefined ? {} : { consumedAt }),
    ...(resumedAt === undefined ? {} : { resumedAt }),
    ...(resume === undefined ? {} : { resume }),
  };
}

/** The rows of a listing: each readable one as an approval, each other one by id and why (one bad row never hides the rest). */
export function approvalsFromRows(rows: readonly ApprovalRow[], jsonColumns: JsonColumns): ApprovalListing {
  const approvals: StoredApproval[] = [];
  const unreadable: UnreadableApproval[] = [];
  for (const row of rows) {
    try {
      approvals.push(approvalFromRow(row, jsonColumns));
    } catch (error) {
      if (!(error instanceof UnreadableApprovalError)) throw error;
      unreadable.push({ id: error.approvalId, problem: error.problem });
    }
  }
  return { approvals, unreadable };
}
