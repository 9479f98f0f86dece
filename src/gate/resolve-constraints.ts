import type { PolicyConfig } from "../policy/config.ts";

interface Resolved {
  value: Readonly<Record<string, unknown>>;
  json: string;
}

/**
 * The constraints that apply to one tool for one assistant: the tool's
 * defaults, then the assistant's overrides key by key; an override of null
 * removes that constraint. Cached per assistant and tool, as a value and as
 * the JSON text the input document is built from.
 */
export class ConstraintResolver {
  private readonly config: PolicyConfig;
  private readonly cache = new Map<string, Resolved>();

  constructor(config: PolicyConfig | undefined) {
    this.config = config ?? { version: 1 };
  }

  resolve(assistantId: string, tool: string): Readonly<Record<string, unknown>> {
    return this.lookup(assistantId, tool).value;
  }

  resolveJson(assistantId: string, tool: string): string {
    return this.lookup(assistantId, tool).json;
  }

  private lookup(assistantId: string, tool: string): Resolved {
    const key = `${assistantId}\u0000${tool}`;
    let resolved = this.cache.get(key);
    if (resolved === undefined) {
      const overrides = this.config.assistants?.[assistantId]?.tools?.[tool]?.constraints ?? {};
      const merged = overlayConstraints(this.config.tools?.[tool]?.constraints ?? {}, overrides);
      resolved = { value: Object.freeze(merged), json: JSON.stringify(merged) };
      // Unknown assistant ids are model- or app-supplied; bound the cache.
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(key, resolved);
    }
    return resolved;
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
