import type { ApprovalHint, Reason } from "../../gate/decision.ts";
import type { ToolCall } from "../../gate/tool-call.ts";
import type { ApprovalState, StoredApproval } from "./approval-store.ts";

/** One approvals row as both stores return it (JSON columns as text or, from PostgreSQL jsonb, already parsed). */
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

function json<T>(value: string | object): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

function iso(value: string | Date): string {
  return typeof value === "string" ? value : value.toISOString();
}

export function approvalFromRow(row: ApprovalRow): StoredApproval {
  return {
    id: row.id,
    binding: row.binding,
    call: json<ToolCall>(row.call),
    arguments: json<Record<string, unknown>>(row.arguments),
    reasons: json<Reason[]>(row.reasons),
    hint: row.hint === null ? undefined : json<ApprovalHint>(row.hint),
    summary: row.summary,
    revision: row.revision,
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
    state: row.state as ApprovalState,
    ...(row.decided_at === null ? {} : { decidedAt: iso(row.decided_at) }),
    ...(row.decided_by === null ? {} : { decidedBy: row.decided_by }),
    ...(row.note === null ? {} : { note: row.note }),
    ...(row.approved_arguments === null ? {} : { approvedArguments: json<Record<string, unknown>>(row.approved_arguments) }),
    ...(row.consumed_at === null ? {} : { consumedAt: iso(row.consumed_at) }),
    ...(row.resumed_at === null ? {} : { resumedAt: iso(row.resumed_at) }),
    ...(row.resume === null ? {} : { resume: json<unknown>(row.resume) }),
  };
}
