/** Reason codes the gate itself emits (policy codes live in docs/reason-codes.md). All deny. */
export const GateReason = {
  argumentsNotJson: "arguments_not_json",
  argumentsNotObject: "arguments_not_object",
  argumentsTooLarge: "arguments_too_large",
  argumentsTooDeep: "arguments_too_deep",
  argumentsInvalidUnicode: "arguments_invalid_unicode",
  argumentsDuplicateKey: "arguments_duplicate_key",
  argumentsInexactNumber: "arguments_inexact_number",
  toolNotDeclared: "tool_not_declared",
  schemaViolation: "schema_violation",
  sanitizedArgumentsInvalid: "sanitized_arguments_invalid",
  noPolicy: "no_policy",
  policyError: "policy_error",
  invalidDecision: "invalid_decision",
  invalidToolCall: "invalid_tool_call",
  killed: "killed",
  killSwitchUnavailable: "kill_switch_unavailable",
  /** Budgets (src/gate/budget-keeper.ts): the store could not be read or written, or no store was given. */
  budgetUnavailable: "budget_unavailable",
  budgetKeyInvalid: "budget_key_invalid",
  budgetAmountInvalid: "budget_amount_invalid",
  /** At reservation time (another call took the rest first); the policy's own code when it sees it in input.usage. */
  budgetExceeded: "budget_exceeded",
  rateLimited: "rate_limited",
} as const;
