#!/usr/bin/env node
import { Command } from "commander";
import { registerCommands } from "./commands/index.ts";
import { reportFailure } from "./report-failure.ts";

const program = new Command("policy")
  .description("Build, test, evaluate, watch and replay toolgate policies (Rego compiled to WASM).")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportFailure(err);
}
