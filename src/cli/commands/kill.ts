import { hostname, userInfo } from "node:os";
import { Option, type Command } from "commander";
import { ToolgateError } from "../../errors.ts";
import { checkName, describeSwitch, type KillSwitch, type KillSwitchEvent, type KillSwitchStore } from "../../killswitch/kill-switch.ts";
import { openKillSwitchStore } from "../../killswitch/open-kill-switch-store.ts";
import { describeStoreLocation } from "../../store/store-location.ts";
import { REGO_OPTION_HELP } from "../defaults.ts";
import { resolveExistingStoreLocation, resolveStoreLocation, STORE_OPTION_HELP } from "../store-option.ts";

interface KillOptions {
  assistant?: string;
  tool?: string;
  reason?: string;
  by?: string;
  lift?: boolean;
  list?: boolean;
  all?: boolean;
  format: "table" | "json";
  store?: string;
  rego?: string;
}

/** A combination of options that does not say one thing to do. */
export class KillUsageError extends ToolgateError {
  constructor(message: string) {
    super("kill_usage", `${message} (run policy kill --help for usage)`);
  }
}

/** `policy kill --lift` found nothing to lift: exit 1, like a failed check, not a usage error. */
class NothingToLiftError extends ToolgateError {
  constructor(message: string) {
    super("kill_switch_not_found", message, { exitCode: 1 });
  }
}

export function registerKill(program: Command): void {
  program
    .command("kill")
    .description(
      "Stop a runaway assistant: every gate on the shared store denies its calls (reason code killed) within one second, " +
        "until lifted. Also lifts (--lift) and lists (--list) kill switches.",
    )
    .option("--assistant <id>", "the assistant to kill or lift (exact id, as in the calls)")
    .option("--tool <name>", "only this tool of the assistant (a function's name, or a hosted MCP tool's name on any server); default: every tool")
    .option("--reason <text>", "why: shown in every denial and kept in the history (with --lift: a note for the history)")
    .option("--by <name>", "who does it, for the denial message and the history (default: user@host)")
    .option("--lift", "lift the kill switch on --assistant (and --tool): calls are decided by the policy again")
    .option("--list", "list the active kill switches")
    .option("--all", "with --list: also every kill and lift so far, oldest first")
    .addOption(new Option("--format <format>", "output format of --list").choices(["table", "json"]).default("table"))
    .option("--store <location>", STORE_OPTION_HELP)
    .option("--rego <dir>", `where toolgate.yaml's store: is read; ${REGO_OPTION_HELP}`)
    .addHelpText(
      "after",
      `
Examples:
  policy kill --assistant asst_abc123 --reason "refund loop"
  policy kill --assistant asst_abc123 --tool refund_order --reason "refund loop"
  policy kill --list
  policy kill --lift --assistant asst_abc123

Gates honour kill switches when the app gives them a KillSwitchMonitor on the same store
(docs/policy-config.md, "Kill switch"). A gate that cannot read the store for more than one
second denies every call (kill_switch_unavailable) until it can.
Exit: 0 done, 1 nothing to lift, 2 usage or store error.`,
    )
    .action(async (options: KillOptions) => {
      const action = chooseAction(options);
      // Only a kill writes a first switch: listing or lifting on a store that is not there is an error, and creates no file.
      const location = options.list || options.lift
        ? await resolveExistingStoreLocation(options.store, options.rego, "kill switch store")
        : await resolveStoreLocation(options.store, options.rego);
      const store = await openKillSwitchStore(location);
      try {
        await action(store, describeStoreLocation(location));
      } finally {
        await store.close();
      }
    });
}

type Action = (store: KillSwitchStore, where: string) => Promise<void>;

