/**
 * Deterministic ids (`thread_1`, `call_2`, ...) so a test can predict them.
 * Counters are per prefix and per server instance.
 */
export class Ids {
  readonly #counters = new Map<string, number>();

  next(prefix: string): string {
    const n = (this.#counters.get(prefix) ?? 0) + 1;
    this.#counters.set(prefix, n);
    return `${prefix}_${n}`;
  }
}
