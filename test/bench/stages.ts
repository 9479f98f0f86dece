// Where a gate decision's time goes, stage by stage, over the seed calls that
// reach the policy: argument parse, schema validation, input build (constraints
// + JSON text), WASM evaluation, decision validation, and the audit append
// (AuditRecorder -> DecisionLog, durability none and group, one caller).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AuditRecorder } from "../../src/audit/audit-recorder.ts";
import { DecisionLog, type Durability } from "../../src/audit/decision-log.ts";
import { inputDocumentJson, knownInputDocument } from "../../src/gate/input-document.ts";
import { DEFAULT_ARGUMENT_LIMITS, parseArguments } from "../../src/gate/parse-arguments.ts";
import { ConstraintResolver } from "../../src/gate/resolve-constraints.ts";
import { ToolSchemas } from "../../src/gate/tool-schemas.ts";
import { decisionProblem } from "../../src/gate/validate-decision.ts";
import { seedCalls, seedGate } from "./gate.ts";
import { measure, measureAsync, type LatencyStats } from "./stats.ts";

export type StageResult = Record<string, LatencyStats>;

export async function benchStages(iterations = 20_000): Promise<StageResult> {
  const { gate, engine, tools } = await seedGate();
  const schemas = new ToolSchemas(tools);
  const resolver = new ConstraintResolver(engine.config);
  const calls = (await seedCalls()).filter((c) => gate.evaluate(c).input !== undefined);
  const args = calls.map((c) => (parseArguments(c.arguments, DEFAULT_ARGUMENT_LIMITS) as { value: Record<string, unknown> }).value);
  const inputs = calls.map((c, i) => inputDocumentJson(c, args[i]!, resolver.resolveJson(c.assistant_id, { type: "function", name: c.name })));
  const results = inputs.map((json) => engine.evaluateJson(json));
  const n = calls.length;

  const stages: StageResult = {
    "argument parse": measure((i) => parseArguments(calls[i % n]!.arguments, DEFAULT_ARGUMENT_LIMITS), iterations),
    "schema validation": measure((i) => schemas.check(calls[i % n]!.name, args[i % n]!), iterations),
    "input build": measure((i) => {
      const c = calls[i % n]!;
      inputDocumentJson(c, args[i % n]!, resolver.resolveJson(c.assistant_id, { type: "function", name: c.name }));
    }, iterations),
    evaluate: measure((i) => engine.evaluateJson(inputs[i % n]!), iterations),
    "decision validation": measure((i) => decisionProblem(results[i % n]), iterations),
    "gate total (evaluate())": measure((i) => gate.evaluate(calls[i % n]!), iterations),
  };
  for (const durability of ["none", "group"] as Durability[]) {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-bench-audit-"));
    try {
      const log = await DecisionLog.open({ path: path.join(dir, "decisions.jsonl"), durability });
      const recorder = new AuditRecorder(log);
      const evaluations = calls.map((c) => ({ call: c, ...gate.evaluate(c) }));
      stages[`audit append (${durability})`] = await measureAsync((i) => {
        const e = evaluations[i % n]!;
        return recorder.record({ call: e.call, input: e.input ?? knownInputDocument(e.call, e.decision.arguments), decision: e.decision });
      }, durability === "none" ? iterations / 4 : 2000);
      await log.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return stages;
}
