import { scanJson, type JsonScan } from "../json/scan-json.ts";
import { GateReason } from "./reason-codes.ts";
import type { Reason } from "./decision.ts";

export interface ArgumentLimits {
  /** Largest raw argument string accepted, in UTF-8 bytes. */
  maxBytes: number;
  /** Deepest nesting of objects/arrays accepted. */
  maxDepth: number;
}

export const DEFAULT_ARGUMENT_LIMITS: ArgumentLimits = { maxBytes: 256 * 1024, maxDepth: 64 };

export type ParsedArguments =
  | {
      ok: true;
      value: Record<string, unknown>;
      /** The raw text itself when it is already the value's canonical JSON text (scan-json's `canonical`), for the input document. */
      canonical?: string;
    }
  | { ok: false; reason: Reason };

/** Nesting depth, iteratively (hostile input may nest deeper than the JS stack). */
function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Why the scanner refused the text, as a deny reason. */
function refusedText(scanned: Extract<JsonScan, { ok: false }>): Reason {
  switch (scanned.problem) {
    case "duplicate_key":
      // JSON.parse keeps the last value, other parsers the first or neither: no one reading decides.
      return { code: GateReason.argumentsDuplicateKey, message: `arguments are ambiguous: ${scanned.message}` };
    case "lone_surrogate":
      // Kept, replaced by U+FFFD or an error depending on the reader: no one reading decides.
      return { code: GateReason.argumentsInvalidUnicode, message: `arguments are not valid Unicode: ${scanned.message}` };
    case "inexact_number":
      // A double-based tool and an exact one (Decimal, big integers, Python's int) would act on different values.
      return { code: GateReason.argumentsInexactNumber, message: `arguments hold a number no double holds exactly: ${scanned.message}` };
    default:
      return { code: GateReason.argumentsNotJson, message: `arguments are not valid JSON: ${scanned.message}` };
  }
}

/** Parses the raw argument string a model sent; anything but a JSON object within limits is a deny reason. */
export function parseArguments(raw: unknown, limits: ArgumentLimits): ParsedArguments {
  if (typeof raw !== "string") {
    return { ok: false, reason: { code: GateReason.argumentsNotJson, message: "arguments must be a JSON string" } };
  }
  // String length bounds the byte length from below (x1) and above (x3), so
  // the exact count is only needed near the limit.
  if (raw.length * 3 > limits.maxBytes) {
    const bytes = Buffer.byteLength(raw, "utf8");
    if (bytes > limits.maxBytes) {
      return {
        ok: false,
        reason: { code: GateReason.argumentsTooLarge, message: `arguments are ${bytes} bytes; the limit is ${limits.maxBytes}` },
      };
    }
  }
  // Our own strict decoder, not JSON.parse: it refuses duplicate keys and lone surrogates, and it
  // reads escaped keys as written (V8's JSON.parse can read an escaped one-character key as "\\"
  // once an object with that key was parsed, so the policy would see another key than a tool reading
  // the raw text).
  const scanned = scanJson(raw, { exactNumbers: true, noteCanonical: true });
  if (!scanned.ok) return { ok: false, reason: refusedText(scanned) };
  const value = scanned.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { ok: false, reason: { code: GateReason.argumentsNotObject, message: `arguments must be a JSON object, not ${kind}` } };
  }
  if (exceedsDepth(value, limits.maxDepth)) {
    return {
      ok: false,
      reason: { code: GateReason.argumentsTooDeep, message: `arguments nest deeper than ${limits.maxDepth} levels` },
    };
  }
  return scanned.canonical === true ? { ok: true, value: value as Record<string, unknown>, canonical: raw } : { ok: true, value: value as Record<string, unknown> };
}
