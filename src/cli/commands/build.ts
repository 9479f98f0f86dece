import type { Command } from "commander";
import { compileBundle } from "../../policy/compile.ts";
import { formatDiagnostic } from "../../policy/errors.ts";
import { findPolicyDir } from "../../policy/policy-dir.ts";
import { DEFAULT_BUNDLE, REGO_OPTION_HELP } from "../defaults.ts";

export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("Compile the policy (framework + your Rego + toolgate.yaml) to a WASM bundle with opa")
    .option("--rego <dir>", REGO_OPTION_HELP)
    .option("--out <file>", "bundle to write", DEFAULT_BUNDLE)
    .option("--tools <file>", "tool declarations toolgate.yaml's tool names are checked against (default: <rego>/tools.json)")
    .option("--capabilities <file>", "builtins the runtime provides (default: the one toolgate ships)")
    .action(async (options: { rego?: string; out: string; tools?: string; capabilities?: string }) => {
      const built = await compileBundle({
        regoDir: findPolicyDir(options.rego),
        out: options.out,
        ...(options.tools ? { tools: options.tools } : {}),
        ...(options.capabilities ? { capabilities: options.capabilities } : {}),
      });
      for (const warning of built.warnings) process.stderr.write(`policy: warning: ${formatDiagnostic(warning)}\n`);
      process.stdout.write(
        `built ${built.path} (revision ${built.revision}) from ${built.files.length} Rego files` +
          `${built.config ? " and toolgate.yaml" : ""} in ${Math.round(built.durationMs)} ms\n`,
      );
    });
}
