/** The OpenAI surfaces a tool call can come from. `cli` is `policy eval` / `policy test`. */
export const SURFACES = ["assistants", "responses", "chat", "agents", "cli"] as const;

/** The OpenAI surface a tool call came from. */
export type Surface = (typeof SURFACES)[number];

/** A model's tool call, normalized by an adapter; `arguments` is the raw string the model sent. */
export interface ToolCall {
  surface: Surface;
  assistant_id: string;
  thread_id?: string;
  run_id?: string;
  call_id: string;
  name: string;
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
