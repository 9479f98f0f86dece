import type { Decision } from "../gate/decision.ts";

/** A decision as a few readable lines for a terminal. */
export function formatDecision(label: string, decision: Decision): string {
  const lines = [`${decision.effect.padEnd(16)} ${label}  (revision ${decision.revision || "none"}, ${decision.duration_us} us)`];
  for (const reason of decision.reasons) lines.push(`  ${reason.code}: ${reason.message}`);
  if (decision.effect === "sanitize") lines.push(`  effective arguments: ${JSON.stringify(decision.arguments)}`);
  if (decision.approval) lines.push(`  approval: ${JSON.stringify(decision.approval)}`);
  return lines.join("\n") + "\n";
}
