import type { Reason } from "./decision.ts";
import { parseArguments, type ArgumentLimits } from "./parse-arguments.ts";
import type { ToolCall } from "./tool-call.ts";
import { toolRef } from "./tool-ref.ts";

/**
 * What a gate asks before deciding a call: is this assistant, or this tool of
 * it, killed? Implemented by KillSwitchMonitor (src/killswitch) as an
 * in-memory lookup, no I/O. A reason (`killed`, `kill_switch_unavailable`)
 * makes the call a deny whatever the policy would say.
 */
export interface KillSwitchCheck {
  check(assistantId: string, toolName: string): Reason | undefined;
}

/**
 * The deny a kill switch makes for `call`, with its arguments as far as they
 * parse (for the log), or undefined when it is not killed. A call too
 * malformed to name an assistant and a tool is left to the pipeline, which
 * denies it (invalid_tool_call). An MCP tool is matched by its tool name.
 */
export function killSwitchDenial(
  killSwitch: KillSwitchCheck,
  call: ToolCall,
  limits: ArgumentLimits,
): { reason: Reason; args: Record<string, unknown> } | undefined {
  if (typeof call?.assistant_id !== "string") return undefined;
  const ref = toolRef(call);
  if (!ref.ok) return undefined;
  const reason = killSwitch.check(call.assistant_id, ref.ref.name);
  if (!reason) return undefined;
  const parsed = parseArguments(call.arguments, limits);
  return { reason, args: parsed.ok ? parsed.value : {} };
}
