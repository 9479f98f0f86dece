import type { Command } from "commander";
import { registerApprovals } from "./approvals.ts";
import { registerAudit } from "./audit.ts";
import { registerBuild } from "./build.ts";
import { registerEval } from "./eval.ts";
import { registerInit } from "./init.ts";
import { registerKill } from "./kill.ts";
import { registerReplay } from "./replay.ts";
import { registerTest } from "./test.ts";
import { registerUsage } from "./usage.ts";
import { registerWatch } from "./watch.ts";

/** Each command lives in its own file and registers itself here. */
export function registerCommands(program: Command): void {
  registerInit(program);
  registerBuild(program);
  registerEval(program);
  registerAudit(program);
  registerReplay(program);
  registerTest(program);
  registerWatch(program);
  registerApprovals(program);
  registerKill(program);
  registerUsage(program);
}
