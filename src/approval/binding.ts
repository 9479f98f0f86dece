import { createHash } from "node:crypto";
import { canonicalJson } from "../canonical-json.ts";

/** What an approval is bound to: this call id with exactly these arguments. */
export function approvalBinding(callId: string, args: unknown): string {
  return `${callId}:${createHash("sha256").update(canonicalJson(args)).digest("hex")}`;
}

/** Same arguments, whatever the key order. */
export function sameArguments(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
