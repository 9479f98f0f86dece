// Host implementation of replace (not native in OPA's WASM target).
export function replace(s: unknown, old: unknown, replacement: unknown): string {
  if (typeof s !== "string" || typeof old !== "string" || typeof replacement !== "string") {
    throw new TypeError("replace: operands must be strings");
  }
  return s.replaceAll(old, replacement);
}
