/** How long a parked Assistants run waits for its approvals by default (a run expires after 10 minutes). */
export const DEFAULT_ASSISTANTS_DEADLINE_MS = 9 * 60 * 1000;
