import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Option, type Command } from "commander";
import { replayLog, type ReplayChange, type ReplayReport } from "../../replay/replay.ts";
import { ToolgateError } from "../../errors.ts";
import type { Reason } from "../../gate/decision.ts";
import { compileBundle } from "../../policy/compile.ts";
import { PolicyEngine } from "../../policy/engine.ts";
import { DEFAULT_BUNDLE, defaultToolsFile } from "../defaults.ts";
import { loadToolDeclarations } from "../../gate/load-tools.ts";
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
  if (options.format === "json") {
    process.stdout.write(`${JSON.stringify({ ...report, candidate: { ...report.candidate, source, tools: toolsFile ?? null } }, null, 2)}\n`);
  } else {
    process.stdout.write(formatReport(report, source, toolsFile));
  }
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

function codes(reasons: readonly Reason[]): string {
  return reasons.map((r) => r.code).join(",") || "-";
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : i === 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ");
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join("");
}

function changeRows(changes: readonly ReplayChange[]): string[][] {
  return changes.map((c) => [
    String(c.seq),
    c.decision_id,
    c.call_id,
    c.tool,
    c.assistant_id,
    `${c.old.effect} (${codes(c.old.reasons)})`,
    `-> ${c.new.effect} (${codes(c.new.reasons)})`,
  ]);
}

const HEADER = ["SEQ", "DECISION_ID", "CALL", "TOOL", "ASSISTANT", "OLD", "NEW"];

export function formatReport(report: ReplayReport, source: string, toolsFile: string | undefined): string {
  const c = report.counts;
  const rate = report.duration_ms > 0 ? Math.round((c.records / report.duration_ms) * 1000) : 0;
  const revisions = Object.entries(report.revisions).map(([rev, n]) => `${rev || "(none)"} (${n})`);
  let out =
    `replayed ${c.records} record(s) of ${report.log} against revision ${report.candidate.revision} (${source}) ` +
    `in ${Math.round(report.duration_ms)} ms (${rate}/s)\n` +
    `recorded revisions: ${revisions.join(", ") || "none"}\n` +
    `gate checks: ${toolsFile ? `re-run with ${toolsFile}` : "not re-run (no --tools): schema denies are counted as pre-policy"}\n` +
    `${c.changed} changed, ${c.unchanged} unchanged, ${c.pre_policy} pre-policy (denied by the gate before the policy ran; ` +
    `unchanged by the policy), ${c.inconclusive} inconclusive (sanitized arguments), ${c.skipped} skipped\n`;
  const pre = Object.entries(report.pre_policy_reasons);
  if (pre.length > 0) out += `pre-policy by reason: ${pre.map(([code, n]) => `${code} ${n}`).join(", ")}\n`;
  const skipped = Object.entries(report.skipped_reasons);
  if (skipped.length > 0) out += `skipped: ${skipped.map(([why, n]) => `${why} ${n}`).join(", ")}\n`;
  const transitions = Object.entries(report.transitions).sort((a, b) => b[1] - a[1]);
  if (transitions.length > 0) {
    out += `\ntransitions:\n${transitions.map(([t, n]) => `  ${t.padEnd(34)} ${n}\n`).join("")}`;
    out += `\nchanged calls:\n${table(HEADER, changeRows(report.changes))}`;
  }
  if (report.inconclusive.length > 0) {
    out +=
      `\ninconclusive: sanitize records whose logged (already sanitized) arguments the candidate allows; ` +
      `the raw arguments were never logged:\n${table(HEADER, changeRows(report.inconclusive))}`;
  }
  if (c.changed === 0) out += "\nno decision changed\n";
  return out;
}
