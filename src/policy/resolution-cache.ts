/**
 * What a resolver derived from the config for one (assistant id, tool key),
 * kept for the next call. Assistant ids and tool names are model- or
 * app-supplied, so the cache is bounded: past `limit` entries it starts over.
 * Nested maps, so that no key text is built per call.
 */
export class ResolutionCache<V> {
  readonly #byAssistant = new Map<string, Map<string, V>>();
  readonly #limit: number;
  #size = 0;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  find(assistantId: string, toolKey: string): V | undefined {
    return this.#byAssistant.get(assistantId)?.get(toolKey);
  }

  /** Keeps `value` for (assistantId, toolKey) and returns it. */
  add(assistantId: string, toolKey: string, value: V): V {
    if (this.#size >= this.#limit) {
      this.#byAssistant.clear();
      this.#size = 0;
    }
    let byTool = this.#byAssistant.get(assistantId);
    if (byTool === undefined) this.#byAssistant.set(assistantId, (byTool = new Map()));
    byTool.set(toolKey, value);
    this.#size += 1;
    return value;
  }
}
