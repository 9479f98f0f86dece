/**
 * What the scripted "model" does, turn by turn, on each API surface.
 *
 * Each surface has its own queue of turns. A request that asks the model to
 * act (a new run, submitted tool outputs, a Responses or Chat Completions
 * request) consumes the next turn of its surface; when the queue is empty the
 * server answers with an error instead of inventing output.
 */

/** A function tool call; `arguments` is sent verbatim so tests can script malformed JSON. */
export interface FunctionCall {
  readonly kind: "function";
  readonly name: string;
  readonly arguments: string;
  /** The call id the client must answer (`call_id` / `tool_call_id`); generated when omitted. */
  readonly callId?: string;
}

/** A Responses custom (free-form input) tool call. */
export interface CustomToolCall {
  readonly kind: "custom";
  readonly name: string;
  readonly input: string;
  readonly callId?: string;
}

/** A Responses remote-MCP tool call that waits for the client's approval. */
export interface McpApprovalRequest {
  readonly kind: "mcp_approval_request";
  readonly serverLabel: string;
  readonly name: string;
  readonly arguments: string;
  /** The approval request id the client's `mcp_approval_response` must name; generated when omitted. */
  readonly id?: string;
}

export type ResponsesCall = FunctionCall | CustomToolCall | McpApprovalRequest;

/**
 * One model turn. A turn with calls hands control back to the client (run
 * `requires_action`, `finish_reason: "tool_calls"`, pending Responses items);
 * a turn with only text ends the exchange. Text and calls together model an
 * assistant that says something before calling tools.
 */
export type Turn<Call> =
  | { readonly text: string; readonly calls?: readonly Call[] }
  | { readonly text?: string; readonly calls: readonly Call[] };

export interface Script {
  readonly assistants?: readonly Turn<FunctionCall>[];
  readonly responses?: readonly Turn<ResponsesCall>[];
  readonly chat?: readonly Turn<FunctionCall>[];
}

export type Surface = keyof Script;

/** Builds a function call turn entry: `call("get_weather", '{"city":"Paris"}')`. */
export function call(name: string, args: string, callId?: string): FunctionCall {
  return callId === undefined ? { kind: "function", name, arguments: args } : { kind: "function", name, arguments: args, callId };
}

/** Hands out each surface's turns in order. */
export class ScriptCursor {
  readonly #script: Script;
  readonly #next: Record<Surface, number> = { assistants: 0, responses: 0, chat: 0 };

  constructor(script: Script) {
    this.#script = script;
  }

  /** The next turn of `surface`, or undefined when the script has run out. */
  take<S extends Surface>(surface: S): NonNullable<Script[S]>[number] | undefined {
    const turns = this.#script[surface];
    const index = this.#next[surface];
    if (turns === undefined || index >= turns.length) return undefined;
    this.#next[surface] = index + 1;
    return turns[index];
  }

  /** How many turns of `surface` have been consumed. */
  consumed(surface: Surface): number {
    return this.#next[surface];
  }
}
