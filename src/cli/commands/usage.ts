import { Option, type Command } from "commander";
import { openBudgetStore } from "../../budget/open-budget-store.ts";
import type { CounterListing } from "../../budget/budget-store.ts";
import { describeStoreLocation } from "../../store/store-location.ts";
import { REGO_OPTION_HELP } from "../defaults.ts";
import { STORE_OPTION_HELP, resolveExistingStoreLocation } from "../store-option.ts";

const FORMATS = ["table", "json"] as const;

interface UsageOptions {
  store?: string;
  rego?: string;
  budget?: string[];
  format: (typeof FORMATS)[number];
}

export function registerUsage(program: Command): void {
  program
    .command("usage")
    .description(
      "List budgets and rate limits with their current consumption (settled and reserved, inside each window) from the budget store the app's gates use.",
    )
    .option("--store <location>", `budget store: ${STORE_OPTION_HELP}`)
    .option("--rego <dir>", `${REGO_OPTION_HELP} (its toolgate.yaml may name the store)`)
    .option("--budget <name>", "only this budget (repeat for several)", (value: string, previous: string[] = []) => [...previous, value])
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table"))
    .action(async (options: UsageOptions) => {
      await listUsage(options);
    });
}

async function listUsage(options: UsageOptions): Promise<void> {
  const location = await resolveExistingStoreLocation(options.store, options.rego, "budget store");
  const store = await openBudgetStore(location);
  let counters: CounterListing[];
  try {
    counters = await store.list(Date.now());
  } finally {
    await store.close();
  }
  if (options.budget) counters = counters.filter((c) => options.budget!.includes(c.budget));
  if (options.format === "json") {
    process.stdout.write(`${JSON.stringify(counters.map((c) => ({ ...c, key: JSON.parse(c.key) as unknown, window: formatWindow(c.windowMs) })), null, 2)}\n`);
    return;
  }
  if (counters.length === 0) {
    process.stdout.write(`no usage in ${describeStoreLocation(location)}\n`);
    return;
  }
  const rows = [
    ["budget", "key", "used", "reserved", "calls", "window", "last"],
    ...counters.map((c) => [c.budget, c.key, String(c.used), String(c.reserved), String(c.calls), formatWindow(c.windowMs), new Date(c.lastMs).toISOString()]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n");
}

/** A window in the largest unit that divides it, as toolgate.yaml writes it. */
function formatWindow(ms: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.round(ms / 1000)}s`;
}
