// The only module that imports @openai/agents: it is an optional dependency.
import { randomUUID } from "node:crypto";
import { RunState, tool, type Agent, type FunctionTool, type RunContext, type RunToolApprovalItem, type Tool } from "@openai/agents";
import { ApprovalStateError } from "../approval/errors.ts";
import type { AnyToolDeclaration, ToolCall } from "../gate/tool-call.ts";
import { declaredTools } from "../gate/tool-declaration.ts";
import type { ApprovalOutcome } from "../gate/approval-outcome.ts";
import type { Decider } from "../gate/decider.ts";
import { ToolGuard, type CallOutcome, type ParkingCall, type ToolGuardOptions } from "../guard/tool-guard.ts";

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
export function gatedAgentTools(guard: ToolGuard, declarations: readonly AnyToolDeclaration[], options: AgentToolsOptions = {}): FunctionTool[] {
  return declaredTools(declarations).map((fn) =>
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

export interface GuardAgentToolsOptions extends AgentToolsOptions, Omit<ToolGuardOptions, "gate" | "tools"> {}

/**
 * Calls whose interruption a wrapped tool's own needsApproval asked for, per guard:
 * resolveInterruptions must not let the policy's "no approval needed" approve them.
 */
const ownApprovalCalls = new WeakMap<ToolGuard, Set<string>>();

/** What one execution of a wrapped tool needs to call the original: the SDK's run context and call details. */
interface Invocation {
  runContext: RunContext<any>;
  details: Parameters<FunctionTool["invoke"]>[2];
}

/**
 * Gates the Agents SDK tools you already have (`tool({...})` definitions):
 * one line, `tools: guardAgentTools([getCustomer, refundOrder], gate, { approver })`.
 * Each function tool is returned as a copy whose `invoke` first has the gate
 * decide the model's raw arguments, then runs your tool's own `invoke` with the
 * decision's effective arguments (sanitized ones for sanitize), or answers the
 * model with the denial. Hosted tools are returned unchanged (the gate decides
 * only function calls). Options are the ToolGuard's (approver, assistantId,
 * context, ...) plus `approvals` and `onOutcome`; the returned array carries the
 * ToolGuard behind it as `.guard`, for resolveInterruptions when
 * `approvals: "interrupt"` pauses runs instead of asking inline.
 */
export function guardAgentTools<T extends Tool<any>>(
  tools: readonly T[],
  gate: Decider,
  options: GuardAgentToolsOptions = {},
): T[] & { guard: ToolGuard } {
  const invocations = new Map<string, Invocation>();
  const originals = new Map<string, FunctionTool<any, any, any>>();
  for (const t of tools) if (t.type === "function") originals.set(t.name, t as unknown as FunctionTool<any, any, any>);
  const implementations = Object.fromEntries(
    [...originals].map(([name, original]) => [
      name,
      async (args: Record<string, unknown>, context: { call: ToolCall }) => {
        const invocation = invocations.get(context.call.call_id);
        if (!invocation) throw new Error(`no pending Agents SDK invocation for call ${context.call.call_id}`);
        // A fresh details object: the SDK caches the model's parsed input per details object,
        // and the tool must parse the effective (possibly sanitized) arguments instead.
        return original.invoke(invocation.runContext, JSON.stringify(args), invocation.details ? { ...invocation.details } : undefined);
      },
    ]),
  );
  const { approvals, onOutcome, ...guardOptions } = options;
  const guard = new ToolGuard({ ...guardOptions, gate, tools: implementations });
  ownApprovalCalls.set(guard, new Set());
  const wrapped = tools.map((t) => {
    const original = t.type === "function" ? originals.get(t.name) : undefined;
    if (!original) return t;
    const copy: FunctionTool<any, any, any> = {
      ...original,
      invoke: async (runContext, input, details) => {
        const raw = details?.toolCall;
        const callId = raw?.callId || `toolgate_${randomUUID()}`;
        invocations.set(callId, { runContext, details });
        try {
          const outcome = await guard.handle(agentsCall(guard, original.name, callId, raw?.arguments ?? input));
          onOutcome?.(outcome);
          return outcome.output;
        } finally {
          invocations.delete(callId);
        }
      },
      ...(approvals === "interrupt"
        ? {
            needsApproval: async (runContext: RunContext<any>, input: unknown, callId?: string) => {
              if (await original.needsApproval(runContext, input, callId)) {
                if (callId) ownApprovalCalls.get(guard)?.add(callId);
                return true;
              }
              return guard.needsApproval(agentsCall(guard, original.name, callId ?? "", typeof input === "string" ? input : JSON.stringify(input)));
            },
          }
        : {}),
    };
    return copy as unknown as T;
  });
  return Object.assign(wrapped, { guard });
}

/**
 * Resolves a paused run's interruptions for gated tools: asks the guard's
 * Approver about each, approves or rejects it on the run state, and records
 * each approval for exactly that call (id and arguments) so the resumed run
 * executes it once. Resume with `runner.run(agent, result.state)`. An
 * interruption a guardAgentTools tool's own `needsApproval` raised, for a call
 * the policy would not hold, is rejected (fail closed): approve those on the
 * run state yourself instead of passing them here.
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
      const call = agentsCall(guard, raw.name, raw.callId, raw.arguments);
      // The tool itself asked for a person and the policy does not: nobody the guard knows has approved it.
      if (ownApprovalCalls.get(guard)?.delete(raw.callId) && !(await guard.needsApproval(call))) {
        const record: ApprovalOutcome = {
          status: "rejected",
          note: "the tool's own needsApproval asked for a person and the policy did not: resolveInterruptions approves only what the policy holds",
        };
        result.state.reject(item, { message: guard.rejectionOutput(record) });
        return record;
      }
      const record = await guard.preapprove(call);
      if (record.status === "approved") result.state.approve(item);
      else result.state.reject(item, { message: guard.rejectionOutput(record) });
      return record;
    }),
  );
}

/** What a run of an agent returns, as far as parking reads it. */
interface AgentRunResult {
  interruptions: RunToolApprovalItem[];
  state: RunState<any, any>;
}

/** What runs an agent: a Runner, or anything with its run(agent, input | state). */
export interface AgentRunner<R extends AgentRunResult> {
  run(agent: Agent<any, any>, input: string | RunState<any, any>): Promise<R>;
}

/** How a parked-capable Agents run ended: finished, or paused on calls that wait for a person. */
export interface AgentsRun<R> {
  result: R;
  /** Set when the run parked: the approval ids of the interruptions that wait (resume with resumeAgentsRun and any of them). */
  parked?: { approvalIds: string[] };
}

/** What a parked Agents run stores: the serialized RunState, its interruptions resolved except the parked ones. */
interface ParkedAgents {
  readonly surface: "agents";
  readonly state: string;
}

/**
 * Runs an agent whose tools are gated in interrupt mode (gatedAgentTools /
 * guardAgentTools with `approvals: "interrupt"`) on a parking guard (ToolGuard
 * with an approvalStore): when the run pauses on interruptions the policy
 * holds for a person, the calls are parked with the serialized RunState and
 * the run returns `parked`. Interruptions the policy does not hold are
 * resolved at once (approved when the policy lets the call run, rejected when
 * only the tool's own needsApproval asked) and the run goes on.
 */
export async function runAgentWithParking<R extends AgentRunResult>(
  runner: AgentRunner<R>,
  agent: Agent<any, any>,
  guard: ToolGuard,
  input: string | RunState<any, any>,
): Promise<AgentsRun<R>> {
  let result = await runner.run(agent, input);
  while (result.interruptions.length > 0) {
    const approvalIds = await parkInterruptions(guard, result);
    if (approvalIds.length > 0) return { result, parked: { approvalIds } };
    result = await runner.run(agent, result.state);
  }
  return { result };
}

/** Parks the interruptions the policy holds for a person; resolves the others on the state. Returns the approval ids. */
async function parkInterruptions(guard: ToolGuard, result: AgentRunResult): Promise<string[]> {
  const parking: ParkingCall[] = [];
  for (const item of result.interruptions) {
    const raw = item.rawItem;
    if (raw.type !== "function_call") {
      result.state.reject(item, { message: guard.rejectionOutput({ status: "rejected", note: `toolgate does not decide ${raw.type} interruptions` }) });
      continue;
    }
    const call = agentsCall(guard, raw.name, raw.callId, raw.arguments);
    const decision = await guard.gate.decide(call);
    if (decision.effect === "require_approval") parking.push({ call, decision });
    else if (ownApprovalCalls.get(guard)?.delete(raw.callId)) {
      result.state.reject(item, {
        message: guard.rejectionOutput({ status: "rejected", note: "the tool's own needsApproval asked for a person and the policy did not" }),
      });
    } else result.state.approve(item);
  }
  if (parking.length === 0) return [];
  const data: ParkedAgents = { surface: "agents", state: result.state.toString() };
  const parked = await guard.parkOrRefuse(parking, data);
  if ("approvalIds" in parked) return parked.approvalIds;
  // The store could not take them: refused on the state, and the run goes on.
  const refusals = new Map(parked.refused.map((o) => [o.call.call_id, o.output]));
  for (const item of result.interruptions) {
    const raw = item.rawItem;
    const output = raw.type === "function_call" ? refusals.get(raw.callId) : undefined;
    if (output !== undefined) result.state.reject(item, { message: output });
  }
  return [];
}

/** What resuming a parked Agents run did. */
export type ResumedAgents<R> = { status: "pending"; pending: readonly string[] } | { status: "resumed_elsewhere" } | ({ status: "resumed" } & AgentsRun<R>);

/**
 * Continues a run runAgentWithParking parked, named by any approval id of its
 * parked interruptions, on any guard with the same approval store (`agent`'s
 * tools must be gated by this guard): once every approval is decided, exactly
 * one caller restores the RunState (RunState.fromString), approves each
 * interruption whose approval holds (consumed once, decided again by the gate,
 * the approver's modified arguments re-checked; the tool then runs once inside
 * the SDK on this guard's grant) and rejects the others with the refusal the
 * model should read, then runs on (it may park again).
 */
export async function resumeAgentsRun<R extends AgentRunResult>(
  runner: AgentRunner<R>,
  agent: Agent<any, any>,
  guard: ToolGuard,
  approvalId: string,
  options: { now?: Date } = {},
): Promise<ResumedAgents<R>> {
  const resumed = await guard.resumeTurn(approvalId, { ...options, grant: true });
  if (resumed.status !== "resumed") return resumed;
  const data = resumed.data as ParkedAgents;
  if (data?.surface !== "agents") throw new ApprovalStateError("approval_not_resumable", `Approval ${approvalId} parked a ${String(data?.surface)} run, not an Agents SDK one.`);
  const state = await RunState.fromString(agent, data.state);
  const byCallId = new Map(resumed.calls.map((c) => [c.call.call_id, c.authorization]));
  for (const item of state.getInterruptions()) {
    const raw = item.rawItem;
    const authorization = raw.type === "function_call" ? byCallId.get(raw.callId) : undefined;
    if (authorization?.kind === "run") state.approve(item);
    else
      state.reject(item, {
        message: authorization?.outcome.output ?? guard.rejectionOutput({ status: "failed", note: "the interruption has no approval in the parked turn" }),
      });
  }
  return { status: "resumed", ...(await runAgentWithParking(runner, agent, guard, state)) };
}
