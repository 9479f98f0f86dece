/**
 * A diff of two flat documents key by key (the expected view of a decision and
 * the actual one cut to the same keys): `  key: value` where they agree,
 * `- key: expected` then `+ key: actual` where they differ. Values are compact JSON.
 */
export function keyedDiff(expected: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
  for (const key of keys) {
    const e = key in expected ? JSON.stringify(expected[key]) : undefined;
    const a = key in actual ? JSON.stringify(actual[key]) : undefined;
    if (e === a) {
      out.push(`  ${key}: ${e}`);
      continue;
    }
    if (e !== undefined) out.push(`- ${key}: ${e}`);
    if (a !== undefined) out.push(`+ ${key}: ${a}`);
  }
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
