import { InvalidArgumentError, Option, type Command } from "commander";
import { ToolgateError } from "../../errors.ts";
import type { Effect } from "../../gate/decision.ts";
import type { ToolCall } from "../../gate/tool-call.ts";
import { Gate } from "../../gate/gate.ts";
import { toolRef } from "../../gate/tool-ref.ts";
import { ConstraintResolver } from "../../gate/resolve-constraints.ts";
import { PolicyEngine } from "../../policy/engine.ts";
import { findPolicyDir } from "../../policy/policy-dir.ts";
import { caseToolCall, toToolCall } from "../../testing/case-call.ts";
import { loadCaseFile } from "../../testing/case-file.ts";
import { DEFAULT_BUNDLE, REGO_OPTION_HELP, defaultToolsFile } from "../defaults.ts";
import { loadToolDeclarations } from "../../gate/load-tools.ts";
import { reporter } from "../output/index.ts";
import { parseJsonDocuments, readSource } from "../read-input.ts";

const EFFECTS: readonly Effect[] = ["allow", "deny", "require_approval", "sanitize"];

interface EvalOptions {
  call?: string;
  input?: string;
  rawInput?: boolean;
  bundle: string;
  tools?: string;
  rego?: string;
  format: "json" | "text";
  failOn?: Effect[];
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description(
      "Decide tool calls with the built bundle, through the full gate (arguments, schema, policy); " +
        "exits 0 whatever the effect unless --fail-on names it (then 1)",
    )
    .option("--call <file>", 'tool call(s) as JSON or JSON lines, "-" for stdin: {"assistant_id","tool","arguments": "<raw JSON string>"} (tool: a name, or {"type":"mcp","server_label","name"}); or a YAML case file')
    .option(
      "--input <file>",
      'an input document (what Rego sees as input), "-" for stdin; its constraints are resolved from toolgate.yaml as the gate does (the gate\'s argument and schema checks are skipped)',
    )
    .option("--raw-input", "with --input: evaluate the document exactly as given, constraints included")
    .option("--bundle <file>", "policy bundle", DEFAULT_BUNDLE)
    .option("--rego <dir>", `${REGO_OPTION_HELP}; used to find tools.json`)
    .option("--tools <file>", "tool declarations (default: <rego>/tools.json)")
    .option("--fail-on <effects>", `exit 1 when any call's effect is one of these (comma-separated: ${EFFECTS.join(", ")})`, parseEffects)
    .addOption(new Option("--format <format>", "output format").choices(["json", "text"]).default("text"))
    .action(async (options: EvalOptions) => {
      if ((options.call === undefined) === (options.input === undefined)) {
        throw new ToolgateError("usage", "give exactly one of --call FILE or --input FILE (see policy eval --help)");
      }
      if (options.rawInput && options.input === undefined) throw new ToolgateError("usage", "--raw-input goes with --input FILE");
      const engine = await PolicyEngine.open(options.bundle);
      const effects =
        options.input !== undefined ? [await evaluateInput(engine, options.input, options)] : await decideCalls(engine, options.call!, options);
      if (options.failOn && effects.some((effect) => options.failOn!.includes(effect as Effect))) process.exitCode = 1;
    });
}

/** A raw input document: what a Rego unit test would give the policy, constraints resolved unless --raw-input. */
async function evaluateInput(engine: PolicyEngine, file: string, options: EvalOptions): Promise<string | undefined> {
  const [document, ...rest] = parseJsonDocuments(await readSource(file), file);
  if (rest.length > 0) throw new ToolgateError("usage", `${file}: --input takes one input document`);
  const input = options.rawInput ? document : withResolvedConstraints(engine, document);
  const result = engine.evaluate(input) as { effect?: string } | undefined;
  const out = { revision: engine.revision, result: result ?? null };
  process.stdout.write(options.format === "json" ? `${JSON.stringify(out)}\n` : `${JSON.stringify(out, null, 2)}\n`);
  return result?.effect;
}

/** The input with `constraints` replaced by what the gate would resolve for its assistant and tool. */
function withResolvedConstraints(engine: PolicyEngine, document: unknown): unknown {
  const doc = document as { assistant_id?: unknown; tool?: { name?: unknown; type?: unknown; server_label?: unknown } } | null;
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return document;
  if (typeof doc.assistant_id !== "string" || typeof doc.tool?.name !== "string") {
    throw new ToolgateError(
      "usage",
      "--input: the document needs assistant_id and tool.name to resolve its constraints from toolgate.yaml (or pass --raw-input)",
    );
  }
  const ref = toolRef({ name: doc.tool.name, tool_type: doc.tool.type ?? "function", server_label: doc.tool.server_label } as Parameters<typeof toolRef>[0]);
  if (!ref.ok) throw new ToolgateError("usage", `--input: tool: ${ref.reason.message}`);
  return { ...doc, constraints: new ConstraintResolver(engine.config).resolve(doc.assistant_id, ref.ref) };
}

async function decideCalls(engine: PolicyEngine, source: string, options: EvalOptions): Promise<string[]> {
  const toolsFile = options.tools ?? defaultToolsFile(findPolicyDir(options.rego));
  const gate = new Gate(engine, { tools: await loadToolDeclarations(toolsFile) });
  let calls: Array<ToolCall & { id: string }>;
  if (/\.ya?ml$/.test(source)) {
    calls = (await loadCaseFile(source)).map((c) => ({ id: c.id, ...caseToolCall(c) }));
  } else {
    const documents = parseJsonDocuments(await readSource(source), source);
    const name = source === "-" ? "stdin" : source;
    calls = documents.map((document, index) => toToolCall(document, documents.length > 1 ? `${name}:${index + 1}` : name));
  }
  return calls.map((call) => {
    // One call on its own: its budgets as if nothing were used yet (no store is read).
    const { decision } = gate.evaluate(call, "fresh");
    const label = options.format === "text" ? `${call.id}: ${call.name} for ${call.assistant_id}` : call.id;
    process.stdout.write(reporter(options.format).decision!(label, decision));
    return decision.effect;
  });
}

function parseEffects(value: string): Effect[] {
  const effects = value.split(",").map((e) => e.trim()).filter((e) => e !== "");
  const unknown = effects.filter((e) => !EFFECTS.includes(e as Effect));
  if (effects.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`expected effects among ${EFFECTS.join(", ")}${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}.`);
  }
  return effects as Effect[];
}
