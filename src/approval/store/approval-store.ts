import type { ApprovalHint, Reason } from "../../gate/decision.ts";
import type { ToolCall } from "../../gate/tool-call.ts";

/** pending → approved | rejected | expired, exactly once. An approved approval is then consumed (its call run) at most once. */
export type ApprovalState = "pending" | "approved" | "rejected" | "expired";

/** What a parked call needs to be decided later, by another process if need be. */
export interface NewApproval {
  /** The id to store it under (a UUID the caller made, so a turn's approvals can name each other); generated when absent. */
  readonly id?: string;
  /** `call_id:sha256(canonical {arguments, tool})` (src/approval/binding.ts). */
  readonly binding: string;
  /** The call as the model sent it (raw arguments string, ids, context). */
  readonly call: ToolCall;
  /** The decision's effective arguments: what would run if approved unchanged. */
  readonly arguments: Readonly<Record<string, unknown>>;
  readonly reasons: readonly Reason[];
  readonly hint: ApprovalHint | undefined;
  /** One line for a human. */
  readonly summary: string;
  /** The policy revision that asked for approval. */
  readonly revision: string;
  readonly expiresAt: Date;
  /**
   * Whatever the run loop needs to continue once decided (previous_response_id,
   * a serialized RunState, a message list): JSON, opaque to the store.
   */
  readonly resume?: unknown;
}

/** A stored approval. Timestamps are ISO-8601 UTC. */
export interface StoredApproval {
  readonly id: string;
  readonly binding: string;
  readonly call: ToolCall;
  readonly arguments: Record<string, unknown>;
  readonly reasons: Reason[];
  readonly hint: ApprovalHint | undefined;
  readonly summary: string;
  readonly revision: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly state: ApprovalState;
  readonly decidedAt?: string;
  readonly decidedBy?: string;
  readonly note?: string;
  /** The approver's replacement arguments (re-decided by the gate before they run). */
  readonly approvedArguments?: Record<string, unknown>;
  /** When the approved call was taken to run; set once. */
  readonly consumedAt?: string;
  /** When a run loop took this decided approval to continue its run (claimResume); set once. */
  readonly resumedAt?: string;
  readonly resume?: unknown;
}

/** A human's answer to one pending approval. */
export type ApprovalAnswer =
  | { readonly status: "approved"; readonly by?: string; readonly note?: string; readonly arguments?: Record<string, unknown> }
  | { readonly status: "rejected"; readonly by?: string; readonly note?: string };

export interface ApprovalListFilter {
  readonly states?: readonly ApprovalState[];
  /** Newest first; default 100. */
  readonly limit?: number;
}

/** A row a listing could not read as an approval: named, never shown or acted on as one. */
export interface UnreadableApproval {
  readonly id: string;
  /** Which column is wrong (never the row's content). */
  readonly problem: string;
}

/** What list() read: the approvals, and the rows that do not read as one (one bad row never hides the others). */
export interface ApprovalListing {
  readonly approvals: StoredApproval[];
  readonly unreadable: UnreadableApproval[];
}

/**
 * Durable approvals shared by every instance on one store. Implementations:
 * SQLite (embedded, the default) and PostgreSQL (many app instances).
 * Every state change is a single conditional write, so two instances racing
 * on one approval cannot both win.
 */
export interface ApprovalStore {
  create(approval: NewApproval): Promise<StoredApproval>;
  /** Throws UnreadableApprovalError (`approval_unreadable`) for a row that does not read as an approval. */
  get(id: string): Promise<StoredApproval | undefined>;
  /** Unreadable rows are listed apart (they count toward the limit). */
  list(filter?: ApprovalListFilter): Promise<ApprovalListing>;
  /**
   * Decides a pending approval. Throws ApprovalStateError (`approval_not_pending`)
   * if it is not pending (decided already, or expired: an approval past its
   * expiry is expired, whatever its stored state says).
   * decide, consume and claimResume on a row that does not read as an
   * approval throw UnreadableApprovalError and change nothing.
   */
  decide(id: string, answer: ApprovalAnswer, now?: Date): Promise<StoredApproval>;
  /**
   * Takes an approved approval to run it: returns it exactly once across all
   * instances, undefined for every other caller (not approved, already consumed, unknown id).
   */
  consume(id: string, now?: Date): Promise<StoredApproval | undefined>;
  /**
   * Takes a decided approval (approved, rejected or expired: a pending one past
   * its expiry is expired first) for the one run loop that continues the run it
   * parked: returns it exactly once across all instances, undefined for every
   * other caller (still pending, resumed already, unknown id). Independent of
   * consume, which guards running the approved call itself.
   */
  claimResume(id: string, now?: Date): Promise<StoredApproval | undefined>;
  /** Marks pending approvals past their expiry as expired; returns how many. */
  expire(now?: Date): Promise<number>;
  close(): Promise<void>;
}
