import type { Effect, Reason } from "../gate/decision.ts";
import type { InputDocument } from "../gate/input-document.ts";
import { planCharges, type BudgetCharge, type UsageReading } from "../gate/budget-charges.ts";
import { DecisionPipeline, LoadedRevision } from "../gate/pipeline.ts";
import { GateReason } from "../gate/reason-codes.ts";
import type { ToolCall, AnyToolDeclaration, ToolType } from "../gate/tool-call.ts";
import type { PolicyEngine } from "../policy/engine.ts";
import { argumentsWithheld, type DecisionRecord } from "../audit/decision-record.ts";
import { readLog } from "../audit/read-log.ts";
import { ReplayUsage } from "./replay-usage.ts";

/**
 * Gate denies whose arguments never reached the log (the raw text was not a
 * JSON object within limits, or the call itself was malformed): nothing can
 * be re-evaluated, by the policy or by the gate.
 */
const ARGUMENTS_NOT_LOGGED: ReadonlySet<string> = new Set([
  GateReason.argumentsNotJson,
  GateReason.argumentsNotObject,
  GateReason.argumentsTooLarge,
  GateReason.argumentsTooDeep,
  GateReason.argumentsInvalidUnicode,
  GateReason.argumentsDuplicateKey,
  GateReason.invalidToolCall,
]);

/**
 * Gate denies made on the tool declarations before the policy ran. The parsed
 * arguments are logged, so with the tool declarations they can go through the
 * gate's schema check again; without them, the policy alone would judge a call
 * the gate never let it see.
 */
const DECIDED_ON_TOOL_SCHEMAS: ReadonlySet<string> = new Set([GateReason.toolNotDeclared, GateReason.schemaViolation]);

/** Gate denies made on operational state (kill switches), not on the policy: a candidate policy cannot change them. */
const OPERATIONAL_DENIES: ReadonlySet<string> = new Set([GateReason.killed, GateReason.killSwitchUnavailable]);

/** What replay could say about one record. */
export type ReplayOutcome =
  /** Re-evaluated; effect or reason codes differ. */
  | "changed"
  /** Re-evaluated; same effect and reason codes. */
  | "unchanged"
  /** Denied by the gate before the policy ran and not re-evaluable (see `ReplayedRecord.why`): unchanged by the policy. */
  | "pre_policy"
  /**
   * A `sanitize` record, whose logged arguments are the sanitized ones, or a
   * record whose secrets were redacted (`secrets_redacted`), that the candidate
   * now allows: the raw arguments, never logged, may well still be sanitized
   * or denied, so replay cannot tell.
   */
  | "inconclusive"
  /**
   * Nothing to re-evaluate: the record has no usable input document, or its
   * arguments were withheld from the log (a sanitize whose rewrite broke the
   * tool schema, denied as sanitized_arguments_invalid).
   */
  | "skipped";

export interface ReplayedDecision {
  effect: Effect;
  reasons: Reason[];
  arguments?: Record<string, unknown>;
}

export interface ReplayedRecord {
  outcome: ReplayOutcome;
  /** The candidate's decision, for re-evaluated records (changed, unchanged, inconclusive). */
  decision?: ReplayedDecision;
  /** For pre_policy and skipped: the gate reason code or what is missing. */
  why?: string;
}

export interface ReplayerOptions {
  /**
   * The tool declarations the gate checks arguments against. Given, replay runs
   * each record through the gate's checks after parsing (schema, tool declared,
   * sanitized arguments re-checked), so schema denies are re-evaluated too.
   */
  tools?: readonly AnyToolDeclaration[];
}

/** Reason codes as a comparable key: order is not significant. */
function codesKey(reasons: readonly Reason[]): string {
  return reasons
    .map((r) => r.code)
    .sort()
    .join(",");
}

/** The call a recorded input document was made for, its arguments already parsed; the gate re-checks its tool reference. */
function recordedCall(input: InputDocument): ToolCall {
  const tool = input.tool as Partial<Record<"name" | "type" | "server_label", unknown>> | undefined;
  return {
    surface: input.surface,
    assistant_id: input.assistant_id,
    ...(input.thread_id === undefined ? {} : { thread_id: input.thread_id }),
    ...(input.run_id === undefined ? {} : { run_id: input.run_id }),
    call_id: input.call_id,
    name: tool?.name as string,
    ...(tool?.type === undefined ? {} : { tool_type: tool.type as ToolType }),
    ...(tool?.server_label === undefined ? {} : { server_label: tool.server_label as string }),
    arguments: "",
    context: input.context,
  };
}

