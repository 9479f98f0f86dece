import { parseOwnJson } from "../json/parse-own-json.ts";
import type { Surface, ToolCall } from "./tool-call.ts";
import { describedToolRef, type ToolRef } from "./tool-ref.ts";

export const INPUT_VERSION = 1;

/** What Rego sees as `input` (schemas/input.schema.json). */
export interface InputDocument {
  version: typeof INPUT_VERSION;
  surface: Surface;
  assistant_id: string;
  thread_id?: string;
  run_id?: string;
  call_id: string;
  /** Which tool: `{name, type: "function"}` or `{name, type: "mcp", server_label}` (src/gate/tool-ref.ts). */
  tool: ToolRef;
  arguments: Record<string, unknown>;
  /** The constraints that apply to this tool for this assistant (toolgate.yaml, resolved). */
  constraints: Record<string, unknown>;
  context: Record<string, unknown>;
  /** Per budget name, the usage this call is decided on (src/gate/budget-charges.ts); only for tools with budgets. */
  usage?: Record<string, unknown>;
}

/**
 * The input document as JSON text, built from parts: the constraints are
 * cached as text and the arguments are re-encoded from the parsed value (never
 * the raw string, whose duplicate keys a different parser could read differently).
 * The one builder of the input document: the gate, replay and the logged
 * record of a refused call all go through it.
 */
export function inputDocumentJson(
  call: ToolCall,
  args: Record<string, unknown>,
  constraintsJson: string,
  tool: ToolRef = describedToolRef(call),
  usageJson?: string,
): string {
  const ids =
    (call.thread_id === undefined ? "" : `,"thread_id":${JSON.stringify(call.thread_id)}`) +
    (call.run_id === undefined ? "" : `,"run_id":${JSON.stringify(call.run_id)}`);
  return (
    `{"version":${INPUT_VERSION},"surface":${JSON.stringify(call.surface) ?? "null"},` +
    `"assistant_id":${JSON.stringify(call.assistant_id)}${ids},"call_id":${JSON.stringify(call.call_id ?? "")},` +
    `"tool":${toolJson(tool)},` +
    `"arguments":${JSON.stringify(args)},"constraints":${constraintsJson},` +
    `"context":${JSON.stringify(call.context ?? {})}${usageJson === undefined ? "" : `,"usage":${usageJson}`}}`
  );
}

function toolJson(tool: ToolRef): string {
  return tool.type === "mcp"
    ? `{"name":${JSON.stringify(tool.name)},"type":"mcp","server_label":${JSON.stringify(tool.server_label)}}`
    : `{"name":${JSON.stringify(tool.name)},"type":"function"}`;
}

/**
 * The input document of a call the policy never saw (refused by the gate, or
 * an approval outcome logged after its decision): what is known of it, with
 * no constraints, so its log record is still complete.
 */
export function knownInputDocument(call: ToolCall, args: Record<string, unknown>): InputDocument {
  const known: ToolCall = { ...call, assistant_id: String(call.assistant_id), call_id: String(call.call_id ?? ""), name: String(call.name) };
  return parseOwnJson(inputDocumentJson(known, args, "{}")) as InputDocument;
}
