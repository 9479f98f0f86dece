import type { DecisionRecord } from "../../audit/decision-record.ts";
import type { Decision, Reason } from "../../gate/decision.ts";
import type { ReplayChange, ReplayReport } from "../../replay/replay.ts";
import { formatSeconds, summaryLine, type TestReport, type TestResult } from "../../testing/types.ts";
import type { Reporter, ReplaySource } from "./reporter.ts";

const MARK: Record<TestResult["status"], string> = { pass: "PASS", fail: "FAIL", error: "ERROR", skip: "SKIP" };

function where(r: TestResult): string {
  return `${r.file}:${r.line}`;
}

/** For a terminal: failures and errors in full, passes only with --verbose; wall time, then the summary line last. */
export function renderPretty(report: TestReport, options: { verbose: boolean }): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.status === "pass" && !options.verbose) continue;
    const time = options.verbose ? ` (${r.durationMs < 1 ? `${Math.round(r.durationMs * 1000)} us` : `${r.durationMs.toFixed(1)} ms`})` : "";
    lines.push(`${MARK[r.status].padEnd(5)} ${r.name}  ${where(r)}${time}`);
    if (r.message && r.status !== "pass") lines.push(`      ${r.message}`);
    for (const d of r.details ?? []) lines.push(`      ${d}`);
    if (options.verbose) for (const v of r.verbose ?? []) lines.push(`      ${v}`);
  }
  if (lines.length > 0) lines.push("");
  for (const note of report.notes) lines.push(note);
  const counts = (kind: TestResult["kind"]) => report.results.filter((r) => r.kind === kind).length;
  lines.push(
    `${counts("rego")} rego tests, ${counts("case")} tool-call cases${counts("parity") ? `, ${counts("parity")} opa parity checks` : ""}` +
      (report.revision ? ` (revision ${report.revision})` : ""),
  );
  if (report.bailed) lines.push("stopped at the first failure (--bail)");
  lines.push(`wall time ${formatSeconds(report.wallMs)} (build ${formatSeconds(report.buildMs)})`);
  lines.push(summaryLine(report.summary));
  return lines.join("\n") + "\n";
}

/** A decision as a few readable lines for a terminal. */
export function formatDecision(label: string, decision: Decision): string {
  const lines = [`${decision.effect.padEnd(16)} ${label}  (revision ${decision.revision || "none"}, ${decision.duration_us} us)`];
  for (const reason of decision.reasons) lines.push(`  ${reason.code}: ${reason.message}`);
  if (decision.effect === "sanitize") lines.push(`  effective arguments: ${JSON.stringify(decision.arguments)}`);
  if (decision.approval) lines.push(`  approval: ${JSON.stringify(decision.approval)}`);
  return lines.join("\n") + "\n";
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
    toolName(c),
    c.assistant_id,
    `${c.old.effect} (${codes(c.old.reasons)})`,
    `-> ${c.new.effect} (${codes(c.new.reasons)})`,
  ]);
}

const HEADER = ["SEQ", "DECISION_ID", "CALL", "TOOL", "ASSISTANT", "OLD", "NEW"];

function formatReplay(report: ReplayReport, { source, toolsFile }: ReplaySource): string {
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

const TABLE_HEADER = ["TIME", "SEQ", "EFFECT", "APPROVAL", "ASSISTANT", "TOOL", "CALL", "REVISION", "REASONS"];
/** Fixed widths so the table streams: no need to see every row before printing the first. */
const WIDTHS = [24, 7, 16, 9, 18, 20, 16, 12];

/** A tool as the tables show it: its name, or `mcp:<server label>/<name>` for a hosted MCP tool. */
function toolName(r: { tool: string; mcp_server_label?: string }): string {
  return r.mcp_server_label === undefined ? r.tool : `mcp:${r.mcp_server_label}/${r.tool}`;
}

function tableCells(r: DecisionRecord): string[] {
  return [
    r.timestamp,
    String(r.seq),
    r.result.effect,
    r.approval?.outcome ?? "-",
    r.assistant_id,
    toolName(r),
    r.call_id,
    r.revision || "-",
    (r.result.reasons.map((reason) => reason.code).join(",") || "-") + usageNote(r),
  ];
}

/** The budgets' usage the call was decided on (input.usage): `  usage: name would_be/limit, …`. */
function usageNote(r: DecisionRecord): string {
  const usage = r.input?.usage;
  if (usage === null || typeof usage !== "object") return "";
  const parts = Object.entries(usage).map(([name, entry]) => {
    const { would_be: wouldBe, limit } = (entry ?? {}) as { would_be?: unknown; limit?: unknown };
    return `${name} ${String(wouldBe)}/${String(limit)}`;
  });
  return parts.length === 0 ? "" : `  usage: ${parts.join(", ")}`;
}

function tableRow(cells: string[]): string {
  return cells
    .map((cell, i) => {
      const width = WIDTHS[i];
      if (width === undefined) return cell; // the last column runs free
      const fitted = cell.length > width ? `${cell.slice(0, width - 1)}…` : cell;
      return i === 1 ? fitted.padStart(width) : fitted.padEnd(width);
    })
    .join("  ");
}

/** For people: `policy test --reporter pretty`, `policy eval --format text`, `policy replay|audit --format table`. */
export const pretty: Reporter = {
  test: renderPretty,
  decision: formatDecision,
  replay: formatReplay,
  // Headers wait for the first record so that a missing log prints only the error.
  auditRecord: (record, index) => `${index === 0 ? `${tableRow(TABLE_HEADER)}\n` : ""}${tableRow(tableCells(record))}\n`,
  auditEnd: () => "",
};
