/** Returned by sortedView for data that JSON.stringify cannot write canonically as it is. */
export const UNSUITABLE = Symbol("unsuitable");

/**
 * Canonical JSON text of plain data at native speed (keys sorted by UTF-16 code
 * units at every level, no whitespace: what src/canonical-json.ts writes), or
 * undefined where JSON.stringify cannot give it: data that is not plain
 * (toJSON, class instances), keys JavaScript orders itself (integer-like keys
 * come first, so any key starting with a digit), a key `__proto__`, and lone
 * surrogates (JSON.stringify writes them as `\udXXX` escapes; a string merely
 * containing that text is refused too). Such text is also exactly what
 * parseOwnJson reads back and canonicalJson writes again.
 */
export function canonicalText(value: unknown): string | undefined {
  const view = sortedView(value);
  if (view === UNSUITABLE) return undefined;
  const text = JSON.stringify(view) as string | undefined;
  return text === undefined || text.includes("\\ud") ? undefined : text;
}

/** True for keys JSON.stringify writes in insertion order and an object literal stores as own data. */
export function suitableKeys(keys: readonly string[]): boolean {
  for (const key of keys) {
    const first = key.charCodeAt(0);
    if ((first >= 0x30 && first <= 0x39) || key === "__proto__") return false;
  }
  return true;
}

/**
 * The value with every object's keys in sorted order (copies only objects whose
 * keys are not already sorted), or UNSUITABLE (see canonicalText).
 */
export function sortedView(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    if (!isPlainArray(value)) return UNSUITABLE;
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const view = sortedView(item);
      if (view === UNSUITABLE) return UNSUITABLE;
      if (view !== item) copy ??= value.slice();
      if (copy !== undefined) copy[i] = view;
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return UNSUITABLE;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (!suitableKeys(keys)) return UNSUITABLE;
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i++) inOrder = (keys[i - 1] as string) < (keys[i] as string);
  if (!inOrder) keys.sort();
  let copy: Record<string, unknown> | undefined = inOrder ? undefined : {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = object[key];
    const view = sortedView(item);
    if (view === UNSUITABLE) return UNSUITABLE;
    if (copy === undefined && view !== item) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j] as string] = object[keys[j] as string];
    }
    if (copy !== undefined) copy[key] = view;
  }
  return copy ?? object;
}

export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== "function";
}

export function isPlainArray(value: unknown[]): boolean {
  return Object.getPrototypeOf(value) === Array.prototype && typeof (value as { toJSON?: unknown }).toJSON !== "function";
}
