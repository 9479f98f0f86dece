import { Option, type Command } from "commander";
import { ToolgateError } from "../../errors.ts";
import type { ToolCall } from "../../gate/tool-call.ts";
import { Gate } from "../../gate/gate.ts";
import { PolicyEngine } from "../../policy/engine.ts";
import { caseToolCall, toToolCall } from "../../testing/case-call.ts";
import { loadCaseFile } from "../../testing/case-file.ts";
import { DEFAULT_BUNDLE, DEFAULT_REGO_DIR, defaultToolsFile } from "../defaults.ts";
import { loadToolDeclarations } from "../../gate/load-tools.ts";
import { reporter } from "../output/index.ts";
import { parseJsonDocuments, readSource } from "../read-input.ts";

interface EvalOptions {
  call?: string;
  input?: string;
  bundle: string;
  tools?: string;
  rego: string;
  format: "json" | "text";
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description(
      "Decide tool calls with the built bundle, through the full gate (arguments, schema, policy); exits 0 whatever the effect",
    )
    .option("--call <file>", 'tool call(s) as JSON or JSON lines, "-" for stdin: {"assistant_id","tool","arguments": "<raw JSON string>"} (tool: a name, or {"type":"mcp","server_label","name"}); or a YAML case file')
    .option("--input <file>", 'a raw input document (what Rego sees as input), "-" for stdin; skips the gate\'s checks')
    .option("--bundle <file>", "policy bundle", DEFAULT_BUNDLE)
    .option("--rego <dir>", "policy directory (to find tools.json)", DEFAULT_REGO_DIR)
    .option("--tools <file>", "tool declarations (default: <rego>/tools.json)")
    .addOption(new Option("--format <format>", "output format").choices(["json", "text"]).default("text"))
    .action(async (options: EvalOptions) => {
      if ((options.call === undefined) === (options.input === undefined)) {
        throw new ToolgateError("usage", "give exactly one of --call FILE or --input FILE (see policy eval --help)");
      }
      const engine = await PolicyEngine.open(options.bundle);
      if (options.input !== undefined) {
        const [input, ...rest] = parseJsonDocuments(await readSource(options.input), options.input);
        if (rest.length > 0) throw new ToolgateError("usage", `${options.input}: --input takes one input document`);
        const result = engine.evaluate(input);
        const out = { revision: engine.revision, result: result ?? null };
        process.stdout.write(options.format === "json" ? `${JSON.stringify(out)}\n` : `${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const gate = new Gate(engine, { tools: await loadToolDeclarations(options.tools ?? defaultToolsFile(options.rego)) });
      const source = options.call!;
      let calls: Array<ToolCall & { id: string }>;
      if (/\.ya?ml$/.test(source)) {
        calls = (await loadCaseFile(source)).map((c) => ({ id: c.id, ...caseToolCall(c) }));
      } else {
        const documents = parseJsonDocuments(await readSource(source), source);
        calls = documents.map((document, index) => toToolCall(document, documents.length > 1 ? `${source}:${index + 1}` : source));
      }
      calls.forEach((call) => {
        const { decision } = gate.evaluate(call);
        process.stdout.write(reporter(options.format).decision!(call.id, decision));
      });
    });
}
