import type { Command } from "commander";
import { registerAudit } from "./audit.ts";

/** Each command lives in its own file and registers itself here. */
export function registerCommands(program: Command): void {
  registerAudit(program);
}
