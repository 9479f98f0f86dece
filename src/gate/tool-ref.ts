import type { Reason } from "./decision.ts";
import { GateReason } from "./reason-codes.ts";
import type { ToolCall } from "./tool-call.ts";

/**
 * Which tool a call names, as the policy sees it (`input.tool`). A hosted MCP
 * tool is its server's label and its name together: a remote server may use
 * any name, including one of the app's own functions.
 */
export type ToolRef = { readonly type: "function"; readonly name: string } | { readonly type: "mcp"; readonly server_label: string; readonly name: string };

export type ToolRefResult = { ok: true; ref: ToolRef } | { ok: false; reason: Reason };

const invalid = (message: string): ToolRefResult => ({ ok: false, reason: { code: GateReason.invalidToolCall, message } });

/**
 * The call's tool reference, or the invalid_tool_call deny when it is not one:
 * an MCP call needs a non-empty, well-formed (no lone surrogate: JSON
 * decoders disagree about those) string server_label and name; a function call
 * carries no server_label (an adapter that set one but not the type would
 * otherwise have its MCP call judged as the local function of that name).
 */
export function toolRef(call: Pick<ToolCall, "name" | "tool_type" | "server_label">): ToolRefResult {
  const { name, tool_type: type, server_label: label } = call;
  if (type === "mcp") {
    if (typeof label !== "string" || label === "" || !label.isWellFormed()) return invalid("a hosted MCP call needs a non-empty, well-formed string server_label");
    if (typeof name !== "string" || name === "" || !name.isWellFormed()) return invalid("a hosted MCP call needs a non-empty, well-formed string tool name");
    return { ok: true, ref: { type: "mcp", server_label: label, name } };
  }
  if (type !== undefined && type !== "function") return invalid(`unknown tool type ${JSON.stringify(type) ?? String(type)} (function or mcp)`);
  if (label !== undefined) return invalid("a server_label belongs to a hosted MCP call (tool_type mcp), not a function call");
  if (typeof name !== "string") return invalid("a tool call needs a string name");
  return { ok: true, ref: { type: "function", name } };
}

/**
 * The reference of a call as far as it is known, valid or not: what a log
 * record or an approval binding names (strings coerced, so it always encodes).
 */
export function describedToolRef(call: Pick<ToolCall, "name" | "tool_type" | "server_label">): ToolRef {
  const name = String(call.name);
  return call.tool_type === "mcp" || call.server_label !== undefined ? { type: "mcp", server_label: String(call.server_label ?? ""), name } : { type: "function", name };
}