/**
 * Re-decides recorded inputs with a candidate policy through the gate's
 * decision pipeline, from the parsed arguments on: the constraints are
 * resolved again from the candidate's toolgate.yaml (the recorded ones are the
 * old policy's), the decision is validated, and failures deny with the gate's
 * reason codes.
 */
export class Replayer {
  readonly engine: PolicyEngine;
  readonly gateChecks: boolean;
  private readonly pipeline: DecisionPipeline;
  private readonly loaded: LoadedRevision;
  private readonly usage = new ReplayUsage();

  constructor(engine: PolicyEngine, options: ReplayerOptions = {}) {
    this.engine = engine;
    this.pipeline = new DecisionPipeline(options.tools ? { tools: options.tools } : {});
    this.gateChecks = this.pipeline.schemas !== undefined;
    this.loaded = new LoadedRevision(engine);
  }

  replay(record: DecisionRecord): ReplayedRecord {
    const input = record.input as InputDocument | undefined;
    if (input === null || typeof input !== "object" || typeof input.arguments !== "object" || input.arguments === null) {
      return { outcome: "skipped", why: "no input document" };
    }
    // An approval outcome repeats its decision (same decision_id); that decision is replayed once.
    if (record.approval !== undefined) return { outcome: "skipped", why: "approval outcome of an earlier record" };
    const old = record.result;
    if (!Array.isArray(old.reasons)) return { outcome: "skipped", why: "no result.reasons" };
    if (argumentsWithheld(old)) return { outcome: "skipped", why: "arguments withheld (sanitized_arguments_invalid)" };
    const gateCode = old.effect === "deny" && old.reasons.length === 1 ? old.reasons[0]?.code : undefined;
    if (gateCode !== undefined && (ARGUMENTS_NOT_LOGGED.has(gateCode) || OPERATIONAL_DENIES.has(gateCode))) return { outcome: "pre_policy", why: gateCode };
    if (gateCode !== undefined && DECIDED_ON_TOOL_SCHEMAS.has(gateCode) && !this.gateChecks) {
      return { outcome: "pre_policy", why: gateCode };
    }

    const decision = this.decide(input, Date.parse(record.timestamp));
    const same = decision.effect === old.effect && codesKey(decision.reasons) === codesKey(old.reasons);
    if (same) return { outcome: "unchanged", decision };
    // Both logged inputs hold redacted arguments: allowing them says nothing of the raw ones.
    if (decision.effect === "allow" && (old.effect === "sanitize" || record.secrets_redacted === true)) return { outcome: "inconclusive", decision };
    return { outcome: "changed", decision };
  }

  /**
   * The candidate's decision on a recorded input. `at` (the record's time)
   * decides the candidate's budgets on the usage recomputed from the records
   * replayed before it; without it they are decided fresh.
   */
  decide(input: InputDocument, at?: number): ReplayedDecision {
    const args = input.arguments;
    const call = recordedCall(input);
    const charges = at === undefined || Number.isNaN(at) ? undefined : this.charges(call, args);
    const reading: UsageReading = charges ? this.usage.reading(charges, at!) : "fresh";
    const { decision } = this.pipeline.decideParsed(this.loaded, call, args, undefined, undefined, reading);
    if (charges && decision.effect !== "deny") {
      const effective = this.charges(call, decision.arguments);
      if (effective) this.usage.add(effective, at!);
    }
    const replayed: ReplayedDecision = { effect: decision.effect, reasons: decision.reasons };
    if (decision.arguments !== args) replayed.arguments = decision.arguments;
    return replayed;
  }

  /** What a call adds to the candidate's budgets; undefined when it has none or they cannot be counted (the pipeline says why). */
  private charges(call: ToolCall, args: Record<string, unknown>): readonly BudgetCharge[] | undefined {
    if (typeof call.name !== "string" || typeof call.assistant_id !== "string" || (call.tool_type ?? "function") !== "function") return undefined;
    try {
      const budgets = this.loaded.budgets.resolve(call.assistant_id, call.name);
      if (budgets.length === 0) return undefined;
      const plan = planCharges(budgets, call, args);
      return plan.ok ? plan.charges : undefined;
    } catch {
      return undefined;
    }
  }
}

