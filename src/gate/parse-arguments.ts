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
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; reason: Reason };

/**
 * The first thing the limits or Unicode forbid in a parsed value, iteratively
 * (hostile input may nest deeper than the JS stack): nesting beyond maxDepth,
 * or a string or key holding a lone surrogate.
 */
function firstProblem(value: unknown, maxDepth: number): "too_deep" | "invalid_unicode" | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node === "string") {
      if (!node.isWellFormed()) return "invalid_unicode";
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    if (depth > maxDepth) return "too_deep";
    if (Array.isArray(node)) {
      for (const child of node) stack.push([child, depth + 1]);
      continue;
    }
    for (const [key, child] of Object.entries(node)) {
      if (!key.isWellFormed()) return "invalid_unicode";
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
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
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return {
      ok: false,
      reason: { code: GateReason.argumentsNotJson, message: `arguments are not valid JSON: ${(err as Error).message}` },
    };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { ok: false, reason: { code: GateReason.argumentsNotObject, message: `arguments must be a JSON object, not ${kind}` } };
  }
  const problem = firstProblem(value, limits.maxDepth);
  if (problem === "too_deep") {
    return {
      ok: false,
      reason: { code: GateReason.argumentsTooDeep, message: `arguments nest deeper than ${limits.maxDepth} levels` },
    };
  }
  // A lone surrogate (written raw or as a \ud800 escape) is not Unicode: tools and the policy
  // would each read it differently (kept, replaced by U+FFFD, or an error), so no one decides on it.
  if (problem === "invalid_unicode") {
    return {
      ok: false,
      reason: {
        code: GateReason.argumentsInvalidUnicode,
        message: "arguments hold a lone surrogate (an unpaired \\ud800-\\udfff), which is not valid Unicode",
      },
    };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
