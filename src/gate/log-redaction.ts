import type { RecordedDecision } from "./recorder.ts";
import { SecretRedactor, shippedSecretRules } from "./secret-redactor.ts";

const redactors = new Map<string, SecretRedactor>();

/** One redactor per list of custom patterns (a policy has few), on the shipped rules. */
function redactorFor(customPatterns: readonly string[]): SecretRedactor {
  const key = JSON.stringify(customPatterns);
  let redactor = redactors.get(key);
  if (!redactor) {
    if (redactors.size >= 64) redactors.clear();
    redactor = new SecretRedactor(shippedSecretRules(), customPatterns);
    redactors.set(key, redactor);
  }
  return redactor;
}

function customPatterns(constraints: Readonly<Record<string, unknown>>): string[] {
  const patterns = constraints.secret_patterns;
  return Array.isArray(patterns) ? patterns.filter((p): p is string => typeof p === "string") : [];
}

/**
 * What the decision log may keep of a decision on a tool with `redact_secrets`
 * configured (in `constraints`, the tool's resolved constraints), whatever the
 * effect: secrets are redacted from every string of the input's arguments and
 * context, the decision's arguments, reason messages and approval hints, and
 * the approver's note, with the same rules as the policy's redact_secrets.
 * `secretsRedacted` is set when anything was redacted. Other tools' records
 * pass unchanged.
 */
export function redactForLog(recorded: RecordedDecision, constraints: Readonly<Record<string, unknown>> | undefined): RecordedDecision {
  if (constraints === undefined || !Object.hasOwn(constraints, "redact_secrets")) return recorded;
  const redactor = redactorFor(customPatterns(constraints));
  const { input, decision, approval } = recorded;
  // redactValue returns what it was given when nothing in it was redacted: compare by identity.
  const inputArguments = redactor.redactValue(input.arguments);
  const context = redactor.redactValue(input.context);
  // Often the very same object (an allow or deny logs the arguments it was given): redacted once.
  const decisionArguments = decision.arguments === input.arguments ? inputArguments : redactor.redactValue(decision.arguments);
  const reasons = decision.reasons.map((r) => ({ code: r.code, message: redactor.redactText(r.message) }));
  const hint = decision.approval === undefined ? undefined : redactor.redactValue(decision.approval);
  const note = approval?.note === undefined ? undefined : redactor.redactText(approval.note);
  const changed =
    inputArguments !== input.arguments ||
    context !== input.context ||
    decisionArguments !== decision.arguments ||
    reasons.some((r, i) => r.message !== decision.reasons[i]?.message) ||
    hint !== decision.approval ||
    note !== approval?.note;
  if (!changed) return recorded;
  const redacted: RecordedDecision = {
    call: recorded.call,
    input: { ...input, arguments: inputArguments, context },
    decision: { ...decision, arguments: decisionArguments, reasons, ...(hint === undefined ? {} : { approval: hint }) },
    secretsRedacted: true,
  };
  if (approval !== undefined) redacted.approval = note === undefined ? approval : { ...approval, note };
  return redacted;
}
