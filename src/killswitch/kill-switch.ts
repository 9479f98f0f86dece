import { ToolgateError } from "../errors.ts";

/** An active kill switch: every call by `assistant_id` (to `tool`, or to any tool when `tool` is null) is denied. */
export interface KillSwitch {
  readonly assistant_id: string;
  /** The tool name (a function's name, or a hosted MCP tool's name on any server); null: every tool. */
  readonly tool: string | null;
  readonly reason: string;
  /** Who ran the kill, as they named themselves (`--by`, default user@host): not authenticated. */
  readonly killed_by: string;
  /** RFC 3339, UTC, from the clock of the machine that ran the kill. */
  readonly killed_at: string;
}

/** One kill or lift, kept in the store's history (`policy kill --list --all`). */
export interface KillSwitchEvent {
  readonly seq: number;
  readonly action: "kill" | "lift";
  readonly assistant_id: string;
  readonly tool: string | null;
  /** The kill's reason, or the note given with the lift ("" when none). */
  readonly reason: string;
  readonly actor: string;
  readonly at: string;
}

export interface KillRequest {
  assistantId: string;
  /** Omitted: every tool of the assistant. */
  tool?: string;
  reason: string;
  /** Who kills; shown in the deny message and the history. */
  by: string;
}

export interface LiftRequest {
  assistantId: string;
  /** Omitted: the assistant-wide switch (a tool's own switch is lifted by naming the tool). */
  tool?: string;
  /** Why it is lifted, for the history. */
  note?: string;
  by: string;
}

/**
 * Where kill switches live: the shared store (SQLite file or PostgreSQL), so
 * that every gate on that store sees them. Any error is a StoreError.
 */
export interface KillSwitchStore {
  /** Kills (or re-kills with a new reason); resolves once committed. */
  kill(request: KillRequest): Promise<KillSwitch>;
  /** Lifts the switch with exactly this key; undefined when there was none. */
  lift(request: LiftRequest): Promise<KillSwitch | undefined>;
  /** The active switches, ordered by assistant and tool. */
  active(): Promise<KillSwitch[]>;
  /** Every kill and lift, oldest first. */
  history(): Promise<KillSwitchEvent[]>;
  close(): Promise<void>;
}

/** A kill or lift request that cannot name what it means. */
export class KillSwitchRequestError extends ToolgateError {
  constructor(message: string) {
    super("kill_switch_request_invalid", message);
  }
}

/** The longest assistant id, tool name, reason or actor kept. */
const MAX_TEXT = 1024;

/**
 * Names are compared exactly (no trimming or case folding), as the gate
 * compares them with the call's; so refuse what could never match a call or
 * would print misleadingly: empty, control characters, lone surrogates.
 */
export function checkName(what: string, value: unknown): string {
  if (typeof value !== "string" || value === "") throw new KillSwitchRequestError(`${what} must be a non-empty string.`);
  if (value.length > MAX_TEXT || !value.isWellFormed() || /\p{Cc}/u.test(value)) {
    throw new KillSwitchRequestError(`${what} ${JSON.stringify(value.slice(0, 80))} is not a usable name: no control characters or lone surrogates, at most ${MAX_TEXT} characters.`);
  }
  return value;
}

/** Free text (reason, note): well-formed, bounded; newlines allowed. */
export function checkText(what: string, value: unknown): string {
  if (typeof value !== "string" || value.length > MAX_TEXT || !value.isWellFormed()) {
    throw new KillSwitchRequestError(`${what} must be a string of at most ${MAX_TEXT} characters without lone surrogates.`);
  }
  return value;
}

/** The stored key of "every tool". Tool names are never empty, so "" cannot collide with one. */
export const EVERY_TOOL = "";

export function toolKey(tool: string | undefined): string {
  return tool === undefined ? EVERY_TOOL : checkName("The tool name", tool);
}

export function toolFromKey(key: string): string | null {
  return key === EVERY_TOOL ? null : key;
}

/** "assistant A" or "tool T of assistant A", for messages. */
export function describeSwitch(assistantId: string, tool: string | null): string {
  return tool === null ? `assistant ${JSON.stringify(assistantId)} (every tool)` : `tool ${JSON.stringify(tool)} of assistant ${JSON.stringify(assistantId)}`;
}

/** A kill_switches row as both stores read it. */
export interface SwitchRow {
  assistant_id: string;
  tool: string;
  reason: string;
  killed_by: string;
  killed_at: string;
}

export function switchFromRow(row: SwitchRow): KillSwitch {
  return { assistant_id: row.assistant_id, tool: toolFromKey(row.tool), reason: row.reason, killed_by: row.killed_by, killed_at: row.killed_at };
}
