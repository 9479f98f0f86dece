import { ToolgateError } from "../errors.ts";
import { TOOL_TYPES, type Surface, type ToolCall, type ToolType } from "../gate/tool-call.ts";

/**
 * A recorded tool call as cases and the CLI write it (a case of a case file,
 * a document given to `policy eval --call`): `arguments` is the raw string
 * exactly as the model sent it.
 */
export interface CaseCall {
  id?: string;
  assistant_id: string;
  /** The tool name (a function), or `{type: mcp, server_label, name}` / `{type: function, name}`. */
  tool: string | CaseTool;
  arguments: string;
  thread_id?: string;
  run_id?: string;
  call_id?: string;
  surface?: Surface;
  context?: Record<string, unknown>;
}

/** A recorded call with its tool reference read: `tool` is the name. */
export interface NamedCaseCall extends Omit<CaseCall, "tool"> {
  tool: string;
  tool_type?: ToolType;
  server_label?: string;
}

/** A tool reference as a case writes it. */
export interface CaseTool {
  type: ToolType;
  name: string;
  server_label?: string;
}

/** The ToolCall fields a case's `tool` stands for, or what is wrong with it. */
export function caseTool(value: unknown): Pick<ToolCall, "name" | "tool_type" | "server_label"> | string {
  if (typeof value === "string") return { name: value };
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "must be a tool name or {type, name, server_label?}";
  const t = value as Record<string, unknown>;
  const extra = Object.keys(t).find((k) => k !== "type" && k !== "name" && k !== "server_label");
  if (extra !== undefined) return `has an unknown field "${extra}" (known: type, name, server_label)`;
  if (!(TOOL_TYPES as readonly unknown[]).includes(t.type)) return `.type must be one of ${TOOL_TYPES.join(", ")}`;
  if (typeof t.name !== "string") return ".name must be a string";
  if (t.server_label !== undefined && typeof t.server_label !== "string") return ".server_label must be a string";
  // Kept as written (an empty label too), so a case can show the gate refusing a malformed reference.
  return { name: t.name, tool_type: t.type as ToolType, ...(t.server_label === undefined ? {} : { server_label: t.server_label }) };
}

export function toToolCall(value: unknown, where: string): ToolCall & { id: string } {
  const bad = (field: string, want: string): never => {
    throw new ToolgateError("call_invalid", `${where}: "${field}" must be ${want}`);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) return bad("(call)", "a JSON object");
  const { tool: written, ...c } = value as Partial<CaseCall>;
  if (typeof c.assistant_id !== "string") return bad("assistant_id", "a string");
  const tool = caseTool(written);
  if (typeof tool === "string") return bad("tool", `a string (the tool name) or {type, name, server_label?}: it ${tool}`);
  if (typeof c.arguments !== "string") return bad("arguments", "a string: the raw JSON text the model sent");
  // Unnamed calls are named by where they came from (file:line), so each is told apart in the output.
  const id = c.id ?? c.call_id ?? where;
  const { name, ...ref } = tool;
  return { id, ...caseToolCall({ ...c, assistant_id: c.assistant_id, arguments: c.arguments, ...ref, tool: name, id }) };
}

/** The ToolCall a recorded call stands for: surface `cli` and call id = case id unless given. */
export function caseToolCall(c: NamedCaseCall & { id: string }): ToolCall {
  return {
    surface: c.surface ?? "cli",
    assistant_id: c.assistant_id,
    call_id: c.call_id ?? c.id,
    name: c.tool,
    ...(c.tool_type !== undefined ? { tool_type: c.tool_type } : {}),
    ...(c.server_label !== undefined ? { server_label: c.server_label } : {}),
    arguments: c.arguments,
    ...(c.thread_id !== undefined ? { thread_id: c.thread_id } : {}),
    ...(c.run_id !== undefined ? { run_id: c.run_id } : {}),
    ...(c.context !== undefined ? { context: c.context } : {}),
  };
}
