import { sameArguments } from "../approval/binding.ts";
import type { StoredApproval } from "../approval/store/approval-store.ts";
import type { Decider } from "../gate/decider.ts";
import type { Decision, Reason } from "../gate/decision.ts";
import { DEFAULT_ARGUMENT_LIMITS, parseArguments } from "../gate/parse-arguments.ts";
import { GuardReason } from "../guard/tool-guard.ts";

/** What the reviewer's edited arguments come to, before anything is recorded. */
export type EditCheck =
  | { readonly kind: "unchanged" }
  | { readonly kind: "accepted"; readonly arguments: Record<string, unknown>; readonly decision: Decision }
  | { readonly kind: "refused"; readonly reasons: readonly Reason[] };

/** The inbox refuses to edit a hosted MCP call: the guard approves those only with the model's exact arguments. */
export const EDIT_NOT_SUPPORTED = "approval_edit_not_supported";

/**
 * Reads the edited arguments as the gate reads a model's (the strict scanner:
 * no duplicate keys, no lone surrogates, exact numbers; a JSON object within
 * the size and depth limits) and re-decides them through the gate, as the
 * guard will when the run resumes. Accepted only if the policy allows them
 * (allow or sanitize): arguments the policy denies, or that would need an
 * approval of their own, are refused here, as ToolGuard refuses them.
 */
export async function checkEditedArguments(gate: Decider, approval: StoredApproval, text: string): Promise<EditCheck> {
  const parsed = parseArguments(text, DEFAULT_ARGUMENT_LIMITS);
  if (!parsed.ok) return { kind: "refused", reasons: [parsed.reason] };
  if (sameArguments(parsed.value, approval.arguments)) return { kind: "unchanged" };
  if (approval.call.tool_type === "mcp") {
    return { kind: "refused", reasons: [{ code: EDIT_NOT_SUPPORTED, message: "a hosted MCP tool call is approved only with the arguments the model sent; reject it instead" }] };
  }
  let decision: Decision;
  try {
    // On the budgets' current usage (preview), as the resumed run will decide them; it reserves nothing.
    const edited = { ...approval.call, arguments: JSON.stringify(parsed.value) };
    ({ decision } = await (gate.preview ? gate.preview(edited) : gate.evaluate(edited)));
  } catch (error) {
    // A Decider never rejects; if one does, nothing is approved on it.
    return { kind: "refused", reasons: [{ code: "policy_error", message: `the gate failed on the edited arguments: ${(error as Error)?.message ?? String(error)}` }] };
  }
  switch (decision.effect) {
    case "allow":
    case "sanitize":
      return { kind: "accepted", arguments: parsed.value, decision };
    case "require_approval":
      return {
        kind: "refused",
        reasons: [{ code: GuardReason.modificationNeedsApproval, message: "the edited arguments need an approval of their own: approve the call unchanged or reject it" }, ...decision.reasons],
      };
    default:
      return { kind: "refused", reasons: [{ code: GuardReason.modificationDenied, message: "the policy denies the edited arguments" }, ...decision.reasons] };
  }
}
