import type { PolicyConfig } from "../policy/config.ts";
import { ResolutionCache } from "../policy/resolution-cache.ts";
import { constraintsJson, type ConstraintsJson } from "./input-document.ts";
import type { ToolRef } from "./tool-ref.ts";

interface Resolved {
  value: Readonly<Record<string, unknown>>;
  json: ConstraintsJson;
}

/** `record[key]` when `key` is the record's own key: a name like `__proto__` or `constructor` finds nothing. */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

type ConstraintsEntry = { constraints?: Record<string, unknown> } | undefined;

/**
 * The constraints that apply to one tool for one assistant: the tool's
 * defaults, then the assistant's overrides key by key; an override of null
 * removes that constraint. A function tool's come from `tools` and
 * `assistants.<id>.tools`; a hosted MCP tool's from `mcp_servers.<label>.tools`
 * and `assistants.<id>.mcp_servers.<label>.tools`. Cached per (assistant,
 * type, server label, name), as a value and as the JSON text the input
 * document is built from.
 */
export class ConstraintResolver {
  private readonly config: PolicyConfig;
  /** By assistant id, then tool type, server label and name as one key. */
  private readonly cache = new ResolutionCache<Resolved>();

  constructor(config: PolicyConfig | undefined) {
    this.config = config ?? { version: 1 };
  }

  resolve(assistantId: string, tool: ToolRef): Readonly<Record<string, unknown>> {
    return this.lookup(assistantId, tool).value;
  }

  /** The constraints as the input document holds them (value read back from its JSON text, and the text). */
  resolveJson(assistantId: string, tool: ToolRef): ConstraintsJson {
    return this.lookup(assistantId, tool).json;
  }

  private lookup(assistantId: string, tool: ToolRef): Resolved {
    // The first character tells the tool types apart; an MCP tool's label and name as JSON cannot collide.
    const key = tool.type === "mcp" ? `m${JSON.stringify([tool.server_label, tool.name])}` : `f${tool.name}`;
    const known = this.cache.find(assistantId, key);
    if (known !== undefined) return known;
    const [base, overrides] = this.entries(assistantId, tool);
    const merged = overlayConstraints(base?.constraints ?? {}, overrides?.constraints ?? {});
    return this.cache.add(assistantId, key, { value: Object.freeze(merged), json: constraintsJson(merged) });
  }

  /** The tool's own entry and the assistant's entry for it. */
  private entries(assistantId: string, tool: ToolRef): [ConstraintsEntry, ConstraintsEntry] {
    const assistant = own(this.config.assistants, assistantId);
    if (tool.type === "mcp") {
      return [
        own(own(this.config.mcp_servers, tool.server_label)?.tools, tool.name),
        own(own(assistant?.mcp_servers, tool.server_label)?.tools, tool.name),
      ];
    }
    return [own(this.config.tools, tool.name), own(assistant?.tools, tool.name)];
  }
}

/** `base` overlaid key by key with `overrides`; an override of null removes that constraint. */
export function overlayConstraints(base: Readonly<Record<string, unknown>>, overrides: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}
