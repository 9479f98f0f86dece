#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { PACKAGE_JSON_FILE } from "../policy/package-files.ts";
import { registerCommands } from "./commands/index.ts";
import { reportFailure } from "./report-failure.ts";

const { version } = JSON.parse(readFileSync(PACKAGE_JSON_FILE, "utf8")) as { version: string };

const program = new Command("policy")
  .version(version, "-V, --version", "print the toolgate version")
  .description("Build, test, evaluate, watch and replay toolgate policies (Rego compiled to WASM).")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

registerCommands(program);

// A reader that stops early (`policy eval ... | head`) closes the pipe: end
// quietly with the status a shell gives a process killed by SIGPIPE.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") throw err;
  process.exit(141);
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportFailure(err);
}
