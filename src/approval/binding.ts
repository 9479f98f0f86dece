import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, so two argument objects that
 * mean the same thing hash the same whatever order the model wrote them in.
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

/** What an approval is bound to: this call id with exactly these arguments. */
export function approvalBinding(callId: string, args: unknown): string {
  return `${callId}:${createHash("sha256").update(canonicalJson(args)).digest("hex")}`;
}

/** Same arguments, whatever the key order. */
export function sameArguments(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
