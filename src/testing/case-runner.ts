import type { BudgetUsage } from "../gate/budget-charges.ts";
import type { Decision } from "../gate/decision.ts";
import { DecisionPipeline, LoadedRevision } from "../gate/pipeline.ts";
import type { AnyToolDeclaration } from "../gate/tool-call.ts";
import type { PolicyEngine } from "../policy/engine.ts";
import { caseToolCall } from "./case-call.ts";
import type { CaseExpectation, ToolCallCase } from "./case-file.ts";
import { deepEqual, keyedDiff } from "./diff.ts";
import type { TestResult } from "./types.ts";

/** A case's stated usage; a budget it does not name has nothing used yet. */
class StatedUsage extends Map<string, BudgetUsage> {
  override get(name: string): BudgetUsage {
    return super.get(name) ?? { used: 0, reserved: 0 };
  }
}

/**
 * Runs tool-call cases through the gate's decision pipeline (argument parsing,
 * schema validation, constraint resolution with the case's constraints laid
 * over, policy, decision checks), exactly as production decides them.
 */
export class CaseRunner {
  private readonly pipeline: DecisionPipeline;
  private readonly loaded: LoadedRevision;

  constructor(engine: PolicyEngine, tools: readonly AnyToolDeclaration[]) {
    this.pipeline = new DecisionPipeline({ tools });
    this.loaded = new LoadedRevision(engine);
  }

  run(c: ToolCallCase): TestResult {
    const call = caseToolCall(c);
    const started = performance.now();
    // Budgets: a case is decided as the first call of its budgets unless it states their usage.
    const { decision } = this.pipeline.decide(this.loaded, call, c.constraints, c.usage ? new StatedUsage(Object.entries(c.usage)) : "fresh");
    const durationMs = performance.now() - started;
    const problems = check(c.expect, decision);
    const base = { kind: "case" as const, name: `${c.file}#${c.id}`, file: c.file, line: c.line, durationMs };
    const verbose = [
      `${decision.effect} in ${decision.duration_us} us`,
      ...decision.reasons.map((r) => `${r.code}: ${r.message}`),
      ...(decision.effect === "sanitize" || decision.effect === "require_approval" ? [`effective arguments: ${JSON.stringify(decision.arguments)}`] : []),
    ];
    if (problems.length === 0) return { ...base, status: "pass", verbose };
    const expected = expectedView(c.expect);
    const actual = actualView(c.expect, decision);
    return {
      ...base,
      status: "fail",
      message: problems.join("; "),
      verbose,
      details: [
        `call: ${c.assistant_id} -> ${toolLabel(c)}(${c.arguments})${c.constraints ? ` constraints ${JSON.stringify(c.constraints)}` : ""}${c.context ? ` context ${JSON.stringify(c.context)}` : ""}`,
        `expected: ${JSON.stringify(expected)}`,
        `actual:   ${JSON.stringify(actual)}`,
        "diff (- expected, + actual):",
        ...keyedDiff(expected, actual).map((l) => `  ${l}`),
        ...(decision.reasons.length > 0 ? ["actual reasons:", ...decision.reasons.map((r) => `  ${r.code}: ${r.message}`)] : []),
      ],
    };
  }
}

/** How a case's tool reads in a failure: `name`, or `mcp:label/name` for a hosted MCP tool. */
function toolLabel(c: ToolCallCase): string {
  return c.tool_type === "mcp" || c.server_label !== undefined ? `mcp:${c.server_label ?? ""}/${c.tool}` : c.tool;
}

function pathGet(value: unknown, dotted: string): unknown {
  let current = value;
  for (const part of dotted.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function check(expect: CaseExpectation, d: Decision): string[] {
  const problems: string[] = [];
  if (d.effect !== expect.effect) problems.push(`effect: expected ${expect.effect}, got ${d.effect}`);
  if (expect.reasons) {
    const got = d.reasons.map((r) => r.code).sort();
    if (!deepEqual([...expect.reasons].sort(), got)) problems.push(`reasons: expected [${expect.reasons.join(", ")}], got [${got.join(", ")}]`);
  }
  for (const [key, value] of Object.entries(expect.arguments ?? {})) {
    if (!deepEqual(d.arguments[key], value)) problems.push(`arguments.${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(d.arguments[key])}`);
  }
  for (const [key, value] of Object.entries(expect.approval ?? {})) {
    if (!deepEqual(d.approval?.[key], value)) problems.push(`approval.${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(d.approval?.[key])}`);
  }
  for (const r of expect.redacted ?? []) {
    const value = pathGet(d.arguments, r.path);
    const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
    for (const banned of r.must_not_contain) {
      if (text.includes(banned)) problems.push(`arguments.${r.path} still contains ${JSON.stringify(banned)}`);
    }
  }
  return problems;
}

/** What the case expects, as a document to diff. */
function expectedView(expect: CaseExpectation): Record<string, unknown> {
  const view: Record<string, unknown> = { effect: expect.effect };
  if (expect.reasons) view.reasons = [...expect.reasons].sort();
  if (expect.arguments) view.arguments = expect.arguments;
  if (expect.approval) view.approval = expect.approval;
  if (expect.redacted) view.redacted = Object.fromEntries(expect.redacted.map((r) => [r.path, `without ${r.must_not_contain.join(", ")}`]));
  return view;
}

/** The decision, cut to what the case checks, in the same shape as expectedView. */
function actualView(expect: CaseExpectation, d: Decision): Record<string, unknown> {
  const view: Record<string, unknown> = { effect: d.effect };
  if (expect.reasons) view.reasons = d.reasons.map((r) => r.code).sort();
  if (expect.arguments) view.arguments = Object.fromEntries(Object.keys(expect.arguments).map((k) => [k, d.arguments[k] ?? null]));
  if (expect.approval) view.approval = Object.fromEntries(Object.keys(expect.approval).map((k) => [k, d.approval?.[k] ?? null]));
  if (expect.redacted) {
    view.redacted = Object.fromEntries(
      expect.redacted.map((r) => {
        const value = pathGet(d.arguments, r.path);
        const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
        const leaked = r.must_not_contain.filter((b) => text.includes(b));
        return [r.path, leaked.length === 0 ? `without ${r.must_not_contain.join(", ")}` : `contains ${leaked.join(", ")}: ${text}`];
      }),
    );
  }
  return view;
}
