import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Option, type Command } from "commander";
import { replayLog } from "../../replay/replay.ts";
import { ToolgateError } from "../../errors.ts";
import { compileBundle } from "../../policy/compile.ts";
import { PolicyEngine } from "../../policy/engine.ts";
import { DEFAULT_BUNDLE, defaultToolsFile } from "../defaults.ts";
import { loadToolDeclarations } from "../../gate/load-tools.ts";
import { reporter } from "../output/index.ts";
import { byteProgress } from "../progress.ts";
import { DEFAULT_LOG } from "./audit.ts";

interface ReplayOptions {
  bundle?: string;
  rego?: string;
  tools?: string;
  format: "table" | "json";
  allowChanges?: boolean;
}

export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description(
      "Re-decide every recorded call of a decision log with a candidate policy and report what changed. " +
        "Exit 1 when any decision changed (0 with --allow-changes), 2 on errors.",
    )
    .argument("[log]", `decision log (default: $TOOLGATE_AUDIT_LOG, else ./${DEFAULT_LOG}); rotated files are read too`)
    .option("--bundle <file>", `candidate policy bundle (default: ${DEFAULT_BUNDLE})`)
    .option("--rego <dir>", "build the candidate from this policy directory instead of reading a bundle")
    .option(
      "--tools <file>",
      "tool declarations: re-run the gate's schema checks, so schema denies are re-evaluated too (default: <rego>/tools.json with --rego, if present)",
    )
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .option("--allow-changes", "report changes but exit 0")
    .action(async (log: string | undefined, options: ReplayOptions) => {
      process.exitCode = await replay(log ?? (process.env.TOOLGATE_AUDIT_LOG || DEFAULT_LOG), options);
    });
}

async function replay(log: string, options: ReplayOptions): Promise<number> {
  if (options.bundle !== undefined && options.rego !== undefined) {
    throw new ToolgateError("usage", "give --bundle FILE or --rego DIR, not both");
  }
  const toolsFile = options.tools ?? (options.rego !== undefined ? existingFile(defaultToolsFile(options.rego)) : undefined);
  const tools = toolsFile === undefined ? undefined : await loadToolDeclarations(toolsFile);
  const { engine, source } = await loadCandidate(options);

  const progress = byteProgress("replaying");
  const report = await replayLog(log, { engine, ...(tools ? { tools } : {}), onProgress: progress.update }).finally(() =>
    progress.done(),
  );
  process.stdout.write(reporter(options.format).replay!(report, { source, toolsFile }));
  return report.counts.changed > 0 && !options.allowChanges ? 1 : 0;
}

function existingFile(file: string): string | undefined {
  return existsSync(file) ? file : undefined;
}

async function loadCandidate(options: ReplayOptions): Promise<{ engine: PolicyEngine; source: string }> {
  if (options.rego === undefined) {
    const bundle = options.bundle ?? DEFAULT_BUNDLE;
    return { engine: await PolicyEngine.open(bundle), source: bundle };
  }
  const work = await mkdtemp(path.join(tmpdir(), "toolgate-replay-"));
  try {
    const built = await compileBundle({ regoDir: options.rego, out: path.join(work, "bundle.tar.gz") });
    return { engine: await PolicyEngine.open(built.path), source: options.rego };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
