/** The OpenAI surfaces a tool call can come from. `cli` is `policy eval` / `policy test`. */
export const SURFACES = ["assistants", "responses", "chat", "agents", "cli"] as const;

/** The OpenAI surface a tool call came from. */
export type Surface = (typeof SURFACES)[number];

/** What kind of tool a call names: a function the app runs, or a hosted MCP server's tool. */
export const TOOL_TYPES = ["function", "mcp"] as const;

export type ToolType = (typeof TOOL_TYPES)[number];

/** A model's tool call, normalized by an adapter; `arguments` is the raw string the model sent. */
export interface ToolCall {
  surface: Surface;
  assistant_id: string;
  thread_id?: string;
  run_id?: string;
  call_id: string;
  name: string;
  /** Absent or "function": a function tool. "mcp": a hosted MCP tool, named by `server_label` and `name` together. */
  tool_type?: ToolType;
  /** The MCP server's label (Responses `mcp_approval_request.server_label`); only for tool_type "mcp". */
  server_label?: string;
  arguments: string;
  /** Whatever the app adds for the policy: user, tenant, environment. */
  context?: Record<string, unknown>;
}

/**
 * A tool declaration as the app passes it to OpenAI, in any shape the
 * adapters serve (src/gate/tool-declaration.ts reads them all):
 * - Chat Completions and Assistants: `{type: "function", function: {name, parameters}}`;
 * - Responses and the Agents SDK (a `tool()` is one): `{type: "function", name, parameters}`;
 * - Responses custom tools: `{type: "custom", name}` (free-form input, decided as `{"input": text}`);
 * - hosted tools (`{type: "code_interpreter"}`, `file_search`, `web_search`, `mcp`, ...):
 *   accepted and ignored, the gate decides no function call for them.
 */
export type AnyToolDeclaration = ChatToolDeclaration | FlatToolDeclaration | CustomToolDeclaration | HostedToolDeclaration;

/** A function tool in the Chat Completions / Assistants shape (what tools.json files hold). */
export type ToolDeclaration = ChatToolDeclaration;

/** The function-tool parts every function declaration shape carries. */
export interface FunctionDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

/** Chat Completions / Assistants: the definition under `function`. */
export interface ChatToolDeclaration {
  type: "function";
  function: FunctionDefinition;
}

/** Responses / Agents SDK: the definition at the top level. */
export interface FlatToolDeclaration extends FunctionDefinition {
  type: "function";
}

/** Responses custom tool: free-form text input. */
export interface CustomToolDeclaration {
  type: "custom";
  name: string;
  description?: string;
}

/** A tool OpenAI runs itself (code_interpreter, file_search, web_search, mcp, ...). */
export interface HostedToolDeclaration {
  type: string;
}
