import { CommanderError } from "commander";
import { ToolgateError } from "../errors.ts";

/** Prints an error the way a user can act on it and returns the exit code (2: usage or build error). */
export function reportFailure(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed help/version or the usage error.
    return err.code === "commander.helpDisplayed" || err.code === "commander.version" ? 0 : 2;
  }
  if (err instanceof ToolgateError) {
    process.stderr.write(`policy: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`policy: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 2;
}
