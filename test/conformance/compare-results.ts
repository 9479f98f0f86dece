/**
 * Compares a query's result set as toolgate's engine returns it (the binding
 * objects of toolgate/decision) with a case's want_result, the way OPA's WASM
 * e2e runner does (internal/wasm/sdk/test/e2e assertResultSet): both as sets of
 * binding objects; with sort_bindings, a binding's array value as a set.
 */

/** A canonical text for a JSON value: object keys sorted, numbers as JSON writes them. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}

/** Every array sorted (by canonical text), at every depth: a value's content without its order. */
function orderless(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(orderless).sort((a, b) => cmp(canonical(a), canonical(b)));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, orderless(v)]));
  }
  return value;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function bindingSet(bindings: readonly unknown[], sortBindings: boolean, deep: boolean): Set<string> {
  return new Set(
    bindings.map((binding) => {
      let value = binding;
      if (deep) value = orderless(value);
      else if (sortBindings && value !== null && typeof value === "object" && !Array.isArray(value)) {
        value = Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort((a, b) => cmp(canonical(a), canonical(b))) : v]),
        );
      }
      return canonical(value);
    }),
  );
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

export type ResultComparison = "same" | "order-only" | "different";

/**
 * "same" when the result sets are equal as OPA compares them; "order-only" when
 * they differ only in the order of some array (a set's iteration order).
 */
export function compareResultSets(got: readonly unknown[], want: readonly unknown[], sortBindings: boolean): ResultComparison {
  if (sameSet(bindingSet(got, sortBindings, false), bindingSet(want, sortBindings, false))) return "same";
  return sameSet(bindingSet(got, sortBindings, true), bindingSet(want, sortBindings, true)) ? "order-only" : "different";
}
