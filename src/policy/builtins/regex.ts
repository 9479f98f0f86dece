// Host implementation of regex.replace (not native in OPA's WASM target).
// Patterns are RE2 in Rego; the common subset means the same in JS. Compiled
// patterns are cached because a policy applies the same few on every call.
const cache = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, "gu");
    if (cache.size > 256) cache.clear();
    cache.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

export function regexReplace(s: unknown, pattern: unknown, value: unknown): string {
  if (typeof s !== "string" || typeof pattern !== "string" || typeof value !== "string") {
    throw new TypeError("regex.replace: operands must be strings");
  }
  return s.replace(compile(pattern), value);
}