/** One re-evaluated call whose decision differs. */
export interface ReplayChange
  extends Pick<
    DecisionRecord,
    "seq" | "decision_id" | "timestamp" | "surface" | "assistant_id" | "thread_id" | "run_id" | "call_id" | "tool" | "mcp_server_label"
  > {
  /** The revision that made the recorded decision. */
  revision: string;
  /** `old->new` effect, e.g. `deny->allow`; `deny->deny` when only the reasons differ. */
  transition: string;
  old: { effect: Effect; reasons: Reason[] };
  new: ReplayedDecision;
}

export interface ReplayReport {
  log: string;
  candidate: {
    revision: string;
    /** True when the gate's schema checks were re-run (tool declarations given). */
    gate_checks: boolean;
  };
  /** Recorded revisions and how many records each made, in order of first appearance. */
  revisions: Record<string, number>;
  counts: {
    records: number;
    /** Re-evaluated: changed + unchanged + inconclusive. */
    evaluated: number;
    changed: number;
    unchanged: number;
    pre_policy: number;
    inconclusive: number;
    skipped: number;
  };
  /** Per `old->new` transition, the number of changed records. */
  transitions: Record<string, number>;
  /** Pre-policy records by gate reason code. */
  pre_policy_reasons: Record<string, number>;
  /** Skipped records by why. */
  skipped_reasons: Record<string, number>;
  changes: ReplayChange[];
  /** Sanitize records the candidate allows on their redacted arguments (see ReplayOutcome). */
  inconclusive: ReplayChange[];
  duration_ms: number;
}

export interface ReplayLogOptions extends ReplayerOptions {
  engine: PolicyEngine;
  onProgress?: (bytesRead: number, bytesTotal: number) => void;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function changeOf(record: DecisionRecord, decision: ReplayedDecision): ReplayChange {
  const change: ReplayChange = {
    seq: record.seq,
    decision_id: record.decision_id,
    timestamp: record.timestamp,
    surface: record.surface,
    assistant_id: record.assistant_id,
    call_id: record.call_id,
    tool: record.tool,
    revision: record.revision,
    transition: `${record.result.effect}->${decision.effect}`,
    old: { effect: record.result.effect, reasons: record.result.reasons },
    new: decision,
  };
  if (record.thread_id !== undefined) change.thread_id = record.thread_id;
  if (record.run_id !== undefined) change.run_id = record.run_id;
  if (record.mcp_server_label !== undefined) change.mcp_server_label = record.mcp_server_label;
  return change;
}

/** Replays every record of a log (and its rotated files, in chain order), streaming. */
export async function replayLog(path: string, options: ReplayLogOptions): Promise<ReplayReport> {
  const started = performance.now();
  const replayer = new Replayer(options.engine, options.tools ? { tools: options.tools } : {});
  const report: ReplayReport = {
    log: path,
    candidate: { revision: options.engine.revision, gate_checks: replayer.gateChecks },
    revisions: {},
    counts: { records: 0, evaluated: 0, changed: 0, unchanged: 0, pre_policy: 0, inconclusive: 0, skipped: 0 },
    transitions: {},
    pre_policy_reasons: {},
    skipped_reasons: {},
    changes: [],
    inconclusive: [],
    duration_ms: 0,
  };
  const counts = report.counts;
  for await (const record of readLog(path, options.onProgress ? { onProgress: options.onProgress } : {})) {
    counts.records += 1;
    bump(report.revisions, record.revision);
    const replayed = replayer.replay(record);
    counts[replayed.outcome] += 1;
    switch (replayed.outcome) {
      case "changed": {
        const change = changeOf(record, replayed.decision!);
        report.changes.push(change);
        bump(report.transitions, change.transition);
        break;
      }
      case "inconclusive":
        report.inconclusive.push(changeOf(record, replayed.decision!));
        break;
      case "pre_policy":
        bump(report.pre_policy_reasons, replayed.why!);
        break;
      case "skipped":
        bump(report.skipped_reasons, replayed.why!);
        break;
    }
  }
  counts.evaluated = counts.changed + counts.unchanged + counts.inconclusive;
  report.duration_ms = performance.now() - started;
  return report;
}
