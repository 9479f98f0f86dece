/**
 * JSON with object keys sorted at every level (UTF-16 code-unit order), members
 * whose value is undefined left out, and no whitespace; for JSON data this is
 * RFC 8785 (JCS). Two values that mean the same thing encode the same whatever
 * order their keys were written in: approval bindings hash argument objects
 * with it, and the audit log's chain hashes records with it.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
