import type { PolicyDecision, Reason } from "./decision.ts";
import { GateReason } from "./reason-codes.ts";
import type { ToolSchemas } from "./tool-schemas.ts";
import { decisionProblem } from "./validate-decision.ts";

export type AppliedDecision =
  | { ok: true; decision: PolicyDecision; arguments: Record<string, unknown> }
  | { ok: false; reason: Reason };

/**
 * What the policy returned, checked and turned into the arguments the tool
 * would run with. Sanitize rewrites the arguments; so may require_approval
 * when secrets were also redacted (the approved call must not run with them);
 * allow and deny keep what the schema validated. Rewritten arguments must still
 * satisfy the tool's schema (when the declarations are known).
 * Shared by the Gate and by replay so both decide the same way.
 */
export function applyPolicyDecision(
  result: unknown,
  args: Record<string, unknown>,
  tool: string,
  schemas: ToolSchemas | undefined,
): AppliedDecision {
  const problem = decisionProblem(result);
  if (problem) return { ok: false, reason: { code: GateReason.invalidDecision, message: problem } };
  const decision = result as PolicyDecision;
  const rewrites = decision.effect === "sanitize" || decision.effect === "require_approval";
  if (!rewrites || decision.arguments === undefined) return { ok: true, decision, arguments: args };
  const invalid = schemas?.check(tool, decision.arguments);
  if (invalid) {
    return {
      ok: false,
      reason: {
        code: GateReason.sanitizedArgumentsInvalid,
        message: `sanitized arguments break the tool schema: ${invalid.message}`,
      },
    };
  }
  return { ok: true, decision, arguments: decision.arguments };
}
