// The only module that imports @openai/agents: it is an optional dependency.
import { tool, type FunctionTool, type RunState, type RunToolApprovalItem } from "@openai/agents";
import type { ToolCall, ToolDeclaration } from "../gate/tool-call.ts";
import type { ApprovalOutcome } from "../gate/approval-outcome.ts";
import type { CallOutcome, ToolGuard } from "../guard/tool-guard.ts";

export interface AgentToolsOptions {
  /**
   * `inline` (default): the guard asks its Approver inside the tool call and the
   * run never pauses. `interrupt`: calls the policy wants approved pause the
   * run as Agents SDK interruptions; resolve them with resolveInterruptions().
   */
  approvals?: "inline" | "interrupt";
  /** Sees every call's outcome (the Agents SDK keeps only the output the model got). */
  onOutcome?: (outcome: CallOutcome) => void;
}

function agentsCall(guard: ToolGuard, name: string, callId: string, args: string): ToolCall {
  return {
    surface: "agents",
    assistant_id: guard.assistantId,
    call_id: callId,
    name,
    arguments: args,
    ...(guard.context === undefined ? {} : { context: guard.context }),
  };
}

/**
 * Agents SDK function tools for your declarations, each gated: the policy
 * decides every call before the guard runs your implementation (from the
 * guard's tool map) with the effective arguments. Denials, rejections and tool
 * errors come back to the model as the tool's output.
 */
export function gatedAgentTools(guard: ToolGuard, declarations: readonly ToolDeclaration[], options: AgentToolsOptions = {}): FunctionTool[] {
  return declarations.map(({ function: fn }) =>
    tool({
      name: fn.name,
      description: fn.description ?? fn.name,
      parameters: { type: "object", properties: {}, required: [], additionalProperties: true, ...fn.parameters },
      strict: false,
      // The model's raw argument string is what the gate decides on; the parsed input is only a fallback.
      execute: async (input, _context, details) => {
        const raw = details?.toolCall;
        const call = agentsCall(guard, fn.name, raw?.callId ?? "", raw?.arguments ?? JSON.stringify(input));
        const outcome = await guard.handle(call);
        options.onOutcome?.(outcome);
        return outcome.output;
      },
      ...(options.approvals === "interrupt"
        ? { needsApproval: async (_context: unknown, input: unknown, callId?: string) => guard.needsApproval(agentsCall(guard, fn.name, callId ?? "", JSON.stringify(input))) }
        : {}),
    }),
  );
}

/**
 * Resolves a paused run's interruptions for gated tools: asks the guard's
 * Approver about each, approves or rejects it on the run state, and records
 * each approval for exactly that call (id and arguments) so the resumed run
 * executes it once. Resume with `runner.run(agent, result.state)`.
 */
export async function resolveInterruptions(
  guard: ToolGuard,
  result: { interruptions: RunToolApprovalItem[]; state: RunState<any, any> },
): Promise<ApprovalOutcome[]> {
  return Promise.all(
    result.interruptions.map(async (item) => {
      const raw = item.rawItem;
      if (raw.type !== "function_call") {
        const record: ApprovalOutcome = { status: "rejected", note: `toolgate does not decide ${raw.type} interruptions` };
        result.state.reject(item, { message: guard.rejectionOutput(record) });
        return record;
      }
      const record = await guard.preapprove(agentsCall(guard, raw.name, raw.callId, raw.arguments));
      if (record.status === "approved") result.state.approve(item);
      else result.state.reject(item, { message: guard.rejectionOutput(record) });
      return record;
    }),
  );
}
