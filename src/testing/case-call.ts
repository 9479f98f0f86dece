import { ToolgateError } from "../errors.ts";
import type { Surface, ToolCall } from "../gate/tool-call.ts";

/**
 * A recorded tool call as cases and the CLI write it (a case of a case file,
 * a document given to `policy eval --call`): `arguments` is the raw string
 * exactly as the model sent it.
 */
export interface CaseCall {
  id?: string;
  assistant_id: string;
  tool: string;
  arguments: string;
  thread_id?: string;
  run_id?: string;
  call_id?: string;
  surface?: Surface;
  context?: Record<string, unknown>;
}

export function toToolCall(value: unknown, where: string): ToolCall & { id: string } {
  const c = value as Partial<CaseCall> | null;
  const bad = (field: string, want: string): never => {
    throw new ToolgateError("call_invalid", `${where}: "${field}" must be ${want}`);
  };
  if (c === null || typeof c !== "object" || Array.isArray(c)) bad("(call)", "a JSON object");
  if (typeof c!.assistant_id !== "string") bad("assistant_id", "a string");
  if (typeof c!.tool !== "string") bad("tool", "a string (the tool name)");
  if (typeof c!.arguments !== "string") bad("arguments", "a string: the raw JSON text the model sent");
  // Unnamed calls are named by where they came from (file:line), so each is told apart in the output.
  const id = c!.id ?? c!.call_id ?? where;
  return { id, ...caseToolCall({ ...(c as CaseCall), id }) };
}

/** The ToolCall a recorded call stands for: surface `cli` and call id = case id unless given. */
export function caseToolCall(c: CaseCall & { id: string }): ToolCall {
  return {
    surface: c.surface ?? "cli",
    assistant_id: c.assistant_id,
    call_id: c.call_id ?? c.id,
    name: c.tool,
    arguments: c.arguments,
    ...(c.thread_id !== undefined ? { thread_id: c.thread_id } : {}),
    ...(c.run_id !== undefined ? { run_id: c.run_id } : {}),
    ...(c.context !== undefined ? { context: c.context } : {}),
  };
}