function chooseAction(options: KillOptions): Action {
  if (options.list) {
    const extra = (["assistant", "tool", "reason", "by", "lift"] as const).filter((key) => options[key] !== undefined);
    if (extra.length > 0) throw new KillUsageError(`--list takes no ${extra.map((key) => `--${key}`).join(", ")}`);
    return (store, where) => list(store, where, options.all === true, options.format);
  }
  if (options.all) throw new KillUsageError("--all goes with --list");
  if (options.format !== "table") throw new KillUsageError("--format goes with --list");
  if (options.assistant === undefined) throw new KillUsageError(options.lift ? "--lift needs --assistant <id>" : "name the assistant to kill: --assistant <id>");
  // Checked before the store is opened, so a bad name never creates a store file.
  const assistantId = checkName("The assistant id (--assistant)", options.assistant);
  const tool = options.tool === undefined ? undefined : checkName("The tool name (--tool)", options.tool);
  const by = options.by ?? defaultActor();
  if (options.lift) {
    return async (store, where) => {
      const lifted = await store.lift({ assistantId, tool, by, ...(options.reason === undefined ? {} : { note: options.reason }) });
      if (!lifted) {
        const others = (await store.active()).filter((s) => s.assistant_id === assistantId);
        throw new NothingToLiftError(
          `no kill switch on ${describeSwitch(assistantId, tool ?? null)} in ${where}` +
            (others.length > 0 ? `; active for this assistant: ${others.map((s) => (s.tool === null ? "every tool" : `--tool ${s.tool}`)).join(", ")}` : ""),
        );
      }
      process.stdout.write(`lifted: ${describeSwitch(lifted.assistant_id, lifted.tool)} (killed by ${lifted.killed_by} at ${lifted.killed_at}) in ${where}\n`);
    };
  }
  const reason = options.reason ?? "";
  return async (store, where) => {
    const killed = await store.kill({ assistantId, tool, reason, by });
    process.stdout.write(
      `killed: ${describeSwitch(killed.assistant_id, killed.tool)}${reason === "" ? "" : `: ${reason}`} in ${where}\n` +
        `every gate on this store denies these calls (killed) within 1 s; lift with: policy kill --lift --assistant ${shellWord(assistantId)}${tool === undefined ? "" : ` --tool ${shellWord(tool)}`}\n`,
    );
  };
}

async function list(store: KillSwitchStore, where: string, all: boolean, format: "table" | "json"): Promise<void> {
  const active = await store.active();
  const history = all ? await store.history() : undefined;
  if (format === "json") {
    process.stdout.write(`${JSON.stringify({ store: where, active, ...(history ? { history } : {}) }, null, 2)}\n`);
    return;
  }
  process.stdout.write(active.length === 0 ? `no active kill switches in ${where}\n` : `${active.length} active kill switch(es) in ${where}\n${table(active.map(switchRow), SWITCH_HEADER)}`);
  if (history) process.stdout.write(`\nhistory (${history.length}):\n${history.length === 0 ? "" : table(history.map(eventRow), EVENT_HEADER)}`);
}

const SWITCH_HEADER = ["ASSISTANT", "TOOL", "SINCE", "BY", "REASON"];
const EVENT_HEADER = ["#", "AT", "ACTION", "ASSISTANT", "TOOL", "BY", "REASON"];

function switchRow(s: KillSwitch): string[] {
  return [s.assistant_id, s.tool ?? "*", s.killed_at, s.killed_by, s.reason];
}

function eventRow(e: KillSwitchEvent): string[] {
  return [String(e.seq), e.at, e.action, e.assistant_id, e.tool ?? "*", e.actor, e.reason];
}

/** Columns padded to their widest cell; the last column is not padded. Stored text is shown JSON-escaped when it holds line breaks. */
function table(rows: string[][], header: string[]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (/[\r\n\t]/.test(cell) ? JSON.stringify(cell) : cell)))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")).join("\n") + "\n";
}

function defaultActor(): string {
  let user = process.env.USER || "unknown";
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): keep $USER.
  }
  return `${user}@${hostname()}`;
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_.:@/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
