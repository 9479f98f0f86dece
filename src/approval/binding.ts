import { createHash } from "node:crypto";
import { canonicalJson } from "../canonical-json.ts";
import type { ToolCall } from "../gate/tool-call.ts";
import { describedToolRef } from "../gate/tool-ref.ts";

/**
 * What an approval is bound to: this call id, this tool (type, MCP server
 * label, name) and exactly these arguments, as
 * `call_id:sha256(canonical {arguments, tool})`. An approval of one server's
 * tool never matches another server's tool of the same name.
 */
export function approvalBinding(call: Pick<ToolCall, "call_id" | "name" | "tool_type" | "server_label">, args: unknown): string {
  const bound = canonicalJson({ arguments: args, tool: describedToolRef(call) });
  return `${call.call_id}:${createHash("sha256").update(bound).digest("hex")}`;
}

/** Same arguments, whatever the key order. */
export function sameArguments(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
