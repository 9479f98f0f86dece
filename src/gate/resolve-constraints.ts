import type { PolicyConfig } from "../policy/config.ts";

/**
 * The constraints that apply to one tool for one assistant: the tool's
 * defaults, then the assistant's overrides key by key; an override of null
 * removes that constraint. Results are cached as JSON text, which is also the
 * form the input document needs.
 */
export class ConstraintResolver {
  private readonly config: PolicyConfig;
  private readonly cache = new Map<string, string>();

  constructor(config: PolicyConfig | undefined) {
    this.config = config ?? { version: 1 };
  }

  resolve(assistantId: string, tool: string): Record<string, unknown> {
    return JSON.parse(this.resolveJson(assistantId, tool)) as Record<string, unknown>;
  }

  resolveJson(assistantId: string, tool: string): string {
    const key = `${assistantId}\u0000${tool}`;
    let json = this.cache.get(key);
    if (json === undefined) {
      const merged: Record<string, unknown> = { ...this.config.tools?.[tool]?.constraints };
      const overrides = this.config.assistants?.[assistantId]?.tools?.[tool]?.constraints ?? {};
      for (const [name, value] of Object.entries(overrides)) {
        if (value === null) delete merged[name];
        else merged[name] = value;
      }
      json = JSON.stringify(merged);
      // Unknown assistant ids are model- or app-supplied; bound the cache.
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(key, json);
    }
    return json;
  }
}
