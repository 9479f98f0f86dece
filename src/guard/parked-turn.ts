import { ApprovalStateError } from "../approval/errors.ts";
import type { StoredApproval } from "../approval/store/approval-store.ts";

/**
 * What a parked approval's `resume` holds (under `toolgate_parked_turn`): the
 * turn it belongs to, named by the ids of all its approvals (the lead, first,
 * carries the surface's continuation `data`), and the id of the decision that
 * parked the call, under which its approval outcome is logged.
 */
export interface ParkedTurn {
  readonly lead: string;
  readonly approvals: readonly string[];
  readonly decision_id: string;
  readonly data?: unknown;
}

/** Reads a stored approval's parked turn; an approval not parked by a guard (or a row in another shape) cannot be resumed. */
export function parkedTurnOf(approval: StoredApproval): ParkedTurn {
  const resume = approval.resume as { toolgate_parked_turn?: Partial<ParkedTurn> } | undefined;
  const turn = typeof resume === "object" && resume !== null ? resume.toolgate_parked_turn : undefined;
  if (
    typeof turn !== "object" ||
    turn === null ||
    typeof turn.lead !== "string" ||
    typeof turn.decision_id !== "string" ||
    !Array.isArray(turn.approvals) ||
    !turn.approvals.every((id) => typeof id === "string") ||
    !turn.approvals.includes(turn.lead) ||
    !turn.approvals.includes(approval.id)
  ) {
    throw new ApprovalStateError("approval_not_resumable", `Approval ${approval.id} was not parked by a run loop (no parked turn in its resume data), so no run can be resumed from it.`);
  }
  return turn as ParkedTurn;
}
