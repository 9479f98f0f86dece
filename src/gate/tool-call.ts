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

/** A tool declaration in OpenAI's function-tool format (what the app passes the model). */
export interface ToolDeclaration {
  type: "function";
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}
