import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Gate } from "../../src/gate/gate.ts";
import type { Decision } from "../../src/gate/decision.ts";
import type { ToolDeclaration } from "../../src/gate/tool-call.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";

/** A tool whose JSON schema accepts any arguments object, so every value reaches the policy's constraints. */
export function openTool(name: string): ToolDeclaration {
  return { type: "function", function: { name, parameters: { type: "object" } } };
}

/**
 * A real gate (real opa build, real opa-wasm) over a policy directory made of
 * `toolgate.yaml` text and open-schema tools: for testing one constraint's
 * verdicts through the whole pipeline.
 */
export async function constraintGate(toolgateYaml: string, toolNames: string[]): Promise<Gate> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-constraint-"));
  const regoDir = path.join(dir, "rego");
  await mkdir(regoDir);
  const tools = toolNames.map(openTool);
  await writeFile(path.join(regoDir, "toolgate.yaml"), toolgateYaml);
  await writeFile(path.join(regoDir, "tools.json"), JSON.stringify(tools));
  const out = path.join(dir, "bundle.tar.gz");
  await compileBundle({ regoDir, out });
  return new Gate(await PolicyEngine.load(await readBundle(out)), { tools });
}

/** The gate's decision on `name` called with `args`. */
export function decide(gate: Gate, name: string, args: Record<string, unknown>): Decision {
  return gate.evaluate({ surface: "chat", assistant_id: "asst_test", call_id: "c", name, arguments: JSON.stringify(args) }).decision;
}
